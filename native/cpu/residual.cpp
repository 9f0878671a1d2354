// Residual add: out = a + b, elementwise.
#include "cpu/residual.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

void residual_add(const ResidualAddArgs& r) {
  const float* a = r.a.as<const float>();
  const float* b = r.b.as<const float>();
  float* out = r.out.as<float>();
  parallel_for(r.a.numel(), 16384, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) out[i] = a[i] + b[i];
  });
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(void, residual_add, (const ResidualAddArgs& a), (a))
}  // namespace tx::cpu

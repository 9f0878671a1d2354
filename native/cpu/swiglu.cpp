// SwiGLU: out = silu(gate) * up, elementwise. exp(-g) comes from the 16-lane polynomial of
// simd16.h for EVERY element (the ragged tail through masked loads), so an element's bits
// never depend on where it sits in the array: rows stay batch invariant. The division and
// products are plain loops over those 16 values, which the compiler vectorises.
#include "cpu/swiglu.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"
#include "cpu/simd16.h"

namespace tx::cpu::TX_ISA_NS {

namespace {

constexpr int64_t kChunk = 4096;  // a multiple of 16: chunk boundaries fall on lane groups

// e[0:m] = exp(-g[0:m]), m <= 16.
inline void exp_neg(const float* g, int m, float* e) {
  using namespace simd;
  const V16 x = m == kLanes ? load(g) : load_n(g, m);
  store(e, exp(sub(zero(), x)));
}

}  // namespace

void swiglu(const SwigluArgs& a) {
  const float* g = a.gate.as<const float>();
  const float* u = a.up.as<const float>();
  float* out = a.out.as<float>();
  const int64_t n = a.gate.numel();
  parallel_for((n + kChunk - 1) / kChunk, 4, [&](int64_t c0, int64_t c1) {
    alignas(64) float e[simd::kLanes];
    for (int64_t i = c0 * kChunk; i < std::min(n, c1 * kChunk); i += simd::kLanes) {
      const int m = static_cast<int>(std::min<int64_t>(simd::kLanes, n - i));
      exp_neg(g + i, m, e);
      for (int l = 0; l < m; ++l) out[i + l] = g[i + l] * (1.0f / (1.0f + e[l])) * u[i + l];
    }
  });
}

// d/dg silu(g) = s (1 + g (1 - s)), s = sigmoid(g).
void swiglu_backward(const SwigluBackwardArgs& a) {
  const float* g = a.gate.as<const float>();
  const float* u = a.up.as<const float>();
  const float* go = a.grad_out.as<const float>();
  float* gg = a.grad_gate.as<float>();
  float* gu = a.grad_up.as<float>();
  const int64_t n = a.gate.numel();
  parallel_for((n + kChunk - 1) / kChunk, 4, [&](int64_t c0, int64_t c1) {
    alignas(64) float e[simd::kLanes];
    for (int64_t i = c0 * kChunk; i < std::min(n, c1 * kChunk); i += simd::kLanes) {
      const int m = static_cast<int>(std::min<int64_t>(simd::kLanes, n - i));
      exp_neg(g + i, m, e);
      for (int l = 0; l < m; ++l) {
        const float gi = g[i + l], ui = u[i + l], goi = go[i + l];  // outputs may alias inputs
        const float sig = 1.0f / (1.0f + e[l]);
        gu[i + l] = goi * gi * sig;
        gg[i + l] = goi * ui * sig * (1.0f + gi * (1.0f - sig));
      }
    }
  });
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(void, swiglu, (const SwigluArgs& a), (a))
TX_CPU_DISPATCH(void, swiglu_backward, (const SwigluBackwardArgs& a), (a))
}  // namespace tx::cpu

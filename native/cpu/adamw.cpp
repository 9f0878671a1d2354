// AdamW on the CPU: pass 1 the squared gradient norm over fixed chunks (summed in chunk
// order: deterministic), pass 2 the fused update. Both passes are memory-bound streams.
#include <cmath>
#include <vector>

#include "common/adamw_host.h"
#include "cpu/adamw.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

bool adamw_step(const AdamWArgs& a, AdamWResult* result) {
  const int64_t n = a.params.numel();
  const float* g = a.grads.as<const float>();
  const int64_t chunks = (n + kAdamWNormChunk - 1) / kAdamWNormChunk;
  vector<double> partial(static_cast<size_t>(chunks));
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t lo = c * kAdamWNormChunk, hi = lo + kAdamWNormChunk < n ? lo + kAdamWNormChunk : n;
      double lanes[8] = {};  // fixed lane order: vectorised and deterministic
      int64_t i = lo;
      for (; i + 8 <= hi; i += 8)
        for (int l = 0; l < 8; ++l) lanes[l] += static_cast<double>(g[i + l]) * g[i + l];
      for (int l = 0; i < hi; ++i, ++l) lanes[l] += static_cast<double>(g[i]) * g[i];
      double s = 0;
      for (double x : lanes) s += x;
      partial[c] = s;
    }
  });
  double ss = 0;
  for (double x : partial) ss += x;
  result->grad_norm = std::sqrt(ss);
  if (!std::isfinite(result->grad_norm)) return false;
  const AdamWCoefs c = adamw_coefs(a, result->grad_norm, &result->clip_scale);
  float* p = a.params.as<float>();
  float* m = a.exp_avg.as<float>();
  float* v = a.exp_avg_sq.as<float>();
  parallel_for(n, 1 << 15, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) adamw_update(p + i, g[i], m + i, v + i, c);
  });
  return true;
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(bool, adamw_step, (const AdamWArgs& a, AdamWResult* r), (a, r))
}  // namespace tx::cpu

// AdamW per-element update and the global-norm chunking, shared by the CPU and CUDA twins
// so both apply the same formula in the same precision (double per element, stored f32).
#pragma once
#include <cmath>
#include <cstdint>

#include "common/hd.h"

namespace tx {

// Squared-norm partials are taken over fixed chunks and summed in chunk order, so the norm
// (and so every update) is identical for any thread count or grid.
constexpr int64_t kAdamWNormChunk = 1 << 16;

struct AdamWCoefs {
  double lr, beta1, beta2, eps, decay;  // decay = 1 - lr * weight_decay
  double step_size;                     // lr / (1 - beta1^t)
  double inv_sqrt_bc2;                  // 1 / sqrt(1 - beta2^t)
  double grad_scale;                    // global-norm clip factor
};

// torch.optim.AdamW (foreach=False): p *= 1 - lr*wd; m, v moments; p -= step_size * m / (sqrt(v)/sqrt(bc2) + eps)
TX_HD void adamw_update(float* p, float g_raw, float* m, float* v, const AdamWCoefs& c) {
  const double g = static_cast<double>(g_raw) * c.grad_scale;
  const double mm = c.beta1 * static_cast<double>(*m) + (1.0 - c.beta1) * g;
  const double vv = c.beta2 * static_cast<double>(*v) + (1.0 - c.beta2) * g * g;
  const double denom = sqrt(vv) * c.inv_sqrt_bc2 + c.eps;
  *p = static_cast<float>(static_cast<double>(*p) * c.decay - c.step_size * mm / denom);
  *m = static_cast<float>(mm);
  *v = static_cast<float>(vv);
}

}  // namespace tx

// Host half of AdamW shared by both devices: coefficients from the hyper-parameters and
// the global norm.
#pragma once
#include <cmath>

#include "common/adamw_math.h"
#include "tx/ops.h"

namespace tx {

inline AdamWCoefs adamw_coefs(const AdamWArgs& a, double grad_norm, double* clip_scale) {
  double scale = 1.0;
  if (a.max_grad_norm > 0) {
    const double coef = a.max_grad_norm / (grad_norm + 1e-6);  // torch clip_grad_norm_
    scale = coef < 1.0 ? coef : 1.0;
  }
  *clip_scale = scale;
  const double t = static_cast<double>(a.step);
  return {a.lr, a.beta1, a.beta2, a.eps, 1.0 - a.lr * a.weight_decay, a.lr / (1.0 - std::pow(a.beta1, t)),
          1.0 / std::sqrt(1.0 - std::pow(a.beta2, t)), scale};
}

}  // namespace tx

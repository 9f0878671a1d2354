// AdamW step, fused (docs/kernels.md section 5; torch.optim.AdamW semantics).
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// All four vectors are one flat f32 buffer each (the parameters live in one contiguous
// buffer), updated in place. Global-norm clipping is torch.nn.utils.clip_grad_norm_.
struct AdamWArgs {
  TensorView params;      // f32[P] master weights, in/out
  TensorView grads;       // f32[P], read only (clipping scales on the fly)
  TensorView exp_avg;     // f32[P] first moment, in/out
  TensorView exp_avg_sq;  // f32[P] second moment, in/out
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.01;
  int64_t step = 1;            // 1-based step number after this update (bias correction)
  double max_grad_norm = 0;    // 0 = no clipping
};

struct AdamWResult {
  double grad_norm = 0;   // global L2 norm of grads before clipping
  double clip_scale = 1;  // factor applied to grads: min(1, maxGradNorm / (norm + 1e-6))
};

Status adamw_step(const AdamWArgs& args, AdamWResult* result);
Status validate_adamw_inputs(const AdamWArgs& args);

}  // namespace tx

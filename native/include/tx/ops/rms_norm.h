// RMSNorm (docs/kernels.md section 8).
// Model op (f32 on the CPU and CUDA): tensors are flat f32 vectors with explicit dims (as
// GemmArgs). The forward is row-wise: a row's result depends only on that row, bit for bit,
// whatever the row count (the policy's generate == forwardLogprobs guarantee rests on it).
// Index vectors are host memory, range-checked before any launch.
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// RMSNorm (Qwen2RMSNorm): out = weight * x / sqrt(mean(x^2) + eps); rstd saved.
struct RmsNormArgs {
  TensorView x;       // f32[rows*dim]
  TensorView weight;  // f32[dim]
  int64_t rows = 0, dim = 0;
  double eps = 1e-6;
  TensorView out;     // f32[rows*dim], may alias x
  TensorView rstd;    // f32[rows]
};

struct RmsNormBackwardArgs {
  TensorView x, weight, rstd, grad_out;  // as the forward; grad_out f32[rows*dim]
  int64_t rows = 0, dim = 0;
  bool accumulate = false;  // grad_weight += (gradient accumulation) instead of =
  TensorView grad_x;        // f32[rows*dim], may alias grad_out
  TensorView grad_weight;   // f32[dim]; summed over fixed 64-row chunks in chunk order
};


Status rms_norm(const RmsNormArgs& args);
Status rms_norm_backward(const RmsNormBackwardArgs& args);
// Input checks only, so a binding can size its outputs safely first.
Status validate_rms_norm_inputs(const RmsNormArgs& args);
Status validate_rms_norm_backward_inputs(const RmsNormBackwardArgs& args);

}  // namespace tx

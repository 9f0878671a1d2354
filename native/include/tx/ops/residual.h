// Residual add (docs/kernels.md section 12).
// Model op (f32 on the CPU and CUDA): tensors are flat f32 vectors with explicit dims (as
// GemmArgs). The forward is row-wise: a row's result depends only on that row, bit for bit,
// whatever the row count (the policy's generate == forwardLogprobs guarantee rests on it).
// Index vectors are host memory, range-checked before any launch.
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// Residual add: out = a + b (may alias a). Backward: grad_a = grad_b = grad_out.
struct ResidualAddArgs {
  TensorView a, b, out;  // f32[n]
};

Status residual_add(const ResidualAddArgs& args);
// Input checks only, so a binding can size its outputs safely first.
Status validate_residual_add_inputs(const ResidualAddArgs& args);

}  // namespace tx

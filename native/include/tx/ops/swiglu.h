// SwiGLU (docs/kernels.md section 10).
// Model op (f32 on the CPU and CUDA): tensors are flat f32 vectors with explicit dims (as
// GemmArgs). The forward is row-wise: a row's result depends only on that row, bit for bit,
// whatever the row count (the policy's generate == forwardLogprobs guarantee rests on it).
// Index vectors are host memory, range-checked before any launch.
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// SwiGLU: out = silu(gate) * up, silu(g) = g / (1 + exp(-g)).
struct SwigluArgs {
  TensorView gate, up;  // f32[n]
  TensorView out;       // f32[n], may alias gate or up
};

struct SwigluBackwardArgs {
  TensorView gate, up, grad_out;  // f32[n]
  TensorView grad_gate, grad_up;  // f32[n]
};

Status swiglu(const SwigluArgs& args);
Status swiglu_backward(const SwigluBackwardArgs& args);
// Input checks only, so a binding can size its outputs safely first.
Status validate_swiglu_inputs(const SwigluArgs& args);
Status validate_swiglu_backward_inputs(const SwigluBackwardArgs& args);

}  // namespace tx

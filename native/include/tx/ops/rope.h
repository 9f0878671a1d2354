// RoPE, Qwen2 rotate-half layout (docs/kernels.md section 9).
// Model op (f32 on the CPU and CUDA): tensors are flat f32 vectors with explicit dims (as
// GemmArgs). The forward is row-wise: a row's result depends only on that row, bit for bit,
// whatever the row count (the policy's generate == forwardLogprobs guarantee rests on it).
// Index vectors are host memory, range-checked before any launch.
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// RoPE, Qwen2 rotate-half layout: for i < D/2, angle = pos * theta^(-2i/D) and
//   out[i] = x[i] cos - x[i+D/2] sin,  out[i+D/2] = x[i+D/2] cos + x[i] sin.
// Backward applies the inverse rotation to grad_out (same args, x := grad_out).
struct RopeArgs {
  TensorView x;          // f32[tokens*heads*head_dim]
  TensorView positions;  // i32[tokens], host, >= 0 (packed sequences restart at 0)
  int64_t tokens = 0, heads = 0, head_dim = 0;  // head_dim even
  double theta = 10000;
  TensorView table;      // optional f32[P*head_dim] from rope_table (cos | sin per position), P > max position
  TensorView out;        // f32, same size, may alias x
  const char* x_name = "x";  // how errors name x ("gradOut" for the backward)
};

// Fills table[p*D + i] = cos(p*inv_i), table[p*D + D/2 + i] = sin(p*inv_i) for p < P, the
// exact values the table-free path computes (double, rounded to f32). Host only.
Status rope_table(double theta, int64_t head_dim, int64_t positions, const TensorView& table);

Status rope(const RopeArgs& args);
Status rope_backward(const RopeArgs& args);
// Input checks only, so a binding can size its outputs safely first.
Status validate_rope_inputs(const RopeArgs& args);

}  // namespace tx

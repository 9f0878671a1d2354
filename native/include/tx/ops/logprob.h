// Log-prob gathering (docs/kernels.md section 2): from logits, and fused with the lm_head.
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// Rows whose target is ignore_index give logp 0, entropy 0, lse 0 and a zero gradient.
// A row whose logits are all -inf gives lse -inf, logp -inf, entropy 0 and a zero gradient.
// NaN or +inf logits are not checked (that would cost a pass); they give NaN results.
// Targets are host memory (an Int32Array): they are range-checked before any launch.

struct LogprobsArgs {
  TensorView logits;   // [N, V] f32 (CPU, CUDA) or bf16 (CUDA)
  TensorView targets;  // i32[N], host
  double temperature = 1.0;  // z = logits * (1/T)
  int32_t ignore_index = -100;
  // Outputs, f32[N] on the device of `logits`; entropy undefined = not computed.
  TensorView logp;
  TensorView entropy;
  TensorView lse;
};

struct LogprobsBackwardArgs {
  TensorView logits;        // [N, V] as in the forward
  TensorView targets;       // i32[N], host
  TensorView lse;           // f32[N] saved by the forward
  TensorView grad_logp;     // f32[N]
  TensorView grad_entropy;  // f32[N] or undefined (no entropy term)
  double temperature = 1.0;
  int32_t ignore_index = -100;
  TensorView grad_logits;   // [N, V], dtype of logits; may be `logits` itself (in place)
};

// Fused with the output projection: logits = hidden x weight^T, never materialized.
struct LinearLogprobsArgs {
  TensorView hidden;   // [N, Dm] f32
  TensorView weight;   // [V, Dm] f32 (lm_head)
  TensorView targets;  // i32[N], host
  double temperature = 1.0;
  int32_t ignore_index = -100;
  TensorView logp;     // f32[N]
  TensorView entropy;  // f32[N] or undefined
  TensorView lse;      // f32[N]
};

struct LinearLogprobsBackwardArgs {
  TensorView hidden;        // [N, Dm] f32
  TensorView weight;        // [V, Dm] f32
  TensorView targets;       // i32[N], host
  TensorView lse;           // f32[N]
  TensorView grad_logp;     // f32[N]
  TensorView grad_entropy;  // f32[N] or undefined
  double temperature = 1.0;
  int32_t ignore_index = -100;
  TensorView grad_hidden;   // [N, Dm] f32 (overwritten)
  TensorView grad_weight;   // [V, Dm] f32 (overwritten)
};

Status logprobs(const LogprobsArgs& args);
Status logprobs_backward(const LogprobsBackwardArgs& args);
Status linear_logprobs(const LinearLogprobsArgs& args);
Status linear_logprobs_backward(const LinearLogprobsBackwardArgs& args);
// Input checks only, so that a caller can size its outputs safely first.
Status validate_logprobs_inputs(const LogprobsArgs& args);
Status validate_logprobs_backward_inputs(const LogprobsBackwardArgs& args);
Status validate_linear_logprobs_inputs(const LinearLogprobsArgs& args);
Status validate_linear_logprobs_backward_inputs(const LinearLogprobsBackwardArgs& args);

}  // namespace tx

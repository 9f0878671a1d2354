// Embedding gather and its deterministic scatter-add backward (docs/kernels.md section 11).
// Model op (f32 on the CPU and CUDA): tensors are flat f32 vectors with explicit dims (as
// GemmArgs). The forward is row-wise: a row's result depends only on that row, bit for bit,
// whatever the row count (the policy's generate == forwardLogprobs guarantee rests on it).
// Index vectors are host memory, range-checked before any launch.
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// Embedding: out[t] = weight[ids[t]]. Backward scatter-adds rows of grad_out into
// grad_weight in a fixed order (rows grouped by id, ascending token index): deterministic.
struct EmbeddingArgs {
  TensorView weight;  // f32[vocab*dim]
  TensorView ids;     // i32[tokens], host, in [0, vocab)
  int64_t vocab = 0, dim = 0;
  TensorView out;     // f32[tokens*dim]
};

struct EmbeddingBackwardArgs {
  TensorView grad_out;  // f32[tokens*dim]
  TensorView ids;       // i32[tokens], host
  int64_t vocab = 0, dim = 0;
  bool accumulate = false;  // grad_weight += (tied lm_head, gradient accumulation)
  TensorView grad_weight;   // f32[vocab*dim]; rows of unused ids untouched when accumulating, else zero
};

Status embedding(const EmbeddingArgs& args);
Status embedding_backward(const EmbeddingBackwardArgs& args);
// Input checks only, so a binding can size its outputs safely first.
Status validate_embedding_inputs(const EmbeddingArgs& args);
Status validate_embedding_backward_inputs(const EmbeddingBackwardArgs& args);

}  // namespace tx

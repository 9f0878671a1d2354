// Token sampling: temperature, top-k, top-p, counter-based Gumbel-max (docs/kernels.md section 6).
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// Per row: z = logits / temperature (rounded to f32); top-k keeps z >= the k-th largest z
// (ties kept, as HF TopKLogitsWarper); top-p keeps the smallest set of largest z whose
// probability mass reaches topP (ties at the boundary kept); then Gumbel-max over the kept
// tokens with one Philox4x32-10 draw per (seed, sequence id, position, vocabulary index),
// so a sequence's tokens never depend on the batch it is sampled in. temperature 0 = greedy
// (first argmax).
struct SampleArgs {
  TensorView logits;     // f32[B*V], row-major, on the sampling device
  int64_t vocab = 0;     // V
  TensorView seq_ids;    // i32[B], host
  TensorView positions;  // i32[B], host
  uint64_t seed = 0;
  double temperature = 1;
  int32_t top_k = 0;     // 0 = off
  double top_p = 1;      // 1 = off
  TensorView tokens;     // i32[B] output, on the device of logits
};

Status sample(const SampleArgs& args);
Status validate_sample_inputs(const SampleArgs& args);

}  // namespace tx

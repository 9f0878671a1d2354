// The output head: log-probs (and entropies) of target tokens from the final hidden rows,
// and its backward. Two paths, chosen by the vocabulary size ONLY, so a row takes the same
// path (hence the same bits) in generate and in forward_logprobs whatever the batch:
//  - V <= kMaterializeVocab: logits = hidden W^T by GEMM into an [N, V] buffer, then the
//    logprobs op; backward in place on that buffer and two GEMMs (fast: GEMM-bound).
//  - larger V: the fused linear_logprobs op, never materialising [N, V] (memory-bound).
#pragma once
#include <cstdint>

#include "model/linear.h"
#include "tx/status.h"

namespace tx::model {

constexpr int64_t kMaterializeVocab = 8192;
inline bool head_materializes(int64_t vocab) { return vocab <= kMaterializeVocab; }

struct Head {
  LinearCtx lc;          // where hidden, weight, logits and the outputs live
  const float* hidden;  // [n, d]
  const float* weight;  // [V, d] lm_head
  int64_t n, d, vocab;
  const int32_t* targets;  // [n] host, -100 = ignored row
  float* logits;           // [n, V] scratch when head_materializes(V), else unused
  // [n, d] scratch, host only, or nullptr: the materialising head then computes logits for
  // the rows that have a target only (gathered here), not for every row. A prompt row has
  // none, so in an RL batch most rows skip the head. A row's logits have the same bits
  // either way (the GEMM's rows are batch invariant).
  float* rows = nullptr;
};

// logp, lse: [n] on the head's place; entropy [n] or nullptr.
Status head_forward(const Head& h, float* logp, float* entropy, float* lse);
// After head_forward on the same Head (logits still in place): grad_hidden [n, d] is
// overwritten; grad_weight [V, d] is ADDED to; weight_scratch [V, d] is used by the fused path.
// With `rows`, grad_weight sums only the rows that have a target (the others add zeros).
Status head_backward(const Head& h, const float* lse, const float* grad_logp, float* grad_hidden, float* grad_weight,
                     float* weight_scratch);

}  // namespace tx::model

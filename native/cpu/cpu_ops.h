// CPU kernels. Arguments are already checked by ops.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops.h"

namespace tx::cpu {

// Returns the index of the first non-finite reward, or -1 when all are finite.
int64_t grouped_advantages(const GroupedAdvantagesArgs& args);

// logprob.cpp (targets already range-checked).
void logprobs(const LogprobsArgs& args);
void logprobs_backward(const LogprobsBackwardArgs& args);
void linear_logprobs(const LinearLogprobsArgs& args);
void linear_logprobs_backward(const LinearLogprobsBackwardArgs& args);
// Attention (attention.cpp, attention_backward.cpp). `scale` is already resolved (> 0).
void attention(const AttentionArgs& args, float scale);
void attention_backward(const AttentionBackwardArgs& args, float scale);
void decode_attention(const DecodeAttentionArgs& args, float scale);

}  // namespace tx::cpu

// GRPO loss (appended block).
namespace tx::cpu {

// Writes gradLogp and *result; returns the first masked token with a non-finite input, or -1.
int64_t grpo_loss(const GrpoLossArgs& args, GrpoLossResult* result);

}  // namespace tx::cpu

// AdamW (appended block).
namespace tx::cpu {

// Fills result->grad_norm; returns false (nothing updated) when the norm is not finite.
bool adamw_step(const AdamWArgs& args, AdamWResult* result);

}  // namespace tx::cpu

// Sampling (appended block).
namespace tx::cpu {

// Writes tokens. Returns -1, or the flat index of the first NaN/+Inf logit, or (with
// *empty_row set) the first row without a finite logit.
int64_t sample(const SampleArgs& args, bool* empty_row);

}  // namespace tx::cpu

// GEMM (appended block).
namespace tx::cpu {

void gemm(const GemmArgs& args);

}  // namespace tx::cpu

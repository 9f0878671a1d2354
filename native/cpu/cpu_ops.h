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

// CPU kernel of attention (attention.cpp, attention_backward.cpp). `scale` is already resolved (> 0).
// Arguments are already checked by native/ops/attention.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/attention.h"

namespace tx::cpu {

void attention(const AttentionArgs& args, float scale);
void attention_backward(const AttentionBackwardArgs& args, float scale);
void decode_attention(const DecodeAttentionArgs& args, float scale);

}  // namespace tx::cpu

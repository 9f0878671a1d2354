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

// Model ops (appended block): rms_norm.cpp, rope.cpp, swiglu.cpp, embedding.cpp, residual.cpp.
#include <vector>

namespace tx::cpu {

void rms_norm(const RmsNormArgs& args);
void rms_norm_backward(const RmsNormBackwardArgs& args);
void rope(const RopeArgs& args, bool inverse);
void swiglu(const SwigluArgs& args);
void swiglu_backward(const SwigluBackwardArgs& args);
void embedding(const EmbeddingArgs& args);
void embedding_backward(const EmbeddingBackwardArgs& args);
void residual_add(const ResidualAddArgs& args);
// The (cos, sin) pair of rope position p, frequency i: shared by the table and the kernels.
void rope_angle(double theta, int64_t head_dim, int64_t p, int64_t i, float* c, float* s);
// Token indices grouped by id (ascending id, then ascending token): order[] and, per id
// present, [start[j], start[j+1]) in order with id uid[j]. Shared with the CUDA launcher.
void group_by_id(const int32_t* ids, int64_t tokens, int64_t vocab, std::vector<int32_t>* order,
                 std::vector<int32_t>* start, std::vector<int32_t>* uid);

}  // namespace tx::cpu

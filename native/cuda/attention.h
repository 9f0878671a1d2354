// CUDA launcher of attention (attention.cu): a plain C++ function taking a
// stream, no Node headers. Arguments are already checked by native/ops/.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tx/ops/attention.h"
#include "tx/status.h"

namespace tx::cuda {

// `scale` is resolved (> 0); D is 64 or 128. Asynchronous on `stream` except where
// host-side lengths must be copied (cu_seqlens, lengths).
Status attention(const AttentionArgs& args, float scale, cudaStream_t stream);
Status attention_backward(const AttentionBackwardArgs& args, float scale, cudaStream_t stream);
Status decode_attention(const DecodeAttentionArgs& args, float scale, cudaStream_t stream);

}  // namespace tx::cuda

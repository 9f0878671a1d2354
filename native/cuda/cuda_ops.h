// CUDA launchers: plain C++ functions taking a stream, callable from ops.cpp. No Node
// headers here. Arguments are already checked by ops.cpp.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tx/ops.h"

namespace tx::cuda {

// Writes the first non-finite reward index to *first_bad (or -1). Synchronizes `stream`.
Status grouped_advantages(const GroupedAdvantagesArgs& args, int64_t* first_bad, cudaStream_t stream);

// logprob.cu: block per row (logits path), tiled kernels for the fused path. Targets are
// range-checked host memory; the launchers copy them to the device. Synchronize `stream`.
Status logprobs(const LogprobsArgs& args, cudaStream_t stream);
Status logprobs_backward(const LogprobsBackwardArgs& args, cudaStream_t stream);
Status linear_logprobs(const LinearLogprobsArgs& args, cudaStream_t stream);
Status linear_logprobs_backward(const LinearLogprobsBackwardArgs& args, cudaStream_t stream);
// Attention (attention.cu). `scale` is resolved (> 0); D is 64 or 128. Asynchronous on
// `stream` except where host-side lengths must be copied (cu_seqlens, lengths).
Status attention(const AttentionArgs& args, float scale, cudaStream_t stream);
Status attention_backward(const AttentionBackwardArgs& args, float scale, cudaStream_t stream);
Status decode_attention(const DecodeAttentionArgs& args, float scale, cudaStream_t stream);

}  // namespace tx::cuda

// GRPO loss (appended block).
namespace tx::cuda {

// Writes gradLogp and *result (synchronizes `stream`); *first_bad = first masked token with
// a non-finite input, or -1.
Status grpo_loss(const GrpoLossArgs& args, GrpoLossResult* result, int64_t* first_bad, cudaStream_t stream);

}  // namespace tx::cuda

// AdamW (appended block).
namespace tx::cuda {

// Fills result; *finite = false (nothing updated) when the gradient norm is not finite.
Status adamw_step(const AdamWArgs& args, AdamWResult* result, bool* finite, cudaStream_t stream);

}  // namespace tx::cuda

// Sampling (appended block).
namespace tx::cuda {

// As cpu::sample; synchronizes `stream`. *bad = -1 when every row sampled.
Status sample(const SampleArgs& args, int64_t* bad, bool* empty_row, cudaStream_t stream);

}  // namespace tx::cuda

// GEMM (appended block).
namespace tx::cuda {

// C = alpha op(A) op(B) + beta C, row-major (tx::GemmArgs); asynchronous on `stream`.
// cuBLAS (dlopen) or the engine's kernels per args.backend.
Status gemm(const GemmArgs& args, cudaStream_t stream);
// The cuBLAS library that loaded, or "".
const char* gemm_cublas_library();

}  // namespace tx::cuda

// Model ops (appended block): model_ops.cu. Asynchronous on `stream` except where host
// index vectors are copied to the device.
namespace tx::cuda {

Status rms_norm(const RmsNormArgs& args, cudaStream_t stream);
Status rms_norm_backward(const RmsNormBackwardArgs& args, cudaStream_t stream);
Status rope(const RopeArgs& args, bool inverse, cudaStream_t stream);
Status swiglu(const SwigluArgs& args, cudaStream_t stream);
Status swiglu_backward(const SwigluBackwardArgs& args, cudaStream_t stream);
Status embedding(const EmbeddingArgs& args, cudaStream_t stream);
Status embedding_backward(const EmbeddingBackwardArgs& args, cudaStream_t stream);
Status residual_add(const ResidualAddArgs& args, cudaStream_t stream);

}  // namespace tx::cuda

// Model glue (appended block): model_glue.cu, the non-op kernels of native/model/.
// Asynchronous on `stream`; the model uses the default stream throughout.
namespace tx::cuda {

Status use_device(int device);  // cudaSetDevice for the calling thread (workers start on 0)
Status bias_add(float* y, const float* bias, int64_t rows, int64_t out, cudaStream_t stream);  // y[r, :] += bias
Status bias_grad(const float* dy, float* dbias, int64_t rows, int64_t out, cudaStream_t stream);  // dbias += column sums
Status to_bf16(const float* src, uint16_t* dst, int64_t n, cudaStream_t stream);  // round to nearest even
Status zero(void* ptr, size_t bytes, cudaStream_t stream);
Status copy_on_device(void* dst, const void* src, size_t bytes, cudaStream_t stream);

}  // namespace tx::cuda

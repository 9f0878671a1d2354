// CUDA launcher of the model ops: RMSNorm, RoPE, SwiGLU, embedding, residual add (model_ops.cu): a plain C++ function taking a
// stream, no Node headers. Arguments are already checked by native/ops/.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tx/ops/rms_norm.h"
#include "tx/ops/rope.h"
#include "tx/ops/swiglu.h"
#include "tx/ops/embedding.h"
#include "tx/ops/residual.h"
#include "tx/status.h"

namespace tx::cuda {

// Asynchronous on `stream` except where host index vectors are copied to the device.
Status rms_norm(const RmsNormArgs& args, cudaStream_t stream);
Status rms_norm_backward(const RmsNormBackwardArgs& args, cudaStream_t stream);
Status rope(const RopeArgs& args, bool inverse, cudaStream_t stream);
Status swiglu(const SwigluArgs& args, cudaStream_t stream);
Status swiglu_backward(const SwigluBackwardArgs& args, cudaStream_t stream);
Status embedding(const EmbeddingArgs& args, cudaStream_t stream);
Status embedding_backward(const EmbeddingBackwardArgs& args, cudaStream_t stream);
Status residual_add(const ResidualAddArgs& args, cudaStream_t stream);

}  // namespace tx::cuda

// CUDA launcher of log-prob gathering (logprob.cu): a plain C++ function taking a
// stream, no Node headers. Arguments are already checked by native/ops/.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tx/ops/logprob.h"
#include "tx/status.h"

namespace tx::cuda {

// Block per row (logits path), tiled kernels for the fused path. Targets are range-checked
// host memory; the launchers copy them to the device. Synchronize `stream`.
Status logprobs(const LogprobsArgs& args, cudaStream_t stream);
Status logprobs_backward(const LogprobsBackwardArgs& args, cudaStream_t stream);
Status linear_logprobs(const LinearLogprobsArgs& args, cudaStream_t stream);
Status linear_logprobs_backward(const LinearLogprobsBackwardArgs& args, cudaStream_t stream);

}  // namespace tx::cuda

// CUDA kernels of native/model/ that are not ops (model_glue.cu): device selection, bias
// add and its gradient, bf16 copies, fills and copies. Asynchronous on `stream`; the model
// uses the default stream throughout. Plain C++, no Node headers.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "tx/status.h"

namespace tx::cuda {

Status use_device(int device);  // cudaSetDevice for the calling thread (workers start on 0)
Status bias_add(float* y, const float* bias, int64_t rows, int64_t out, cudaStream_t stream);  // y[r, :] += bias
Status bias_grad(const float* dy, float* dbias, int64_t rows, int64_t out, cudaStream_t stream);  // dbias += column sums
Status to_bf16(const float* src, uint16_t* dst, int64_t n, cudaStream_t stream);  // round to nearest even
Status zero(void* ptr, size_t bytes, cudaStream_t stream);
Status copy_on_device(void* dst, const void* src, size_t bytes, cudaStream_t stream);

}  // namespace tx::cuda

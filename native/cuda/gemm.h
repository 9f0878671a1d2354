// CUDA launcher of GEMM (gemm.cu): a plain C++ function taking a
// stream, no Node headers. Arguments are already checked by native/ops/.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tx/ops/gemm.h"
#include "tx/status.h"

namespace tx::cuda {

// C = alpha op(A) op(B) + beta C, row-major (tx::GemmArgs); asynchronous on `stream`.
// cuBLAS (dlopen) or the engine's kernels per args.backend.
Status gemm(const GemmArgs& args, cudaStream_t stream);
// The cuBLAS library that loaded, or "".
const char* gemm_cublas_library();

}  // namespace tx::cuda

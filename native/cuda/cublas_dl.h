// cuBLAS loaded at run time with dlopen (libcublas.so.13, .12, then libcublas.so): the build
// needs no cuBLAS headers or libraries, and a machine without cuBLAS falls back to the
// engine's own GEMM kernels. Only the handful of entry points the GEMM uses are declared.
#pragma once
#include <cuda_runtime_api.h>

#include "tx/status.h"

namespace tx::cuda::cublas {

// True when a cuBLAS library loaded and exports every entry point below (probed once).
bool available();
// The library name that loaded ("libcublas.so.13"), or "" when none did.
const char* library();

// Column-major, as cuBLAS itself: C[m x n] = alpha op(A) op(B) + beta C, f32 everywhere.
Status sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
             int ldb, float beta, float* c, int ldc, int device, cudaStream_t stream);
// Column-major, bf16 A and B, f32 C, f32 accumulation (cublasGemmEx, CUBLAS_COMPUTE_32F).
Status gemm_bf16(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const void* a, int lda, const void* b,
                 int ldb, float beta, float* c, int ldc, int device, cudaStream_t stream);

}  // namespace tx::cuda::cublas

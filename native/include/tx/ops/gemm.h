// GEMM: C = alpha op(A) op(B) + beta C, row-major (docs/kernels.md section 7).
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// op(A) is M x K (A stored M x K, or K x M when trans_a); op(B) is K x N (stored K x N, or
// N x K when trans_b); C is M x N. beta = 0 ignores C's old contents (NaN included).
// Host: A, B, C f32. CUDA: A and B both f32 or both bf16 (f32 accumulation), C f32, all on
// one device; cuBLAS when it loads at run time, else the engine's own kernels
// (tensor-core mma for bf16, SIMT for f32).
enum class GemmBackend : int {
  kAuto = 0,  // CUDA: cuBLAS when available, else own kernels (the CPU ignores this)
  kCublas,    // CUDA: cuBLAS or E_DEVICE
  kOwn,       // CUDA: the engine's own kernels
};

struct GemmArgs {
  TensorView a, b, c;  // flat vectors
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  double alpha = 1, beta = 0;
  GemmBackend backend = GemmBackend::kAuto;
};

Status gemm(const GemmArgs& args);

// The cuBLAS library the CUDA GEMM loaded ("libcublas.so.13"), or "" (none, or no CUDA build).
const char* gemm_cublas_library();

}  // namespace tx

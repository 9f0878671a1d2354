// CUDA GEMM, row-major C = alpha op(A) op(B) + beta C (tx::GemmArgs): cuBLAS when it loaded
// at run time (cublas_dl.h), else the engine's own kernels:
//   bf16 A, B: tensor cores, mma.sync m16n8k16 (bf16 in, f32 accumulate), 128 x 128 x 32
//              block tiles, 8 warps of 64 x 32;
//   f32 A, B:  SIMT, 64 x 64 x 16 block tiles, 4 x 4 outputs per thread.
// Both stage op(A) and op(B) tiles through shared memory with the transposes resolved on
// load (coalesced along whichever dimension is contiguous in memory) and zero padding past
// the edges, so any M, N, K and all four transpose combinations take one code path. Each C
// element is owned by one thread and summed over K in ascending order: deterministic.
#include <cuda_bf16.h>

#include <algorithm>
#include <cstdint>

#include "cuda/common.cuh"
#include "cuda/cublas_dl.h"
#include "cuda/gemm.h"

namespace tx::cuda {

namespace {

// op(A)[i][kk] and op(B)[kk][j] from row-major storage.
template <typename T>
__device__ __forceinline__ T load_a(const T* a, bool trans, int64_t m, int64_t k, int64_t i, int64_t kk) {
  if (i >= m || kk >= k) return T(0.0f);
  return trans ? a[kk * m + i] : a[i * k + kk];
}
template <typename T>
__device__ __forceinline__ T load_b(const T* b, bool trans, int64_t k, int64_t n, int64_t kk, int64_t j) {
  if (kk >= k || j >= n) return T(0.0f);
  return trans ? b[j * k + kk] : b[kk * n + j];
}

__device__ __forceinline__ void store_c(float* c, int64_t ldc, int64_t m, int64_t n, int64_t i, int64_t j, float acc,
                                        float alpha, float beta) {
  if (i >= m || j >= n) return;
  float& out = c[i * ldc + j];
  out = beta == 0.0f ? alpha * acc : alpha * acc + beta * out;  // beta 0: old C (NaN too) unread
}

// ---- f32 SIMT ---------------------------------------------------------------------------
constexpr int kSBM = 64, kSBN = 64, kSBK = 16, kSThreads = 256;

__global__ void __launch_bounds__(kSThreads) gemm_f32_simt(const float* __restrict__ a, const float* __restrict__ b,
                                                           float* __restrict__ c, int64_t m, int64_t n, int64_t k,
                                                           bool ta, bool tb, float alpha, float beta) {
  __shared__ float as[kSBK][kSBM];
  __shared__ float bs[kSBK][kSBN + 1];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kSBM, n0 = static_cast<int64_t>(blockIdx.x) * kSBN;
  float acc[4][4] = {};
  for (int64_t k0 = 0; k0 < k; k0 += kSBK) {
    for (int e = tid; e < kSBM * kSBK; e += kSThreads) {
      // Consecutive threads walk the dimension that is contiguous in memory.
      const int i = ta ? e % kSBM : e / kSBK, kk = ta ? e / kSBM : e % kSBK;
      as[kk][i] = load_a(a, ta, m, k, m0 + i, k0 + kk);
      const int j = tb ? e / kSBK : e % kSBN, kb = tb ? e % kSBK : e / kSBN;
      bs[kb][j] = load_b(b, tb, k, n, k0 + kb, n0 + j);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kSBK; ++kk) {
      float av[4], bv[4];
#pragma unroll
      for (int r = 0; r < 4; ++r) av[r] = as[kk][ty + 16 * r];
#pragma unroll
      for (int s = 0; s < 4; ++s) bv[s] = bs[kk][tx + 16 * s];
#pragma unroll
      for (int r = 0; r < 4; ++r)
#pragma unroll
        for (int s = 0; s < 4; ++s) acc[r][s] = fmaf(av[r], bv[s], acc[r][s]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int r = 0; r < 4; ++r)
#pragma unroll
    for (int s = 0; s < 4; ++s) store_c(c, n, m, n, m0 + ty + 16 * r, n0 + tx + 16 * s, acc[r][s], alpha, beta);
}

// ---- bf16 tensor cores: mma.sync m16n8k16 ---------------------------------------------------
constexpr int kTBM = 128, kTBN = 128, kTBK = 32, kTThreads = 256;
constexpr int kTPad = 8;  // row pitch 40 bf16 = 80 bytes: fragment reads spread over the banks

__device__ __forceinline__ void mma_bf16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
  __trap();  // the launcher only selects this kernel on sm_80+
#endif
}

__global__ void __launch_bounds__(kTThreads) gemm_bf16_mma(const __nv_bfloat16* __restrict__ a,
                                                           const __nv_bfloat16* __restrict__ b, float* __restrict__ c,
                                                           int64_t m, int64_t n, int64_t k, bool ta, bool tb,
                                                           float alpha, float beta) {
  // as[i][kk] = op(A) tile row-major; bs[j][kk] = op(B) tile stored transposed (n-major), so
  // both fragments read (kk, kk+1) pairs as one 32-bit word.
  __shared__ __align__(16) __nv_bfloat16 as[kTBM][kTBK + kTPad];
  __shared__ __align__(16) __nv_bfloat16 bs[kTBN][kTBK + kTPad];
  const int tid = threadIdx.x, warp = tid / kWarp, lane = tid % kWarp;
  const int g = lane / 4, t = lane % 4;               // mma fragment coordinates
  const int wm = (warp / 4) * 64, wn = (warp % 4) * 32;  // this warp's 64 x 32 sub-tile
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kTBM, n0 = static_cast<int64_t>(blockIdx.x) * kTBN;
  float acc[4][4][4] = {};  // [m16 tile][n8 tile][fragment]
  for (int64_t k0 = 0; k0 < k; k0 += kTBK) {
    for (int e = tid; e < kTBM * kTBK; e += kTThreads) {
      const int i = ta ? e % kTBM : e / kTBK, kk = ta ? e / kTBM : e % kTBK;
      as[i][kk] = load_a(a, ta, m, k, m0 + i, k0 + kk);
      const int j = tb ? e / kTBK : e % kTBN, kb = tb ? e % kTBK : e / kTBN;
      bs[j][kb] = load_b(b, tb, k, n, k0 + kb, n0 + j);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTBK; kk += 16) {
      uint32_t af[4][4], bf[4][2];
#pragma unroll
      for (int mt = 0; mt < 4; ++mt) {
        const int r = wm + mt * 16 + g;
        af[mt][0] = *reinterpret_cast<const uint32_t*>(&as[r][kk + 2 * t]);
        af[mt][1] = *reinterpret_cast<const uint32_t*>(&as[r + 8][kk + 2 * t]);
        af[mt][2] = *reinterpret_cast<const uint32_t*>(&as[r][kk + 2 * t + 8]);
        af[mt][3] = *reinterpret_cast<const uint32_t*>(&as[r + 8][kk + 2 * t + 8]);
      }
#pragma unroll
      for (int nt = 0; nt < 4; ++nt) {
        const int col = wn + nt * 8 + g;
        bf[nt][0] = *reinterpret_cast<const uint32_t*>(&bs[col][kk + 2 * t]);
        bf[nt][1] = *reinterpret_cast<const uint32_t*>(&bs[col][kk + 2 * t + 8]);
      }
#pragma unroll
      for (int mt = 0; mt < 4; ++mt)
#pragma unroll
        for (int nt = 0; nt < 4; ++nt) mma_bf16(acc[mt][nt], af[mt], bf[nt]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int mt = 0; mt < 4; ++mt) {
#pragma unroll
    for (int nt = 0; nt < 4; ++nt) {
      const int64_t i = m0 + wm + mt * 16 + g, j = n0 + wn + nt * 8 + 2 * t;
      store_c(c, n, m, n, i, j, acc[mt][nt][0], alpha, beta);
      store_c(c, n, m, n, i, j + 1, acc[mt][nt][1], alpha, beta);
      store_c(c, n, m, n, i + 8, j, acc[mt][nt][2], alpha, beta);
      store_c(c, n, m, n, i + 8, j + 1, acc[mt][nt][3], alpha, beta);
    }
  }
}

Status own_gemm(const GemmArgs& g, cudaStream_t stream) {
  const float alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
  if (g.a.dtype == DType::kBF16) {
    int major = 0;
    TX_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, g.a.device_index));
    if (major < 8) return {Code::kDevice, "the bf16 GEMM kernel needs compute capability 8.0+ (mma.sync bf16)"};
    const dim3 grid(ceil_div(g.n, kTBN), ceil_div(g.m, kTBM));
    gemm_bf16_mma<<<grid, kTThreads, 0, stream>>>(g.a.as<const __nv_bfloat16>(), g.b.as<const __nv_bfloat16>(),
                                                  g.c.as<float>(), g.m, g.n, g.k, g.trans_a, g.trans_b, alpha, beta);
  } else {
    const dim3 grid(ceil_div(g.n, kSBN), ceil_div(g.m, kSBM));
    gemm_f32_simt<<<grid, kSThreads, 0, stream>>>(g.a.as<const float>(), g.b.as<const float>(), g.c.as<float>(), g.m,
                                                  g.n, g.k, g.trans_a, g.trans_b, alpha, beta);
  }
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS gets B as its
// first operand, A as its second, and (N, M) for (m, n); leading dimensions are the stored
// row lengths (at least 1, as cuBLAS requires even when K = 0).
Status cublas_gemm(const GemmArgs& g, cudaStream_t stream) {
  const int m = static_cast<int>(g.m), n = static_cast<int>(g.n), k = static_cast<int>(g.k);
  const int ld_b = std::max(1, g.trans_b ? k : n), ld_a = std::max(1, g.trans_a ? m : k), ld_c = std::max(1, n);
  const float alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
  if (g.a.dtype == DType::kBF16) {
    return cublas::gemm_bf16(g.trans_b, g.trans_a, n, m, k, alpha, g.b.data, ld_b, g.a.data, ld_a, beta,
                             g.c.as<float>(), ld_c, g.a.device_index, stream);
  }
  return cublas::sgemm(g.trans_b, g.trans_a, n, m, k, alpha, g.b.as<const float>(), ld_b, g.a.as<const float>(), ld_a,
                       beta, g.c.as<float>(), ld_c, g.a.device_index, stream);
}

}  // namespace

Status gemm(const GemmArgs& g, cudaStream_t stream) {
  TX_CUDA_CHECK(cudaSetDevice(g.a.device_index));
  if (g.m == 0 || g.n == 0) return Status::ok();
  const bool have = cublas::available();
  if (g.backend == GemmBackend::kCublas && !have) {
    return {Code::kDevice, "backend cublas requested but no cuBLAS loaded (libcublas.so.13, .12, libcublas.so)"};
  }
  if (g.backend != GemmBackend::kOwn && have) return cublas_gemm(g, stream);
  return own_gemm(g, stream);
}

const char* gemm_cublas_library() { return cublas::library(); }

}  // namespace tx::cuda

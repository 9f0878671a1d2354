// Shared CUDA helpers: error -> Status conversion, launch geometry, reductions.
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "tx/status.h"

namespace tx::cuda {

inline Status from_cuda(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return Status::ok();
  const Code code = err == cudaErrorMemoryAllocation ? Code::kOom : Code::kDevice;
  return {code, std::string(what) + ": " + cudaGetErrorString(err)};
}

// Checks a CUDA call (or the last launch) and returns its Status on failure.
#define TX_CUDA_CHECK(expr) TX_RETURN_IF_ERROR(::tx::cuda::from_cuda((expr), #expr))

constexpr int kWarp = 32;

__device__ __forceinline__ double warp_sum(double v) {
  for (int o = kWarp / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_min(float v) {
  for (int o = kWarp / 2; o > 0; o >>= 1) v = fminf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = kWarp / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ __forceinline__ int warp_min_int(int v) {
  for (int o = kWarp / 2; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Block-wide reduction of a warp-reduced value: every thread gets the result.
// `scratch` holds one slot per warp (<= 32); the order of combination is fixed (warp 0..n),
// so the result is deterministic.
template <typename T, typename Op>
__device__ __forceinline__ T block_combine(T warp_value, T* scratch, Op op) {
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp, warps = blockDim.x / kWarp;
  __syncthreads();  // scratch may still be read by a previous combine
  if (lane == 0) scratch[warp] = warp_value;
  __syncthreads();
  T v = scratch[0];
  for (int w = 1; w < warps; ++w) v = op(v, scratch[w]);
  return v;
}

inline int ceil_div(long long a, long long b) { return static_cast<int>((a + b - 1) / b); }

}  // namespace tx::cuda

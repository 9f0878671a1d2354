// AdamW on CUDA: a block per fixed norm chunk writes one squared-norm partial; the host sums
// them in chunk order (same chunks as the CPU twin), derives the coefficients, and one
// grid-stride launch applies the fused update (common/adamw_math.h).
#include <algorithm>
#include <vector>

#include "common/adamw_host.h"
#include "cuda/common.cuh"
#include "cuda/adamw.h"

namespace tx::cuda {

namespace {

constexpr int kBlock = 256;

__global__ void sq_norm_kernel(const float* g, long long n, double* partial) {
  __shared__ double scratch[32];
  const long long lo = static_cast<long long>(blockIdx.x) * kAdamWNormChunk;
  const long long hi = lo + kAdamWNormChunk < n ? lo + kAdamWNormChunk : n;
  double s = 0;
  for (long long i = lo + threadIdx.x; i < hi; i += blockDim.x) s += static_cast<double>(g[i]) * g[i];
  s = block_combine(warp_sum(s), scratch, [](double a, double b) { return a + b; });
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

__global__ void update_kernel(float* p, const float* g, float* m, float* v, long long n, AdamWCoefs c) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    adamw_update(p + i, g[i], m + i, v + i, c);
  }
}

}  // namespace

Status adamw_step(const AdamWArgs& a, AdamWResult* result, bool* finite, cudaStream_t stream) {
  *finite = true;
  TX_CUDA_CHECK(cudaSetDevice(a.params.device_index));
  const long long n = a.params.numel();
  const long long chunks = (n + kAdamWNormChunk - 1) / kAdamWNormChunk;
  std::vector<double> partial(chunks);
  if (chunks > 0) {
    double* d_partial = nullptr;
    TX_CUDA_CHECK(cudaMalloc(&d_partial, sizeof(double) * chunks));
    sq_norm_kernel<<<static_cast<unsigned>(chunks), kBlock, 0, stream>>>(a.grads.as<const float>(), n, d_partial);
    cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess) e = cudaMemcpyAsync(partial.data(), d_partial, sizeof(double) * chunks, cudaMemcpyDeviceToHost, stream);
    if (e == cudaSuccess) e = cudaStreamSynchronize(stream);
    cudaFree(d_partial);
    TX_CUDA_CHECK(e);
  }
  double ss = 0;
  for (double x : partial) ss += x;
  result->grad_norm = sqrt(ss);
  if (!isfinite(result->grad_norm)) {
    *finite = false;
    return Status::ok();
  }
  const AdamWCoefs c = adamw_coefs(a, result->grad_norm, &result->clip_scale);
  if (n > 0) {
    const int blocks = static_cast<int>(std::min<long long>(ceil_div(n, kBlock), 65535LL * 8));
    update_kernel<<<blocks, kBlock, 0, stream>>>(a.params.as<float>(), a.grads.as<const float>(), a.exp_avg.as<float>(),
                                                 a.exp_avg_sq.as<float>(), n, c);
    TX_CUDA_CHECK(cudaGetLastError());
    TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  return Status::ok();
}

}  // namespace tx::cuda

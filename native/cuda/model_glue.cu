// Glue kernels the native model needs on CUDA besides the public ops: Linear-layer bias
// add and bias gradient, f32 -> bf16 rounding (bf16 weights), zero fill, stream-ordered device copies and the per-thread
// device selection. All run on the legacy default stream, like the ops the model calls,
// so they are ordered with them without explicit synchronisation.
#include <cuda_bf16.h>

#include "cuda/common.cuh"
#include "cuda/model_glue.h"

namespace tx::cuda {

namespace {

constexpr int kThreads = 256;

// y[r, j] += bias[j]: one rounding per element, as the CPU loop (y + bias), so rows stay
// batch invariant and CPU and CUDA agree up to the GEMM's own rounding.
__global__ void bias_add_kernel(float* y, const float* bias, long long rows, int out) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < rows * out) y[i] += bias[i % out];
}

// dbias[j] += sum over rows r of dy[r, j], rows in ascending order (one thread per column:
// deterministic, the same order as the CPU loop).
__global__ void bias_grad_kernel(const float* dy, float* dbias, long long rows, int out) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= out) return;
  float s = dbias[j];
  for (long long r = 0; r < rows; ++r) s += dy[r * out + j];
  dbias[j] = s;
}

// Round to nearest even, as torch's .to(torch.bfloat16).
__global__ void to_bf16_kernel(const float* src, __nv_bfloat16* dst, long long n) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) dst[i] = __float2bfloat16_rn(src[i]);
}

}  // namespace

Status use_device(int device) {
  TX_CUDA_CHECK(cudaSetDevice(device));
  return Status::ok();
}

Status bias_add(float* y, const float* bias, int64_t rows, int64_t out, cudaStream_t stream) {
  if (rows * out == 0) return Status::ok();
  bias_add_kernel<<<ceil_div(rows * out, kThreads), kThreads, 0, stream>>>(y, bias, rows, static_cast<int>(out));
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

Status bias_grad(const float* dy, float* dbias, int64_t rows, int64_t out, cudaStream_t stream) {
  if (out == 0) return Status::ok();
  bias_grad_kernel<<<ceil_div(out, kThreads), kThreads, 0, stream>>>(dy, dbias, rows, static_cast<int>(out));
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

Status to_bf16(const float* src, uint16_t* dst, int64_t n, cudaStream_t stream) {
  if (n == 0) return Status::ok();
  to_bf16_kernel<<<ceil_div(n, kThreads), kThreads, 0, stream>>>(src, reinterpret_cast<__nv_bfloat16*>(dst), n);
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

Status zero(void* ptr, size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return Status::ok();
  TX_CUDA_CHECK(cudaMemsetAsync(ptr, 0, bytes, stream));
  return Status::ok();
}

Status copy_on_device(void* dst, const void* src, size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return Status::ok();
  TX_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream));
  return Status::ok();
}

}  // namespace tx::cuda

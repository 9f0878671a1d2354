// CUDA runtime probe and memory primitives. "No driver" / "no device" / "device older
// than the compiled architectures" all mean: not usable, with the reason, never a crash.
#include <cuda_runtime.h>

#include <mutex>
#include <string>

#include "cuda/common.cuh"
#include "tx/device.h"

#ifndef TX_CUDA_ARCHS
#define TX_CUDA_ARCHS "unknown"
#endif

namespace tx {

namespace {

// Lowest compute capability (major*10+minor) in the compiled list, e.g. "80;90a" -> 80.
int lowest_compiled_sm() {
  const std::string archs = TX_CUDA_ARCHS;
  int best = 1000, cur = 0;
  bool in_number = false;
  for (char c : archs + ";") {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + (c - '0');
      in_number = true;
    } else if (in_number) {
      if (cur < best) best = cur;
      cur = 0;
      in_number = false;
    }
  }
  return best == 1000 ? 0 : best;
}

CudaReport probe() {
  CudaReport r;
  r.compiled = true;
  r.architectures = TX_CUDA_ARCHS;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    r.reason = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error so later calls are not poisoned
    return r;
  }
  if (count == 0) {
    r.reason = "no CUDA device found";
    return r;
  }
  const int need = lowest_compiled_sm();
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    CudaDeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.memory_bytes = prop.totalGlobalMem;
    d.sm = std::to_string(prop.major) + "." + std::to_string(prop.minor);
    r.devices.push_back(d);
    if (prop.major * 10 + prop.minor >= need) r.usable = true;
  }
  if (!r.usable) r.reason = "no device with compute capability >= the compiled architectures (" + r.architectures + ")";
  return r;
}

}  // namespace

const CudaReport& cuda_report() {
  static std::once_flag once;
  static CudaReport report;
  std::call_once(once, [] { report = probe(); });
  return report;
}

Status cuda_malloc(void** ptr, size_t bytes, int device) {
  *ptr = nullptr;
  TX_RETURN_IF_ERROR(cuda::from_cuda(cudaSetDevice(device), "cudaSetDevice"));
  return cuda::from_cuda(cudaMalloc(ptr, bytes == 0 ? 1 : bytes), "cudaMalloc");
}

void cuda_free(void* ptr, int device) {
  if (ptr == nullptr) return;
  cudaSetDevice(device);
  cudaFree(ptr);
}

Status cuda_copy_to_device(void* dst, const void* src, size_t bytes, int device) {
  TX_RETURN_IF_ERROR(cuda::from_cuda(cudaSetDevice(device), "cudaSetDevice"));
  return cuda::from_cuda(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy (to device)");
}

Status cuda_copy_to_host(void* dst, const void* src, size_t bytes, int device) {
  TX_RETURN_IF_ERROR(cuda::from_cuda(cudaSetDevice(device), "cudaSetDevice"));
  return cuda::from_cuda(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy (to host)");
}

Status cuda_copy_on_device(void* dst, const void* src, size_t bytes, int device) {
  TX_RETURN_IF_ERROR(cuda::from_cuda(cudaSetDevice(device), "cudaSetDevice"));
  TX_RETURN_IF_ERROR(cuda::from_cuda(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy (on device)"));
  return cuda::from_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

}  // namespace tx

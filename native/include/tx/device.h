// Device runtime: what CUDA support was compiled, whether it can be used here, and the
// memory primitives DeviceTensor needs. Compiled to "not compiled" stubs without CUDA.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "tx/status.h"

namespace tx {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  size_t memory_bytes = 0;
  std::string sm;  // "9.0"
};

struct CudaReport {
  bool compiled = false;
  bool usable = false;
  std::string reason;  // why not usable (empty when usable)
  std::string architectures;  // compiled arch list, e.g. "80;90a"
  std::vector<CudaDeviceInfo> devices;
};

// Probed once per process (thread-safe), cached.
const CudaReport& cuda_report();

Status cuda_malloc(void** ptr, size_t bytes, int device);
void cuda_free(void* ptr, int device);
Status cuda_copy_to_device(void* dst, const void* src, size_t bytes, int device);
Status cuda_copy_to_host(void* dst, const void* src, size_t bytes, int device);
Status cuda_copy_on_device(void* dst, const void* src, size_t bytes, int device);  // synchronous

}  // namespace tx

// Per-call device scratch: every allocation is freed on every return path of a launcher.
#pragma once
#include <cuda_runtime.h>

#include <vector>

#include "cuda/common.cuh"
#include "tx/tensor.h"

namespace tx::cuda {

class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    for (void* p : ptrs_) cudaFree(p);
  }

  // `bytes` of device memory (at least 1, so a zero-size tensor still has an address).
  Status alloc(void** out, size_t bytes) {
    *out = nullptr;
    cudaError_t e = cudaMalloc(out, bytes == 0 ? 1 : bytes);
    if (e != cudaSuccess) return from_cuda(e, "cudaMalloc");
    ptrs_.push_back(*out);
    return Status::ok();
  }

  // `count` elements of T.
  template <typename T>
  Status alloc_array(T** out, size_t count) {
    void* p = nullptr;
    TX_RETURN_IF_ERROR(alloc(&p, count * sizeof(T)));
    *out = static_cast<T*>(p);
    return Status::ok();
  }

  // A device copy of a host i32 vector (offsets, targets, lengths), enqueued on `stream`.
  Status upload_i32(const TensorView& host, const int32_t** out, cudaStream_t stream) {
    void* d = nullptr;
    TX_RETURN_IF_ERROR(alloc(&d, host.nbytes()));
    TX_RETURN_IF_ERROR(from_cuda(cudaMemcpyAsync(d, host.data, host.nbytes(), cudaMemcpyHostToDevice, stream),
                                 "cudaMemcpyAsync (to device)"));
    *out = static_cast<const int32_t*>(d);
    return Status::ok();
  }

 private:
  std::vector<void*> ptrs_;
};

}  // namespace tx::cuda

// Where the model's memory lives: a Place (CPU, or one CUDA device) and a Storage, one
// block of 4-byte words that is a host vector on the CPU and a cudaMalloc'd block on CUDA.
// model.cpp and generate.cpp are written once against these; only storage.cpp and the
// bias kernels in linear.cpp know which device holds the memory.
#pragma once
#include <cstdint>
#include <vector>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx::model {

struct Place {
  Device device = Device::kCpu;
  int index = 0;
  bool host() const { return device == Device::kCpu; }
  // Makes `index` the calling thread's CUDA device (async workers start on device 0).
  Status activate() const;
};

// Views of raw pointers on a place (index vectors of the ops are always host memory:
// they use ivec, which is host only).
inline TensorView fvec(const Place& pl, const float* p, int64_t n) {
  return TensorView::contiguous(const_cast<float*>(p), {n}, DType::kF32, pl.device, pl.index);
}
inline TensorView fmat(const Place& pl, const float* p, int64_t r, int64_t c) {
  return TensorView::contiguous(const_cast<float*>(p), {r, c}, DType::kF32, pl.device, pl.index);
}
inline TensorView f3(const Place& pl, const float* p, int64_t a, int64_t b, int64_t c) {
  return TensorView::contiguous(const_cast<float*>(p), {a, b, c}, DType::kF32, pl.device, pl.index);
}
inline TensorView f4(const Place& pl, const float* p, int64_t a, int64_t b, int64_t c, int64_t d) {
  return TensorView::contiguous(const_cast<float*>(p), {a, b, c, d}, DType::kF32, pl.device, pl.index);
}
inline TensorView ivec(const int32_t* p, int64_t n) {
  return TensorView::contiguous(const_cast<int32_t*>(p), {n}, DType::kI32);
}

// A block of `size()` 4-byte words (f32, or i32 through ints()), zeroed when made. Move-only.
class Storage {
 public:
  Storage() = default;
  Storage(Storage&& o) noexcept { swap(o); }
  Storage& operator=(Storage&& o) noexcept {
    Storage t(std::move(o));
    swap(t);
    return *this;
  }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  // Replaces the contents with `words` zeroed words on `pl` (E_OOM / E_DEVICE on failure).
  Status reset(const Place& pl, int64_t words);
  // Grows to at least `words` (contents kept on the CPU, lost on CUDA: callers rewrite).
  Status grow(const Place& pl, int64_t words);

  float* data() { return ptr_; }
  const float* data() const { return ptr_; }
  int32_t* ints() { return reinterpret_cast<int32_t*>(ptr_); }  // i32 words (device memory only)
  int64_t size() const { return words_; }
  size_t bytes() const { return static_cast<size_t>(words_) * 4; }

  Status zero();
  Status copy_from_host(const float* src, int64_t words, int64_t offset = 0);
  Status copy_to_host(float* dst, int64_t words, int64_t offset = 0) const;

 private:
  void swap(Storage& o) noexcept;
  void release();
  Place place_;
  std::vector<float> host_;
  float* ptr_ = nullptr;
  int64_t words_ = 0;
};

// dst = src, `n` floats on one place (stream-ordered on CUDA).
Status copy_floats(const Place& pl, float* dst, const float* src, int64_t n);
// Host pointer to `n` floats at `p` on `pl`: `p` itself on the CPU, else a copy into *tmp.
Status host_floats(const Place& pl, const float* p, int64_t n, std::vector<float>* tmp, const float** out);
// dst[i] = bf16(src[i]) (round to nearest even), n values; CUDA only (E_DEVICE on the CPU).
Status round_to_bf16(const Place& pl, const float* src, uint16_t* dst, int64_t n);
// Copies host words to `p` on `pl` (a plain copy on the CPU).
Status upload(const Place& pl, void* dst, const void* src, size_t bytes);
Status download(const Place& pl, void* dst, const void* src, size_t bytes);

}  // namespace tx::model

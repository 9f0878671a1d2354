#include "tx/model/storage.h"

#include <cstring>
#include <new>
#include <string>

#include "tx/device.h"
#ifdef TX_HAVE_CUDA
#include "cuda/model_glue.h"
#endif

namespace tx::model {

Status Place::activate() const {
  if (host()) return Status::ok();
#ifdef TX_HAVE_CUDA
  return cuda::use_device(index);
#else
  return {Code::kDevice, "the model is on CUDA but this build has no CUDA support"};
#endif
}

Storage::~Storage() { release(); }

void Storage::release() {
  if (!place_.host() && ptr_ != nullptr) cuda_free(ptr_, place_.index);
  host_.clear();
  host_.shrink_to_fit();
  ptr_ = nullptr;
  words_ = 0;
}

void Storage::swap(Storage& o) noexcept {
  std::swap(place_, o.place_);
  host_.swap(o.host_);
  std::swap(ptr_, o.ptr_);
  std::swap(words_, o.words_);
}

Status Storage::reset(const Place& pl, int64_t words) {
  release();
  place_ = pl;
  if (pl.host()) {
    try {
      host_.assign(static_cast<size_t>(words), 0.0f);
    } catch (const std::bad_alloc&) {
      return {Code::kOom, "model: out of host memory allocating " + std::to_string(words * 4) + " bytes"};
    }
    ptr_ = host_.data();
    words_ = words;
    return Status::ok();
  }
  void* p = nullptr;
  Status s = cuda_malloc(&p, static_cast<size_t>(words) * 4, pl.index);
  if (!s.is_ok()) return {s.code(), "model: allocating " + std::to_string(words * 4) + " bytes on cuda:" + std::to_string(pl.index) +
                                        ": " + s.message()};
  ptr_ = static_cast<float*>(p);
  words_ = words;
  return zero();
}

Status Storage::grow(const Place& pl, int64_t words) {
  if (words <= words_) return Status::ok();
  if (pl.host() && place_.host()) {
    try {
      host_.resize(static_cast<size_t>(words));  // keeps what is there (no re-zeroing)
    } catch (const std::bad_alloc&) {
      return {Code::kOom, "model: out of host memory growing a buffer to " + std::to_string(words * 4) + " bytes"};
    }
    ptr_ = host_.data();
    words_ = words;
    return Status::ok();
  }
  return reset(pl, words);
}

Status Storage::zero() {
  if (words_ == 0) return Status::ok();
  if (place_.host()) {
    std::memset(ptr_, 0, bytes());
    return Status::ok();
  }
#ifdef TX_HAVE_CUDA
  return cuda::zero(ptr_, bytes(), nullptr);
#else
  return {Code::kDevice, "CUDA is not compiled into this build"};
#endif
}

Status Storage::copy_from_host(const float* src, int64_t words, int64_t offset) {
  if (offset < 0 || words < 0 || offset + words > words_) return {Code::kRange, "model: copy outside a buffer"};
  return upload(place_, ptr_ + offset, src, static_cast<size_t>(words) * 4);
}

Status Storage::copy_to_host(float* dst, int64_t words, int64_t offset) const {
  if (offset < 0 || words < 0 || offset + words > words_) return {Code::kRange, "model: copy outside a buffer"};
  return download(place_, dst, ptr_ + offset, static_cast<size_t>(words) * 4);
}

Status copy_floats(const Place& pl, float* dst, const float* src, int64_t n) {
  if (n <= 0) return Status::ok();
  if (pl.host()) {
    std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(n));
    return Status::ok();
  }
#ifdef TX_HAVE_CUDA
  return cuda::copy_on_device(dst, src, sizeof(float) * static_cast<size_t>(n), nullptr);
#else
  return {Code::kDevice, "CUDA is not compiled into this build"};
#endif
}

Status round_to_bf16(const Place& pl, const float* src, uint16_t* dst, int64_t n) {
  if (pl.host()) return {Code::kDevice, "bf16 weights are a CUDA feature (the CPU model is f32)"};
#ifdef TX_HAVE_CUDA
  return cuda::to_bf16(src, dst, n, nullptr);
#else
  (void)src, (void)dst, (void)n;
  return {Code::kDevice, "CUDA is not compiled into this build"};
#endif
}

Status host_floats(const Place& pl, const float* p, int64_t n, std::vector<float>* tmp, const float** out) {
  if (pl.host()) {
    *out = p;
    return Status::ok();
  }
  tmp->resize(static_cast<size_t>(n));
  TX_RETURN_IF_ERROR(download(pl, tmp->data(), p, sizeof(float) * static_cast<size_t>(n)));
  *out = tmp->data();
  return Status::ok();
}

Status upload(const Place& pl, void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return Status::ok();
  if (pl.host()) {
    std::memcpy(dst, src, bytes);
    return Status::ok();
  }
  return cuda_copy_to_device(dst, src, bytes, pl.index);
}

Status download(const Place& pl, void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return Status::ok();
  if (pl.host()) {
    std::memcpy(dst, src, bytes);
    return Status::ok();
  }
  return cuda_copy_to_host(dst, src, bytes, pl.index);
}

}  // namespace tx::model

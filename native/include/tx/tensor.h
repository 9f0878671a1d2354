// TensorView: a non-owning view of memory the caller owns (a JS TypedArray's buffer, or
// device memory held by a DeviceTensor). Ops read and write through views, zero-copy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace tx {

enum class DType : int { kF32 = 0, kI32, kBF16, kU8 };
enum class Device : int { kCpu = 0, kCuda };

const char* dtype_name(DType d);
size_t dtype_size(DType d);

constexpr int kMaxDims = 4;

struct TensorView {
  void* data = nullptr;
  int ndim = 0;
  int64_t shape[kMaxDims] = {0, 0, 0, 0};
  int64_t strides[kMaxDims] = {0, 0, 0, 0};  // in elements; contiguous row-major by default
  DType dtype = DType::kF32;
  Device device = Device::kCpu;
  int device_index = 0;

  // A view with row-major contiguous strides.
  static TensorView contiguous(void* data, std::initializer_list<int64_t> shape, DType dtype,
                               Device device = Device::kCpu, int device_index = 0);

  bool defined() const { return ndim > 0 || data != nullptr; }
  int64_t numel() const;
  bool is_contiguous() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }
  std::string shape_string() const;  // "[3, 4]"

  template <typename T>
  T* as() const { return static_cast<T*>(data); }
};

}  // namespace tx

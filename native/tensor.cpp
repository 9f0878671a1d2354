// TensorView helpers and the names of codes and dtypes used in error messages.
#include "tx/tensor.h"

#include "tx/status.h"

namespace tx {

const char* code_name(Code c) {
  switch (c) {
    case Code::kOk: return "OK";
    case Code::kShape: return "E_SHAPE";
    case Code::kDtype: return "E_DTYPE";
    case Code::kRange: return "E_RANGE";
    case Code::kDevice: return "E_DEVICE";
    case Code::kOom: return "E_OOM";
    case Code::kState: return "E_STATE";
    case Code::kFormat: return "E_FORMAT";
  }
  return "E_STATE";
}

const char* dtype_name(DType d) {
  switch (d) {
    case DType::kF32: return "f32";
    case DType::kI32: return "i32";
    case DType::kBF16: return "bf16";
    case DType::kU8: return "u8";
  }
  return "?";
}

size_t dtype_size(DType d) {
  switch (d) {
    case DType::kF32: return 4;
    case DType::kI32: return 4;
    case DType::kBF16: return 2;
    case DType::kU8: return 1;
  }
  return 1;
}

TensorView TensorView::contiguous(void* data, std::initializer_list<int64_t> shape, DType dtype,
                                  Device device, int device_index) {
  TensorView v;
  v.data = data;
  v.dtype = dtype;
  v.device = device;
  v.device_index = device_index;
  for (int64_t s : shape) {
    if (v.ndim == kMaxDims) break;
    v.shape[v.ndim++] = s;
  }
  int64_t stride = 1;
  for (int i = v.ndim - 1; i >= 0; --i) {
    v.strides[i] = stride;
    stride *= v.shape[i];
  }
  return v;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int i = 0; i < ndim; ++i) n *= shape[i];
  return n;
}

bool TensorView::is_contiguous() const {
  int64_t stride = 1;
  for (int i = ndim - 1; i >= 0; --i) {
    if (shape[i] != 1 && strides[i] != stride) return false;
    stride *= shape[i];
  }
  return true;
}

std::string TensorView::shape_string() const {
  std::string s = "[";
  for (int i = 0; i < ndim; ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace tx

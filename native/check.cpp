#include "check.h"

#include <cmath>

namespace tx::check {

namespace {
std::string device_string(const TensorView& t) {
  return t.device == Device::kCpu ? std::string("cpu") : "cuda:" + std::to_string(t.device_index);
}
}  // namespace

Status vector(const TensorView& t, const char* name, DType dtype, int64_t length) {
  if (t.data == nullptr && t.numel() != 0) {
    return {Code::kShape, std::string(name) + " is missing"};
  }
  if (t.dtype != dtype) {
    return {Code::kDtype, std::string(name) + " must be " + dtype_name(dtype) + ", got " +
                              dtype_name(t.dtype)};
  }
  if (t.ndim != 1) {
    return {Code::kShape, std::string(name) + " must be 1-D, got shape " + t.shape_string()};
  }
  if (!t.is_contiguous()) {
    return {Code::kShape, std::string(name) + " must be contiguous"};
  }
  if (length >= 0 && t.shape[0] != length) {
    return {Code::kShape, std::string(name) + " must have length " + std::to_string(length) +
                              ", got " + std::to_string(t.shape[0])};
  }
  return Status::ok();
}

Status on_host(const TensorView& t, const char* name) {
  if (t.device != Device::kCpu) {
    return {Code::kDevice, std::string(name) + " must be in host memory, got " + device_string(t)};
  }
  return Status::ok();
}

Status offsets(const TensorView& o, const char* name, int64_t total, const char* total_name) {
  TX_RETURN_IF_ERROR(on_host(o, name));
  if (o.dtype != DType::kI32) {
    return {Code::kDtype, std::string(name) + " must be i32 (Int32Array), got " + dtype_name(o.dtype)};
  }
  if (o.ndim != 1 || o.shape[0] < 1) {
    return {Code::kShape, std::string(name) + " must be a 1-D array of at least one offset, got shape " +
                              o.shape_string()};
  }
  const int32_t* p = o.as<const int32_t>();
  const int64_t n = o.shape[0];
  if (p[0] != 0) {
    return {Code::kRange, std::string(name) + "[0] must be 0, got " + std::to_string(p[0])};
  }
  for (int64_t i = 1; i < n; ++i) {
    if (p[i] < p[i - 1]) {
      return {Code::kRange, std::string(name) + " must be non-decreasing: " + name + "[" +
                                std::to_string(i) + "] = " + std::to_string(p[i]) + " < " + name + "[" +
                                std::to_string(i - 1) + "] = " + std::to_string(p[i - 1])};
    }
  }
  if (p[n - 1] != total) {
    return {Code::kRange, std::string(name) + "[" + std::to_string(n - 1) + "] = " + std::to_string(p[n - 1]) +
                              " must equal " + total_name + " = " + std::to_string(total)};
  }
  return Status::ok();
}

Status same_device(const TensorView& t, const char* name, const TensorView& ref, const char* ref_name) {
  if (t.device != ref.device || (t.device == Device::kCuda && t.device_index != ref.device_index)) {
    return {Code::kDevice, std::string(name) + " is on " + device_string(t) + " but " + ref_name + " is on " +
                               device_string(ref)};
  }
  return Status::ok();
}

Status finite_non_negative(double value, const char* name) {
  if (!std::isfinite(value) || value < 0) {
    return {Code::kRange, std::string(name) + " must be a finite number >= 0, got " + std::to_string(value)};
  }
  return Status::ok();
}

Status f32_like(const TensorView& t, const char* name, int64_t length, const TensorView& ref, const char* ref_name) {
  TX_RETURN_IF_ERROR(vector(t, name, DType::kF32, length));
  return same_device(t, name, ref, ref_name);
}

Status dim(int64_t v, const char* name, int64_t min, int64_t max, const char* max_text) {
  if (v < min || v > max) {
    return {Code::kRange, std::string(name) + " must be an integer in [" + std::to_string(min) + ", " + max_text + "], got " +
                              std::to_string(v)};
  }
  return Status::ok();
}

Status product(int64_t a, int64_t b, const char* what) {
  if (a != 0 && b > INT64_MAX / 4 / a) return {Code::kRange, std::string(what) + " is too large"};
  return Status::ok();
}

Status indices(const TensorView& t, const char* name, int64_t length, int64_t lo, int64_t hi, const char* hi_name) {
  TX_RETURN_IF_ERROR(vector(t, name, DType::kI32, length));
  TX_RETURN_IF_ERROR(on_host(t, name));
  const int32_t* p = t.as<const int32_t>();
  for (int64_t i = 0; i < length; ++i) {
    if (p[i] < lo || p[i] >= hi) {
      return {Code::kRange, std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(p[i]) + " is outside [" +
                                std::to_string(lo) + ", " + hi_name + ")"};
    }
  }
  return Status::ok();
}

}  // namespace tx::check

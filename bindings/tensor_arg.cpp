#include "tensor_arg.h"

#include "device_buffer.h"
#include "errors.h"

namespace txn {

const char* typed_array_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "a typed array of another kind";
  }
}

namespace {

napi_typedarray_type array_type_for(tx::DType d) {
  switch (d) {
    case tx::DType::kF32: return napi_float32_array;
    case tx::DType::kI32: return napi_int32_array;
    case tx::DType::kBF16: return napi_uint16_array;  // bf16 travels as its 16 raw bits
    case tx::DType::kU8: return napi_uint8_array;
  }
  return napi_float32_array;
}

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) return "a number";
  if (v.IsString()) return "a string";
  if (v.IsBoolean()) return "a boolean";
  if (v.IsArray()) return "an Array";
  if (v.IsTypedArray()) return typed_array_name(v.As<Napi::TypedArray>().TypedArrayType());
  if (v.IsFunction()) return "a function";
  return "an object";
}

}  // namespace

bool is_device_buffer(Napi::Env env, const Napi::Value& v, const char* name) {
  if (!v.IsObject()) return false;
  AddonState& s = state(env);
  if (s.device_buffer_class.IsEmpty() || !v.As<Napi::Object>().InstanceOf(s.device_buffer_class.Value())) return false;
  // instanceof only follows the prototype chain: Object.create(DeviceBuffer.prototype)
  // passes it without wrapping a native buffer. Only a real wrap counts.
  void* wrapped = nullptr;
  if (napi_unwrap(env, v, &wrapped) != napi_ok || wrapped == nullptr) {
    // napi_unwrap leaves no pending exception on failure; nothing to clear.
    throw_error(env, tx::Code::kDtype, std::string(name != nullptr ? name : "an argument") +
                                           " claims to be a DeviceTensor but wraps no device buffer");
  }
  return true;
}

HostBytes typed_array_bytes(Napi::Env env, const Napi::TypedArray& ta) {
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value ab;
  if (napi_get_typedarray_info(env, ta, &type, &length, &data, &ab, &offset) != napi_ok) {
    throw_error(env, tx::Code::kDtype, "cannot read a typed array");
  }
  size_t elem = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: elem = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
    default: elem = 1;
  }
  return {data, length * elem};
}

int64_t checked_numel(Napi::Env env, const std::vector<int64_t>& shape, const char* name) {
  constexpr int64_t kMax = int64_t{1} << 53;
  int64_t n = 1;
  for (int64_t s : shape) {
    if (s < 0) throw_error(env, tx::Code::kShape, std::string(name) + " has a negative dimension");
    if (s != 0 && n > kMax / s) {
      // Keep scanning: a later 0 makes the product 0, which is fine.
      bool zero = false;
      for (int64_t z : shape) zero = zero || z == 0;
      if (zero) return 0;
      throw_error(env, tx::Code::kShape, std::string(name) + " has more than 2^53 elements");
    }
    n *= s;
  }
  return n;
}

tx::TensorView vector_arg(Napi::Env env, const Napi::Value& v, const char* name, tx::DType dtype) {
  const napi_typedarray_type want = array_type_for(dtype);
  if (v.IsTypedArray()) {
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    if (ta.TypedArrayType() != want) {
      throw_error(env, tx::Code::kDtype, std::string(name) + " must be a " + typed_array_name(want) + " (" +
                                             tx::dtype_name(dtype) + "), got " + typed_array_name(ta.TypedArrayType()));
    }
    // A detached buffer has length 0 and no data: an empty tensor, which the op's own
    // length checks then accept or reject.
    const HostBytes hb = typed_array_bytes(env, ta);
    const int64_t n = static_cast<int64_t>(hb.bytes / tx::dtype_size(dtype));
    return tx::TensorView::contiguous(hb.data, {n}, dtype);
  }
  if (is_device_buffer(env, v, name)) {
    DeviceBuffer* b = DeviceBuffer::Unwrap(v.As<Napi::Object>());
    return b->view(env, name, dtype);
  }
  throw_error(env, tx::Code::kDtype, std::string(name) + " must be a " + typed_array_name(want) + " (" +
                                         tx::dtype_name(dtype) + ") or a DeviceTensor, got " + describe(v));
}

tx::TensorView optional_vector_arg(Napi::Env env, const Napi::Value& v, const char* name, tx::DType dtype) {
  if (v.IsUndefined() || v.IsNull()) return {};
  return vector_arg(env, v, name, dtype);
}

double number_arg(Napi::Env env, const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) throw_error(env, tx::Code::kRange, std::string(name) + " must be a number, got " + describe(v));
  return v.As<Napi::Number>().DoubleValue();
}

int32_t int_arg(Napi::Env env, const Napi::Value& v, const char* name) {
  const double d = number_arg(env, v, name);
  if (!(d >= INT32_MIN && d <= INT32_MAX) || d != static_cast<double>(static_cast<int32_t>(d))) {
    throw_error(env, tx::Code::kRange, std::string(name) + " must be a 32-bit integer, got " + std::to_string(d));
  }
  return static_cast<int32_t>(d);
}

tx::TensorView snapshot_i32(const tx::TensorView& v, std::shared_ptr<std::vector<int32_t>>& store) {
  if (!v.defined() || v.device != tx::Device::kCpu || v.data == nullptr) return v;
  store = std::make_shared<std::vector<int32_t>>(v.as<const int32_t>(), v.as<const int32_t>() + v.numel());
  tx::TensorView copy = v;
  copy.data = store->data();
  return copy;
}

}  // namespace txn

// JS values -> TensorView, zero-copy. A host tensor is a TypedArray read in place; a
// device tensor is a DeviceBuffer handle. Every failure names the argument.
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "tx/tensor.h"

namespace txn {

// True for a real DeviceBuffer; E_DTYPE (naming `name`, the argument) for an object that
// only claims to be one (Object.create(DeviceBuffer.prototype)).
bool is_device_buffer(Napi::Env env, const Napi::Value& v, const char* name = nullptr);

// The first byte and byte length of a TypedArray, read with napi_get_typedarray_info so
// that SharedArrayBuffer-backed arrays work too (Napi::ArrayBuffer::Data() rejects them
// with a plain "Invalid argument" Error). A detached buffer gives {nullptr, 0}.
struct HostBytes {
  void* data;
  size_t bytes;
};
HostBytes typed_array_bytes(Napi::Env env, const Napi::TypedArray& ta);

// The element count of `shape`, or E_SHAPE when it exceeds 2^53 (no int64 overflow can
// make a huge shape look like a small buffer's length).
int64_t checked_numel(Napi::Env env, const std::vector<int64_t>& shape, const char* name);

// A 1-D view of a TypedArray (host) or DeviceBuffer (device) holding `dtype` elements.
// `name` appears in error messages ("rewards must be a Float32Array, got Float64Array").
tx::TensorView vector_arg(Napi::Env env, const Napi::Value& v, const char* name, tx::DType dtype);

// Same, or an undefined view when v is undefined or null.
tx::TensorView optional_vector_arg(Napi::Env env, const Napi::Value& v, const char* name, tx::DType dtype);

double number_arg(Napi::Env env, const Napi::Value& v, const char* name);
int32_t int_arg(Napi::Env env, const Napi::Value& v, const char* name);

const char* typed_array_name(napi_typedarray_type t);

// Offsets and indices drive every address a kernel computes: ops copy them on the JS
// thread so that JS code running while a worker computes cannot change them after the
// checks. Returns a view of the copy (kept alive by `store`); device views pass through.
tx::TensorView snapshot_i32(const tx::TensorView& v, std::shared_ptr<std::vector<int32_t>>& store);

}  // namespace txn

// DeviceBuffer: CUDA memory owned by a JS object (the native half of lib/engine's
// DeviceTensor). Freed by dispose() or by the finalizer; never while an op uses it.
#pragma once
#include <napi.h>

#include "tx/tensor.h"

namespace txn {

class DeviceBuffer : public Napi::ObjectWrap<DeviceBuffer> {
 public:
  static Napi::Function define(Napi::Env env);
  // new DeviceBuffer(bytes, dtype, device) from C++.
  static Napi::Object create(Napi::Env env, size_t bytes, tx::DType dtype, int device);

  explicit DeviceBuffer(const Napi::CallbackInfo& info);
  ~DeviceBuffer() override;

  // A 1-D view for an op; throws E_STATE when disposed, E_DTYPE when the dtype differs.
  tx::TensorView view(Napi::Env env, const char* name, tx::DType dtype) const;
  // Ops in flight hold the buffer: dispose() during an op defers the free to its end.
  void retain() { ++pending_; }
  void release();

 private:
  Napi::Value copy_from_host(const Napi::CallbackInfo& info);
  Napi::Value copy_to_host_sync(const Napi::CallbackInfo& info);
  Napi::Value copy_to_host(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value bytes(const Napi::CallbackInfo& info);
  Napi::Value disposed(const Napi::CallbackInfo& info);
  void free_memory();
  void check_host_array(Napi::Env env, const Napi::Value& v, const char* name) const;

  void* ptr_ = nullptr;
  size_t bytes_ = 0;
  tx::DType dtype_ = tx::DType::kF32;
  int device_ = 0;
  int pending_ = 0;
  bool disposed_ = false;
  Napi::Env env_;
};

}  // namespace txn

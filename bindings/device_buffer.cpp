#include "device_buffer.h"

#include <string>

#include "errors.h"
#include "op_runner.h"
#include "tensor_arg.h"
#include "tx/device.h"

namespace txn {

Napi::Function DeviceBuffer::define(Napi::Env env) {
  return DefineClass(env, "DeviceBuffer",
                     {
                         InstanceMethod<&DeviceBuffer::copy_from_host>("copyFromHost"),
                         InstanceMethod<&DeviceBuffer::copy_to_host_sync>("copyToHostSync"),
                         InstanceMethod<&DeviceBuffer::copy_to_host>("copyToHost"),
                         InstanceMethod<&DeviceBuffer::dispose>("dispose"),
                         InstanceAccessor<&DeviceBuffer::bytes>("bytes"),
                         InstanceAccessor<&DeviceBuffer::disposed>("disposed"),
                     });
}

Napi::Object DeviceBuffer::create(Napi::Env env, size_t bytes, tx::DType dtype, int device) {
  return state(env).device_buffer_class.New({Napi::Number::New(env, static_cast<double>(bytes)),
                                             Napi::Number::New(env, static_cast<int>(dtype)),
                                             Napi::Number::New(env, device)});
}

DeviceBuffer::DeviceBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceBuffer>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  const double bytes = number_arg(env, info[0], "bytes");
  const int32_t dtype = int_arg(env, info[1], "dtype");
  const int32_t device = int_arg(env, info[2], "device");
  if (!(bytes >= 0 && bytes <= 9.0e15)) throw_error(env, tx::Code::kRange, "bytes must be >= 0");
  if (dtype < 0 || dtype > static_cast<int>(tx::DType::kU8)) throw_error(env, tx::Code::kDtype, "unknown dtype code");
  const tx::CudaReport& cuda = tx::cuda_report();
  if (!cuda.usable) throw_error(env, tx::Code::kDevice, "DeviceTensor needs a usable CUDA device: " + cuda.reason);
  if (device < 0 || device >= static_cast<int>(cuda.devices.size())) {
    throw_error(env, tx::Code::kDevice, "device must be in [0, " + std::to_string(cuda.devices.size()) + "), got " +
                                            std::to_string(device));
  }
  bytes_ = static_cast<size_t>(bytes);
  dtype_ = static_cast<tx::DType>(dtype);
  device_ = device;
  throw_if_error(env, tx::cuda_malloc(&ptr_, bytes_, device_));
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes_));
}

DeviceBuffer::~DeviceBuffer() { free_memory(); }

void DeviceBuffer::free_memory() {
  if (ptr_ == nullptr) return;
  tx::cuda_free(ptr_, device_);
  ptr_ = nullptr;
  Napi::MemoryManagement::AdjustExternalMemory(env_, -static_cast<int64_t>(bytes_));
}

void DeviceBuffer::release() {
  if (--pending_ == 0 && disposed_) free_memory();
}

tx::TensorView DeviceBuffer::view(Napi::Env env, const char* name, tx::DType dtype) const {
  if (disposed_) throw_error(env, tx::Code::kState, std::string(name) + " is a disposed DeviceTensor");
  if (dtype != dtype_) {
    throw_error(env, tx::Code::kDtype, std::string(name) + " must be a " + tx::dtype_name(dtype) +
                                           " DeviceTensor, got " + tx::dtype_name(dtype_));
  }
  const int64_t n = static_cast<int64_t>(bytes_ / tx::dtype_size(dtype_));
  return tx::TensorView::contiguous(ptr_, {n}, dtype_, tx::Device::kCuda, device_);
}

void DeviceBuffer::check_host_array(Napi::Env env, const Napi::Value& v, const char* name) const {
  if (disposed_) throw_error(env, tx::Code::kState, "DeviceTensor is disposed");
  if (!v.IsTypedArray()) throw_error(env, tx::Code::kDtype, std::string(name) + " must be a typed array");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (ta.ByteLength() != bytes_) {
    throw_error(env, tx::Code::kShape, std::string(name) + " has " + std::to_string(ta.ByteLength()) +
                                           " bytes, the DeviceTensor has " + std::to_string(bytes_));
  }
  if (typed_array_bytes(env, ta).data == nullptr && bytes_ != 0) {
    throw_error(env, tx::Code::kState, std::string(name) + "'s ArrayBuffer is detached");
  }
}

Napi::Value DeviceBuffer::copy_from_host(const Napi::CallbackInfo& info) {
  return guarded(info, "DeviceTensor.fromHost", [this](const Napi::CallbackInfo& info) -> Napi::Value {
    check_host_array(info.Env(), info[0], "data");
    const void* src = typed_array_bytes(info.Env(), info[0].As<Napi::TypedArray>()).data;
    throw_if_error(info.Env(), tx::cuda_copy_to_device(ptr_, src, bytes_, device_));
    return info.Env().Undefined();
  });
}

Napi::Value DeviceBuffer::copy_to_host_sync(const Napi::CallbackInfo& info) {
  return guarded(info, "DeviceTensor.toHostSync", [this](const Napi::CallbackInfo& info) -> Napi::Value {
    check_host_array(info.Env(), info[0], "out");
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    void* dst = typed_array_bytes(info.Env(), ta).data;
    throw_if_error(info.Env(), tx::cuda_copy_to_host(dst, ptr_, bytes_, device_));
    return ta;
  });
}

Napi::Value DeviceBuffer::copy_to_host(const Napi::CallbackInfo& info) {
  return guarded_async(info, "DeviceTensor.toHost", [this](const Napi::CallbackInfo& info) -> Napi::Value {
    check_host_array(info.Env(), info[0], "out");
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    void* dst = typed_array_bytes(info.Env(), ta).data;
    Job job;
    void* src = ptr_;
    const size_t n = bytes_;
    const int dev = device_;
    job.compute = [dst, src, n, dev] { return tx::cuda_copy_to_host(dst, src, n, dev); };
    job.result = ta;
    keep(info.Env(), job, Value());
    return run_async(info.Env(), std::move(job));
  });
}

Napi::Value DeviceBuffer::dispose(const Napi::CallbackInfo& info) {
  disposed_ = true;
  if (pending_ == 0) free_memory();
  return info.Env().Undefined();
}

Napi::Value DeviceBuffer::bytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(bytes_));
}

Napi::Value DeviceBuffer::disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }

}  // namespace txn

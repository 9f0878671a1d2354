// devices(), thread count, and the bandwidth floors used by benchmarks.
#include <algorithm>
#include <string>

#include "errors.h"
#include "exports.h"
#include "tensor_arg.h"
#include "tx/bench.h"
#include "tx/device.h"
#include "tx/ops.h"

namespace txn {

namespace {

Napi::Value devices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const tx::CudaReport& r = tx::cuda_report();
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("threads", tx::cpu_threads());
  cpu.Set("simd", tx::cpu_simd());
  Napi::Array simd_supported = Napi::Array::New(env);
  const std::string supported = tx::cpu_simd_supported();
  for (size_t at = 0; at < supported.size();) {
    const size_t comma = std::min(supported.find(',', at), supported.size());
    simd_supported.Set(simd_supported.Length(), supported.substr(at, comma - at));
    at = comma + 1;
  }
  cpu.Set("simdSupported", simd_supported);
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("compiled", r.compiled);
  cuda.Set("usable", r.usable);
  if (!r.reason.empty()) cuda.Set("reason", r.reason);
  if (r.compiled) cuda.Set("architectures", r.architectures);
  // GEMM: the cuBLAS library loaded at run time ("" = none: the engine's own kernels run).
  if (r.compiled) cuda.Set("cublas", tx::gemm_cublas_library());
  Napi::Array list = Napi::Array::New(env, r.devices.size());
  for (size_t i = 0; i < r.devices.size(); ++i) {
    Napi::Object d = Napi::Object::New(env);
    d.Set("index", r.devices[i].index);
    d.Set("name", r.devices[i].name);
    d.Set("memoryBytes", static_cast<double>(r.devices[i].memory_bytes));
    d.Set("sm", r.devices[i].sm);
    list.Set(static_cast<uint32_t>(i), d);
  }
  cuda.Set("devices", list);
  Napi::Object out = Napi::Object::New(env);
  out.Set("cpu", cpu);
  out.Set("cuda", cuda);
  return out;
}

Napi::Value set_threads(const Napi::CallbackInfo& info) {
  return guarded(info, "setThreads", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const int32_t n = int_arg(info.Env(), info[0], "threads");
    if (n < 0 || n > 1024) throw_error(info.Env(), tx::Code::kRange, "threads must be in [0, 1024] (0 = default)");
    tx::set_cpu_threads(n);
    return Napi::Number::New(info.Env(), tx::cpu_threads());
  });
}

Napi::Value bench_stream_copy(const Napi::CallbackInfo& info) {
  return guarded(info, "benchStreamCopy", [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    tx::TensorView dst = vector_arg(env, info[0], "dst", tx::DType::kF32);
    tx::TensorView src = vector_arg(env, info[1], "src", tx::DType::kF32);
    if (dst.device != tx::Device::kCpu || src.device != tx::Device::kCpu || dst.numel() != src.numel()) {
      throw_error(env, tx::Code::kShape, "dst and src must be host Float32Arrays of equal length");
    }
    tx::bench::stream_copy(dst.data, src.data, src.nbytes());
    return env.Undefined();
  });
}

Napi::Value bench_stream_read(const Napi::CallbackInfo& info) {
  return guarded(info, "benchStreamRead", [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    tx::TensorView src = vector_arg(env, info[0], "src", tx::DType::kF32);
    if (src.device != tx::Device::kCpu) throw_error(env, tx::Code::kDevice, "src must be a host Float32Array");
    return Napi::Number::New(env, tx::bench::stream_read(src.as<const float>(), static_cast<size_t>(src.numel())));
  });
}

}  // namespace

const Exports kExports{
    {"devices", unnamed<devices>},
    {"setThreads", unnamed<set_threads>},
    {"benchStreamCopy", unnamed<bench_stream_copy>},
    {"benchStreamRead", unnamed<bench_stream_read>},
};

}  // namespace txn

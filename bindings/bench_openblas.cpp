// The OpenBLAS peer for the GEMM benchmark (tx/bench_openblas.h). Bench-only; not part of
// the engine's API.
//   benchOpenblasInfo() -> { found, library, core, config, reason }
//   benchOpenblasSgemm(a, b, c, m, n, k) -> boolean (false: no OpenBLAS), on cpu_threads()
#include "errors.h"
#include "exports.h"
#include "tensor_arg.h"
#include "tx/bench_openblas.h"
#include "tx/ops.h"

namespace txn {

namespace {

Napi::Value bench_openblas_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const tx::bench::OpenBlasPeer& p = tx::bench::openblas_peer();
  Napi::Object out = Napi::Object::New(env);
  out.Set("found", p.found);
  out.Set("library", p.library);
  out.Set("core", p.core);
  out.Set("config", p.config);
  out.Set("reason", p.reason);
  return out;
}

Napi::Value bench_openblas_sgemm(const Napi::CallbackInfo& info) {
  return guarded(info, "benchOpenblasSgemm", [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    tx::TensorView a = vector_arg(env, info[0], "a", tx::DType::kF32);
    tx::TensorView b = vector_arg(env, info[1], "b", tx::DType::kF32);
    tx::TensorView c = vector_arg(env, info[2], "c", tx::DType::kF32);
    const int32_t m = int_arg(env, info[3], "m"), n = int_arg(env, info[4], "n"), k = int_arg(env, info[5], "k");
    if (m <= 0 || n <= 0 || k <= 0) throw_error(env, tx::Code::kRange, "benchOpenblasSgemm needs m, n, k > 0");
    if (a.device != tx::Device::kCpu || b.device != tx::Device::kCpu || c.device != tx::Device::kCpu ||
        a.numel() != int64_t{m} * k || b.numel() != int64_t{k} * n || c.numel() != int64_t{m} * n) {
      throw_error(env, tx::Code::kShape, "a, b, c must be host Float32Arrays of m*k, k*n, m*n elements");
    }
    const bool ran =
        tx::bench::openblas_sgemm(a.as<const float>(), b.as<const float>(), c.as<float>(), m, n, k, tx::cpu_threads());
    return Napi::Boolean::New(env, ran);
  });
}

}  // namespace

const Exports kExports{
    {"benchOpenblasInfo", unnamed<bench_openblas_info>},
    {"benchOpenblasSgemm", unnamed<bench_openblas_sgemm>},
};

}  // namespace txn

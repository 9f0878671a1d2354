// benchSgemmFloor(a, b, c, m, n, k): the GEMM FLOP-rate floor used by the attention
// benchmark (tx::bench::sgemm_floor). Bench-only; not part of the engine's API.
#include "bindings.h"
#include "errors.h"
#include "tensor_arg.h"
#include "tx/bench.h"

namespace txn {

Napi::Value bench_sgemm_floor(const Napi::CallbackInfo& info) {
  return guarded(info, "benchSgemmFloor", [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    tx::TensorView a = vector_arg(env, info[0], "a", tx::DType::kF32);
    tx::TensorView b = vector_arg(env, info[1], "b", tx::DType::kF32);
    tx::TensorView c = vector_arg(env, info[2], "c", tx::DType::kF32);
    const int32_t m = int_arg(env, info[3], "m"), n = int_arg(env, info[4], "n"), k = int_arg(env, info[5], "k");
    if (m <= 0 || n <= 0 || k <= 0 || m % 8 != 0 || n % 32 != 0) {
      throw_error(env, tx::Code::kRange, "benchSgemmFloor needs m % 8 == 0 and n % 32 == 0");
    }
    if (a.device != tx::Device::kCpu || b.device != tx::Device::kCpu || c.device != tx::Device::kCpu ||
        a.numel() != int64_t{m} * k || b.numel() != int64_t{k} * n || c.numel() != int64_t{m} * n) {
      throw_error(env, tx::Code::kShape, "a, b, c must be host Float32Arrays of m*k, k*n, m*n elements");
    }
    tx::bench::sgemm_floor(a.as<const float>(), b.as<const float>(), c.as<float>(), m, n, k);
    return env.Undefined();
  });
}

}  // namespace txn

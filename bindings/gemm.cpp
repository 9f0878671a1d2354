// Binding of gemm (host f32): C is updated in place and returned.
//   gemm[Sync](a, b, c, m, n, k, transA, transB, alpha, beta) -> { c }
#include "bindings.h"
#include "errors.h"
#include "op_runner.h"
#include "tensor_arg.h"
#include "tx/ops.h"

namespace txn {

namespace {

int64_t dim_arg(Napi::Env env, const Napi::Value& v, const char* name) {
  const int32_t d = int_arg(env, v, name);
  if (d < 0) throw_error(env, tx::Code::kRange, std::string(name) + " must be >= 0, got " + std::to_string(d));
  return d;
}

Job prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::GemmArgs g;
  g.a = vector_arg(env, info[0], "a", tx::DType::kF32);
  g.b = vector_arg(env, info[1], "b", tx::DType::kF32);
  g.c = vector_arg(env, info[2], "c", tx::DType::kF32);
  g.m = dim_arg(env, info[3], "m");
  g.n = dim_arg(env, info[4], "n");
  g.k = dim_arg(env, info[5], "k");
  g.trans_a = info[6].ToBoolean().Value();
  g.trans_b = info[7].ToBoolean().Value();
  g.alpha = number_arg(env, info[8], "opts.alpha");
  g.beta = number_arg(env, info[9], "opts.beta");
  Job job;
  job.result = Napi::Object::New(env);
  job.result.Set("c", info[2]);
  for (int i = 0; i < 3; ++i) job.keep_alive.push_back(info[i]);
  job.compute = [g] { return tx::gemm(g); };
  return job;
}

}  // namespace

Napi::Value gemm_sync(const Napi::CallbackInfo& info) {
  return guarded(info, "gemmSync", [](const Napi::CallbackInfo& info) {
    Job job = prepare(info);
    return run_sync(info.Env(), job);
  });
}

Napi::Value gemm_async(const Napi::CallbackInfo& info) {
  return guarded(info, "gemm", [](const Napi::CallbackInfo& info) { return run_async(info.Env(), prepare(info)); });
}

}  // namespace txn

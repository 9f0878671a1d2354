// Binding of gemm: C is updated in place and returned.
//   gemm[Sync](a, b, c, m, n, k, transA, transB, alpha, beta, inDtype) -> { c }
// Host: Float32Arrays. Device: DeviceBuffers, a and b of inDtype (0 f32, 2 bf16), c f32;
// the buffers are retained for the job (a dispose() meanwhile is deferred).
#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "tensor_arg.h"
#include "tx/ops/gemm.h"

namespace txn {

namespace {

int64_t dim_arg(Napi::Env env, const Napi::Value& v, const char* name) {
  const int32_t d = int_arg(env, v, name);
  if (d < 0) throw_error(env, tx::Code::kRange, std::string(name) + " must be >= 0, got " + std::to_string(d));
  return d;
}

Job prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int32_t in = info[10].IsUndefined() ? 0 : int_arg(env, info[10], "inDtype");
  if (in != static_cast<int32_t>(tx::DType::kF32) && in != static_cast<int32_t>(tx::DType::kBF16)) {
    throw_error(env, tx::Code::kDtype, "a and b must be f32 or bf16");
  }
  const tx::DType in_dtype = static_cast<tx::DType>(in);
  tx::GemmArgs g;
  g.a = vector_arg(env, info[0], "a", in_dtype);
  g.b = vector_arg(env, info[1], "b", in_dtype);
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
  keep_inputs(info, job, 3);
  job.compute = [g] { return tx::gemm(g); };
  return job;
}

}  // namespace

const Exports kExports{
    {"gemm", async_entry<prepare>},
    {"gemmSync", sync_entry<prepare>},
};

}  // namespace txn

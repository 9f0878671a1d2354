// Bindings of rmsNorm / rmsNormBackward (host typed arrays or device tensors).
//   rmsNorm[Sync](x, weight, rows, dim, eps) -> { out, rstd }
//   rmsNormBackward[Sync](x, weight, rstd, gradOut, rows, dim) -> { gradX, gradWeight }
#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops/rms_norm.h"

namespace txn {

namespace {

Job prepare_forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::RmsNormArgs a;
  a.x = vector_arg(env, info[0], "x", tx::DType::kF32);
  a.weight = vector_arg(env, info[1], "weight", tx::DType::kF32);
  a.rows = int_arg(env, info[2], "rows");
  a.dim = int_arg(env, info[3], "dim");
  a.eps = number_arg(env, info[4], "opts.eps");
  throw_if_error(env, tx::validate_rms_norm_inputs(a));
  Job job;
  job.result = Napi::Object::New(env);
  a.out = new_output(env, job, "out", a.x, {a.rows * a.dim}, tx::DType::kF32);
  a.rstd = new_output(env, job, "rstd", a.x, {a.rows}, tx::DType::kF32);
  keep_inputs(info, job, 2);
  job.compute = [a] { return tx::rms_norm(a); };
  return job;
}

Job prepare_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::RmsNormBackwardArgs a;
  a.x = vector_arg(env, info[0], "x", tx::DType::kF32);
  a.weight = vector_arg(env, info[1], "weight", tx::DType::kF32);
  a.rstd = vector_arg(env, info[2], "rstd", tx::DType::kF32);
  a.grad_out = vector_arg(env, info[3], "gradOut", tx::DType::kF32);
  a.rows = int_arg(env, info[4], "rows");
  a.dim = int_arg(env, info[5], "dim");
  throw_if_error(env, tx::validate_rms_norm_backward_inputs(a));
  Job job;
  job.result = Napi::Object::New(env);
  a.grad_x = new_output(env, job, "gradX", a.x, {a.rows * a.dim}, tx::DType::kF32);
  a.grad_weight = new_output(env, job, "gradWeight", a.x, {a.dim}, tx::DType::kF32);
  keep_inputs(info, job, 4);
  job.compute = [a] { return tx::rms_norm_backward(a); };
  return job;
}

}  // namespace

const Exports kExports{
    {"rmsNorm", async_entry<prepare_forward>},
    {"rmsNormSync", sync_entry<prepare_forward>},
    {"rmsNormBackward", async_entry<prepare_backward>},
    {"rmsNormBackwardSync", sync_entry<prepare_backward>},
};

}  // namespace txn

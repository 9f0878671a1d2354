// Binding of adamwStep: updates params, expAvg and expAvgSq in place (host typed arrays or
// device tensors). The worker writes gradNorm and clipScale into a Float64Array of the result.
//   adamwStep[Sync](params, grads, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, step, maxGradNorm)
//   -> { scalars: Float64Array[2] }
#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "tensor_arg.h"
#include "tx/ops/adamw.h"

namespace txn {

namespace {

constexpr int kArgs = 11;

Job prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::AdamWArgs a;
  a.params = vector_arg(env, info[0], "params", tx::DType::kF32);
  a.grads = vector_arg(env, info[1], "grads", tx::DType::kF32);
  a.exp_avg = vector_arg(env, info[2], "expAvg", tx::DType::kF32);
  a.exp_avg_sq = vector_arg(env, info[3], "expAvgSq", tx::DType::kF32);
  a.lr = number_arg(env, info[4], "cfg.lr");
  a.beta1 = number_arg(env, info[5], "cfg.beta1");
  a.beta2 = number_arg(env, info[6], "cfg.beta2");
  a.eps = number_arg(env, info[7], "cfg.eps");
  a.weight_decay = number_arg(env, info[8], "cfg.weightDecay");
  a.step = int_arg(env, info[9], "cfg.step");
  a.max_grad_norm = number_arg(env, info[10], "cfg.maxGradNorm");
  throw_if_error(env, tx::validate_adamw_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  Napi::Float64Array scalars = Napi::Float64Array::New(env, 2);
  job.result.Set("scalars", scalars);
  double* out = scalars.Data();
  keep_inputs(info, job, kArgs);
  job.compute = [a, out] {
    tx::AdamWResult r;
    tx::Status s = tx::adamw_step(a, &r);
    out[0] = r.grad_norm;
    out[1] = r.clip_scale;
    return s;
  };
  return job;
}

}  // namespace

const Exports kExports{
    {"adamwStep", async_entry<prepare>},
    {"adamwStepSync", sync_entry<prepare>},
};

}  // namespace txn

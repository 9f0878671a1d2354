// Bindings of swiglu / swigluBackward (host typed arrays or device tensors).
//   swiglu[Sync](gate, up) -> { out }
//   swigluBackward[Sync](gate, up, gradOut) -> { gradGate, gradUp }
#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops/swiglu.h"

namespace txn {

namespace {

Job prepare_forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::SwigluArgs a;
  a.gate = vector_arg(env, info[0], "gate", tx::DType::kF32);
  a.up = vector_arg(env, info[1], "up", tx::DType::kF32);
  throw_if_error(env, tx::validate_swiglu_inputs(a));
  Job job;
  job.result = Napi::Object::New(env);
  a.out = new_output(env, job, "out", a.gate, {a.gate.numel()}, tx::DType::kF32);
  keep_inputs(info, job, 2);
  job.compute = [a] { return tx::swiglu(a); };
  return job;
}

Job prepare_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::SwigluBackwardArgs a;
  a.gate = vector_arg(env, info[0], "gate", tx::DType::kF32);
  a.up = vector_arg(env, info[1], "up", tx::DType::kF32);
  a.grad_out = vector_arg(env, info[2], "gradOut", tx::DType::kF32);
  throw_if_error(env, tx::validate_swiglu_backward_inputs(a));
  Job job;
  job.result = Napi::Object::New(env);
  a.grad_gate = new_output(env, job, "gradGate", a.gate, {a.gate.numel()}, tx::DType::kF32);
  a.grad_up = new_output(env, job, "gradUp", a.gate, {a.gate.numel()}, tx::DType::kF32);
  keep_inputs(info, job, 3);
  job.compute = [a] { return tx::swiglu_backward(a); };
  return job;
}

}  // namespace

const Exports kExports{
    {"swiglu", async_entry<prepare_forward>},
    {"swigluSync", sync_entry<prepare_forward>},
    {"swigluBackward", async_entry<prepare_backward>},
    {"swigluBackwardSync", sync_entry<prepare_backward>},
};

}  // namespace txn

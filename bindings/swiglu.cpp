// Bindings of swiglu / swigluBackward (host typed arrays or device tensors).
//   swiglu[Sync](gate, up) -> { out }
//   swigluBackward[Sync](gate, up, gradOut) -> { gradGate, gradUp }
#include "bindings.h"
#include "device_buffer.h"
#include "errors.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops.h"

namespace txn {

namespace {

void retain(Napi::Env env, const Napi::CallbackInfo& info, int count, Job& job) {
  for (int i = 0; i < count; ++i) {
    job.keep_alive.push_back(info[i]);
    if (is_device_buffer(env, info[i])) job.buffers.push_back(DeviceBuffer::Unwrap(info[i].As<Napi::Object>()));
  }
}

Job prepare_forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::SwigluArgs a;
  a.gate = vector_arg(env, info[0], "gate", tx::DType::kF32);
  a.up = vector_arg(env, info[1], "up", tx::DType::kF32);
  throw_if_error(env, tx::validate_swiglu_inputs(a));
  Job job;
  job.result = Napi::Object::New(env);
  a.out = new_output(env, job, "out", a.gate, {a.gate.numel()}, tx::DType::kF32);
  retain(env, info, 2, job);
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
  retain(env, info, 3, job);
  job.compute = [a] { return tx::swiglu_backward(a); };
  return job;
}

}  // namespace

Napi::Value swiglu_sync(const Napi::CallbackInfo& info) {
  return guarded(info, "swigluSync", [](const Napi::CallbackInfo& info) {
    Job job = prepare_forward(info);
    return run_sync(info.Env(), job);
  });
}
Napi::Value swiglu_async(const Napi::CallbackInfo& info) {
  return guarded_async(info, "swiglu", [](const Napi::CallbackInfo& info) { return run_async(info.Env(), prepare_forward(info)); });
}
Napi::Value swiglu_backward_sync(const Napi::CallbackInfo& info) {
  return guarded(info, "swigluBackwardSync", [](const Napi::CallbackInfo& info) {
    Job job = prepare_backward(info);
    return run_sync(info.Env(), job);
  });
}
Napi::Value swiglu_backward_async(const Napi::CallbackInfo& info) {
  return guarded_async(info, "swigluBackward",
                 [](const Napi::CallbackInfo& info) { return run_async(info.Env(), prepare_backward(info)); });
}

}  // namespace txn

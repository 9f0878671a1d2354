// Binding of residualAdd (host typed arrays or device tensors).
//   residualAdd[Sync](a, b) -> { out }
#include "bindings.h"
#include "device_buffer.h"
#include "errors.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops.h"

namespace txn {

namespace {

Job prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::ResidualAddArgs a;
  a.a = vector_arg(env, info[0], "a", tx::DType::kF32);
  a.b = vector_arg(env, info[1], "b", tx::DType::kF32);
  throw_if_error(env, tx::validate_residual_add_inputs(a));
  Job job;
  job.result = Napi::Object::New(env);
  a.out = new_output(env, job, "out", a.a, {a.a.numel()}, tx::DType::kF32);
  for (int i = 0; i < 2; ++i) {
    job.keep_alive.push_back(info[i]);
    if (is_device_buffer(env, info[i])) job.buffers.push_back(DeviceBuffer::Unwrap(info[i].As<Napi::Object>()));
  }
  job.compute = [a] { return tx::residual_add(a); };
  return job;
}

}  // namespace

Napi::Value residual_add_sync(const Napi::CallbackInfo& info) {
  return guarded(info, "residualAddSync", [](const Napi::CallbackInfo& info) {
    Job job = prepare(info);
    return run_sync(info.Env(), job);
  });
}
Napi::Value residual_add_async(const Napi::CallbackInfo& info) {
  return guarded_async(info, "residualAdd", [](const Napi::CallbackInfo& info) { return run_async(info.Env(), prepare(info)); });
}

}  // namespace txn

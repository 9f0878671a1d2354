// Bindings of rope / ropeBackward (host typed arrays or device tensors; positions host).
//   rope[Sync](x, positions, tokens, heads, headDim, theta) -> { out }
//   ropeBackward[Sync](gradOut, positions, tokens, heads, headDim, theta) -> { gradX }
#include <memory>
#include <vector>

#include "bindings.h"
#include "device_buffer.h"
#include "errors.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops.h"

namespace txn {

namespace {

Job prepare(const Napi::CallbackInfo& info, bool backward) {
  Napi::Env env = info.Env();
  tx::RopeArgs a;
  a.x = vector_arg(env, info[0], backward ? "gradOut" : "x", tx::DType::kF32);
  a.positions = vector_arg(env, info[1], "positions", tx::DType::kI32);
  a.tokens = int_arg(env, info[2], "tokens");
  a.heads = int_arg(env, info[3], "heads");
  a.head_dim = int_arg(env, info[4], "headDim");
  a.theta = number_arg(env, info[5], "opts.theta");
  if (backward) a.x_name = "gradOut";
  std::shared_ptr<std::vector<int32_t>> pos;
  a.positions = snapshot_i32(a.positions, pos);
  throw_if_error(env, tx::validate_rope_inputs(a));
  Job job;
  job.result = Napi::Object::New(env);
  a.out = new_output(env, job, backward ? "gradX" : "out", a.x, {a.x.numel()}, tx::DType::kF32);
  job.keep_alive.push_back(info[0]);
  if (is_device_buffer(env, info[0])) job.buffers.push_back(DeviceBuffer::Unwrap(info[0].As<Napi::Object>()));
  job.compute = [a, pos, backward] { return backward ? tx::rope_backward(a) : tx::rope(a); };
  return job;
}

}  // namespace

Napi::Value rope_sync(const Napi::CallbackInfo& info) {
  return guarded(info, "ropeSync", [](const Napi::CallbackInfo& info) {
    Job job = prepare(info, false);
    return run_sync(info.Env(), job);
  });
}
Napi::Value rope_async(const Napi::CallbackInfo& info) {
  return guarded_async(info, "rope", [](const Napi::CallbackInfo& info) { return run_async(info.Env(), prepare(info, false)); });
}
Napi::Value rope_backward_sync(const Napi::CallbackInfo& info) {
  return guarded(info, "ropeBackwardSync", [](const Napi::CallbackInfo& info) {
    Job job = prepare(info, true);
    return run_sync(info.Env(), job);
  });
}
Napi::Value rope_backward_async(const Napi::CallbackInfo& info) {
  return guarded_async(info, "ropeBackward", [](const Napi::CallbackInfo& info) { return run_async(info.Env(), prepare(info, true)); });
}

}  // namespace txn

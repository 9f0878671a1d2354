// Bindings of rope / ropeBackward (host typed arrays or device tensors; positions host).
//   rope[Sync](x, positions, tokens, heads, headDim, theta) -> { out }
//   ropeBackward[Sync](gradOut, positions, tokens, heads, headDim, theta) -> { gradX }
#include <memory>
#include <vector>

#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops/rope.h"

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
  keep_inputs(info, job, 1);
  job.compute = [a, pos, backward] { return backward ? tx::rope_backward(a) : tx::rope(a); };
  return job;
}

Job prepare_forward(const Napi::CallbackInfo& info) { return prepare(info, false); }
Job prepare_backward(const Napi::CallbackInfo& info) { return prepare(info, true); }

}  // namespace

const Exports kExports{
    {"rope", async_entry<prepare_forward>},
    {"ropeSync", sync_entry<prepare_forward>},
    {"ropeBackward", async_entry<prepare_backward>},
    {"ropeBackwardSync", sync_entry<prepare_backward>},
};

}  // namespace txn

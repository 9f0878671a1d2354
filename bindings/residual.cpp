// Binding of residualAdd (host typed arrays or device tensors).
//   residualAdd[Sync](a, b) -> { out }
#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops/residual.h"

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
  keep_inputs(info, job, 2);
  job.compute = [a] { return tx::residual_add(a); };
  return job;
}

}  // namespace

const Exports kExports{
    {"residualAdd", async_entry<prepare>},
    {"residualAddSync", sync_entry<prepare>},
};

}  // namespace txn

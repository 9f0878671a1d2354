// Bindings of log-prob gathering: JS args -> Logprobs*Args, outputs allocated on the JS
// thread on the device of the inputs (typed arrays for host, DeviceBuffers for CUDA).
//   logprobs[Sync](logits, dtype, N, V, targets, temperature, ignoreIndex, withEntropy)
//   logprobsBackward[Sync](logits, dtype, N, V, targets, lse, gradLogp, gradEntropy?,
//                          temperature, ignoreIndex, inPlace)
//   linearLogprobs[Sync](hidden, weight, N, Dm, V, targets, temperature, ignoreIndex, withEntropy)
//   linearLogprobsBackward[Sync](hidden, weight, N, Dm, V, targets, lse, gradLogp, gradEntropy?,
//                                temperature, ignoreIndex)
#include <memory>
#include <string>
#include <vector>

#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops/logprob.h"

namespace txn {

namespace {

int64_t dim_arg(Napi::Env env, const Napi::Value& v, const char* name) {
  const int32_t d = int_arg(env, v, name);
  if (d < 0) throw_error(env, tx::Code::kShape, std::string(name) + " must be >= 0, got " + std::to_string(d));
  return d;
}

// A [rows, cols] view of a TypedArray or DeviceBuffer; the element count must match.
tx::TensorView matrix_arg(Napi::Env env, const Napi::Value& v, const char* name, tx::DType dtype, int64_t rows,
                          int64_t cols) {
  tx::TensorView t = vector_arg(env, v, name, dtype);
  if (t.numel() != rows * cols) {
    throw_error(env, tx::Code::kShape, std::string(name) + " has " + std::to_string(t.numel()) +
                                           " elements but its shape [" + std::to_string(rows) + ", " +
                                           std::to_string(cols) + "] needs " + std::to_string(rows * cols));
  }
  tx::TensorView m = tx::TensorView::contiguous(t.data, {rows, cols}, dtype, t.device, t.device_index);
  return m;
}

tx::DType logits_dtype(Napi::Env env, const Napi::Value& v) {
  const int32_t code = int_arg(env, v, "logits.dtype");
  if (code == static_cast<int32_t>(tx::DType::kF32)) return tx::DType::kF32;
  if (code == static_cast<int32_t>(tx::DType::kBF16)) return tx::DType::kBF16;
  throw_error(env, tx::Code::kDtype, "logits must be f32 or bf16");
}

Job prepare_forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::LogprobsArgs a;
  const tx::DType dtype = logits_dtype(env, info[1]);
  const int64_t n = dim_arg(env, info[2], "N"), v = dim_arg(env, info[3], "V");
  a.logits = matrix_arg(env, info[0], "logits", dtype, n, v);
  a.targets = vector_arg(env, info[4], "targets", tx::DType::kI32);
  a.temperature = number_arg(env, info[5], "opts.temperature");
  a.ignore_index = int_arg(env, info[6], "opts.ignoreIndex");
  const bool with_entropy = info[7].ToBoolean().Value();
  std::shared_ptr<std::vector<int32_t>> targets;
  a.targets = snapshot_i32(a.targets, targets);
  // Validated after the snapshot: a SharedArrayBuffer can change under us otherwise.
  throw_if_error(env, tx::validate_logprobs_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  a.logp = new_output(env, job, "logp", a.logits, {n}, tx::DType::kF32);
  if (with_entropy) a.entropy = new_output(env, job, "entropy", a.logits, {n}, tx::DType::kF32);
  a.lse = new_output(env, job, "lse", a.logits, {n}, tx::DType::kF32);
  keep_inputs(info, job, 8);
  job.compute = [a, targets] { return tx::logprobs(a); };
  return job;
}

Job prepare_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::LogprobsBackwardArgs a;
  const tx::DType dtype = logits_dtype(env, info[1]);
  const int64_t n = dim_arg(env, info[2], "N"), v = dim_arg(env, info[3], "V");
  a.logits = matrix_arg(env, info[0], "logits", dtype, n, v);
  a.targets = vector_arg(env, info[4], "targets", tx::DType::kI32);
  a.lse = vector_arg(env, info[5], "lse", tx::DType::kF32);
  a.grad_logp = vector_arg(env, info[6], "gradLogp", tx::DType::kF32);
  a.grad_entropy = optional_vector_arg(env, info[7], "opts.gradEntropy", tx::DType::kF32);
  a.temperature = number_arg(env, info[8], "opts.temperature");
  a.ignore_index = int_arg(env, info[9], "opts.ignoreIndex");
  const bool in_place = info[10].ToBoolean().Value();
  std::shared_ptr<std::vector<int32_t>> targets;
  a.targets = snapshot_i32(a.targets, targets);
  // Validated after the snapshot: a SharedArrayBuffer can change under us otherwise.
  throw_if_error(env, tx::validate_logprobs_backward_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  if (in_place) {
    a.grad_logits = a.logits;
    job.result.Set("gradLogits", info[0]);
  } else {
    a.grad_logits = new_output(env, job, "gradLogits", a.logits, {n, v}, dtype);
  }
  keep_inputs(info, job, 11);
  job.compute = [a, targets] { return tx::logprobs_backward(a); };
  return job;
}

Job prepare_linear_forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::LinearLogprobsArgs a;
  const int64_t n = dim_arg(env, info[2], "N"), dm = dim_arg(env, info[3], "Dm"), v = dim_arg(env, info[4], "V");
  a.hidden = matrix_arg(env, info[0], "hidden", tx::DType::kF32, n, dm);
  a.weight = matrix_arg(env, info[1], "weight", tx::DType::kF32, v, dm);
  a.targets = vector_arg(env, info[5], "targets", tx::DType::kI32);
  a.temperature = number_arg(env, info[6], "opts.temperature");
  a.ignore_index = int_arg(env, info[7], "opts.ignoreIndex");
  const bool with_entropy = info[8].ToBoolean().Value();
  std::shared_ptr<std::vector<int32_t>> targets;
  a.targets = snapshot_i32(a.targets, targets);
  // Validated after the snapshot: a SharedArrayBuffer can change under us otherwise.
  throw_if_error(env, tx::validate_linear_logprobs_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  a.logp = new_output(env, job, "logp", a.hidden, {n}, tx::DType::kF32);
  if (with_entropy) a.entropy = new_output(env, job, "entropy", a.hidden, {n}, tx::DType::kF32);
  a.lse = new_output(env, job, "lse", a.hidden, {n}, tx::DType::kF32);
  keep_inputs(info, job, 9);
  job.compute = [a, targets] { return tx::linear_logprobs(a); };
  return job;
}

Job prepare_linear_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::LinearLogprobsBackwardArgs a;
  const int64_t n = dim_arg(env, info[2], "N"), dm = dim_arg(env, info[3], "Dm"), v = dim_arg(env, info[4], "V");
  a.hidden = matrix_arg(env, info[0], "hidden", tx::DType::kF32, n, dm);
  a.weight = matrix_arg(env, info[1], "weight", tx::DType::kF32, v, dm);
  a.targets = vector_arg(env, info[5], "targets", tx::DType::kI32);
  a.lse = vector_arg(env, info[6], "lse", tx::DType::kF32);
  a.grad_logp = vector_arg(env, info[7], "gradLogp", tx::DType::kF32);
  a.grad_entropy = optional_vector_arg(env, info[8], "opts.gradEntropy", tx::DType::kF32);
  a.temperature = number_arg(env, info[9], "opts.temperature");
  a.ignore_index = int_arg(env, info[10], "opts.ignoreIndex");
  std::shared_ptr<std::vector<int32_t>> targets;
  a.targets = snapshot_i32(a.targets, targets);
  // Validated after the snapshot: a SharedArrayBuffer can change under us otherwise.
  throw_if_error(env, tx::validate_linear_logprobs_backward_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  a.grad_hidden = new_output(env, job, "gradHidden", a.hidden, {n, dm}, tx::DType::kF32);
  a.grad_weight = new_output(env, job, "gradWeight", a.hidden, {v, dm}, tx::DType::kF32);
  keep_inputs(info, job, 11);
  job.compute = [a, targets] { return tx::linear_logprobs_backward(a); };
  return job;
}

}  // namespace

const Exports kExports{
    {"logprobs", async_entry<prepare_forward>},
    {"logprobsSync", sync_entry<prepare_forward>},
    {"logprobsBackward", async_entry<prepare_backward>},
    {"logprobsBackwardSync", sync_entry<prepare_backward>},
    {"linearLogprobs", async_entry<prepare_linear_forward>},
    {"linearLogprobsSync", sync_entry<prepare_linear_forward>},
    {"linearLogprobsBackward", async_entry<prepare_linear_backward>},
    {"linearLogprobsBackwardSync", sync_entry<prepare_linear_backward>},
};

}  // namespace txn

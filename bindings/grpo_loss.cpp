// Binding of grpoLoss: JS args -> GrpoLossArgs; gradLogp allocated on the JS thread on the
// device of logp. Scalars (loss and stats) are written by the worker into a Float64Array
// the result already holds, so the shared runner needs no post-compute hook.
//   grpoLoss[Sync](logp, oldLogp, refLogp?, advantages, mask, seqOffsets,
//                  clipLow, clipHigh, dualClip, klCoef, klType, aggregation, normConstant?)
//   -> { gradLogp, scalars: Float64Array[8] } (order: GRPO_SCALARS in lib/engine/grpo_loss.ts)
#include <memory>
#include <vector>

#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops/grpo_loss.h"

namespace txn {

namespace {

constexpr int kArgs = 13;
constexpr int kScalars = 8;

Job prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::GrpoLossArgs a;
  a.logp = vector_arg(env, info[0], "inputs.logp", tx::DType::kF32);
  a.old_logp = vector_arg(env, info[1], "inputs.oldLogp", tx::DType::kF32);
  a.ref_logp = optional_vector_arg(env, info[2], "inputs.refLogp", tx::DType::kF32);
  a.advantages = vector_arg(env, info[3], "inputs.advantages", tx::DType::kF32);
  a.mask = vector_arg(env, info[4], "inputs.mask", tx::DType::kU8);
  a.seq_offsets = vector_arg(env, info[5], "inputs.seqOffsets", tx::DType::kI32);
  a.clip_low = number_arg(env, info[6], "cfg.clipLow");
  a.clip_high = number_arg(env, info[7], "cfg.clipHigh");
  a.dual_clip = number_arg(env, info[8], "cfg.dualClip");
  a.kl_coef = number_arg(env, info[9], "cfg.klCoef");
  a.kl_type = static_cast<tx::KlType>(int_arg(env, info[10], "cfg.klType"));
  a.aggregation = static_cast<tx::LossAggregation>(int_arg(env, info[11], "cfg.aggregation"));
  a.has_norm_constant = !info[12].IsUndefined() && !info[12].IsNull();
  if (a.has_norm_constant) a.norm_constant = number_arg(env, info[12], "cfg.normConstant");
  // Index arrays are copied before they are checked: a SharedArrayBuffer could change them
  // between the check and the kernel otherwise.
  std::shared_ptr<std::vector<int32_t>> offsets;
  a.seq_offsets = snapshot_i32(a.seq_offsets, offsets);
  throw_if_error(env, tx::validate_grpo_loss_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  const int64_t n = a.logp.numel();
  a.grad_logp = new_output(env, job, "gradLogp", a.logp, {n}, tx::DType::kF32);
  Napi::Float64Array scalars = Napi::Float64Array::New(env, kScalars);
  job.result.Set("scalars", scalars);
  double* out = scalars.Data();

  keep_inputs(info, job, kArgs);
  keep(env, job, scalars);
  job.compute = [a, offsets, out] {
    tx::GrpoLossResult r;
    TX_RETURN_IF_ERROR(tx::grpo_loss(a, &r));
    const double values[kScalars] = {r.loss,      r.clip_frac_high, r.clip_frac_low, r.dual_clip_frac,
                                     r.ratio_mean, r.approx_kl,     r.kl_mean,       static_cast<double>(r.tokens)};
    for (int i = 0; i < kScalars; ++i) out[i] = values[i];
    return tx::Status::ok();
  };
  return job;
}

}  // namespace

const Exports kExports{
    {"grpoLoss", async_entry<prepare>},
    {"grpoLossSync", sync_entry<prepare>},
};

}  // namespace txn

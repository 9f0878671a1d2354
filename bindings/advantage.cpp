// Binding of groupedAdvantages: JS args -> GroupedAdvantagesArgs, outputs allocated on the
// JS thread (typed arrays for host inputs, DeviceBuffers for device inputs).
//   groupedAdvantages[Sync](rewards, groupOffsets, mode, std, eps, seqOffsets?, responseMask?, out?)
// `out` may hold caller buffers for any output (reused across steps); advantages may be
// the rewards buffer itself (in place: each reward is read before its slot is written).
#include <memory>
#include <vector>

#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops/advantage.h"

namespace txn {

namespace {

Job prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tx::GroupedAdvantagesArgs a;
  a.rewards = vector_arg(env, info[0], "rewards", tx::DType::kF32);
  a.group_offsets = vector_arg(env, info[1], "groupOffsets", tx::DType::kI32);
  a.mode = static_cast<tx::AdvantageMode>(int_arg(env, info[2], "opts.mode"));
  a.std_kind = static_cast<tx::StdKind>(int_arg(env, info[3], "opts.std"));
  a.eps = number_arg(env, info[4], "opts.eps");
  a.seq_offsets = optional_vector_arg(env, info[5], "opts.seqOffsets", tx::DType::kI32);
  a.response_mask = optional_vector_arg(env, info[6], "opts.responseMask", tx::DType::kU8);
  // Index arrays are copied before they are checked: a SharedArrayBuffer could change them
  // between the check and the kernel otherwise.
  auto group_offsets = std::make_shared<std::vector<int32_t>>();
  auto seq_offsets = std::make_shared<std::vector<int32_t>>();
  a.group_offsets = snapshot_i32(a.group_offsets, group_offsets);
  a.seq_offsets = snapshot_i32(a.seq_offsets, seq_offsets);
  throw_if_error(env, tx::validate_grouped_advantages_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  const int64_t rows = a.rewards.numel(), groups = a.group_offsets.numel() - 1;
  const Napi::Object out = info[7].IsObject() ? info[7].As<Napi::Object>() : Napi::Object::New(env);
  a.advantages = output_into(env, job, "advantages", out.Get("advantages"), "opts.out.advantages", a.rewards, {rows},
                             tx::DType::kF32);
  a.mean = output_into(env, job, "mean", out.Get("mean"), "opts.out.mean", a.rewards, {groups}, tx::DType::kF32);
  a.std = output_into(env, job, "std", out.Get("std"), "opts.out.std", a.rewards, {groups}, tx::DType::kF32);
  a.zero_variance = output_into(env, job, "zeroVariance", out.Get("zeroVariance"), "opts.out.zeroVariance", a.rewards,
                                {groups}, tx::DType::kU8);
  if (a.seq_offsets.defined()) {
    a.token_advantages = output_into(env, job, "tokenAdvantages", out.Get("tokenAdvantages"),
                                     "opts.out.tokenAdvantages", a.rewards, {tx::grouped_advantages_tokens(a)},
                                     tx::DType::kF32);
  }
  const std::pair<const tx::TensorView*, const char*> outputs[] = {
      {&a.advantages, "opts.out.advantages"}, {&a.mean, "opts.out.mean"}, {&a.std, "opts.out.std"},
      {&a.zero_variance, "opts.out.zeroVariance"}, {&a.token_advantages, "opts.out.tokenAdvantages"}};
  for (size_t i = 0; i < 5; ++i) {
    for (size_t j = i + 1; j < 5; ++j) check_disjoint(env, *outputs[i].first, outputs[i].second, *outputs[j].first, outputs[j].second);
    if (i > 0) check_disjoint(env, *outputs[i].first, outputs[i].second, a.rewards, "rewards");
    check_disjoint(env, *outputs[i].first, outputs[i].second, a.response_mask, "opts.responseMask");
  }
  if (a.advantages.data != a.rewards.data) check_disjoint(env, a.advantages, "opts.out.advantages", a.rewards, "rewards");
  keep_inputs(info, job, 7);
  job.compute = [a, group_offsets, seq_offsets] { return tx::grouped_advantages(a); };
  return job;
}

}  // namespace

const Exports kExports{
    {"groupedAdvantages", async_entry<prepare>},
    {"groupedAdvantagesSync", sync_entry<prepare>},
};

}  // namespace txn

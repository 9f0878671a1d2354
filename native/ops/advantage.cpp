// Grouped advantages (docs/kernels.md section 1): argument checks, each message naming the
// argument as the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/advantage.h"

#include <string>

#include "check.h"
#include "cpu/advantage.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/advantage.h"
#endif

namespace tx {

namespace {

Status non_finite_reward(int64_t index) {
  return {Code::kRange, "rewards[" + std::to_string(index) + "] is not finite (NaN or Inf)"};
}

}  // namespace

Status validate_grouped_advantages_inputs(const GroupedAdvantagesArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.rewards, "rewards", DType::kF32));
  const int64_t rows = a.rewards.shape[0];
  if (rows > INT32_MAX) return {Code::kShape, "rewards has more than 2^31-1 entries"};
  TX_RETURN_IF_ERROR(check::offsets(a.group_offsets, "groupOffsets", rows, "rewards.length"));
  if (a.mode != AdvantageMode::kGrpo && a.mode != AdvantageMode::kDrGrpo && a.mode != AdvantageMode::kRloo) {
    return {Code::kRange, "opts.mode must be 'grpo', 'drgrpo' or 'rloo'"};
  }
  if (a.std_kind != StdKind::kUnbiased && a.std_kind != StdKind::kBiased) {
    return {Code::kRange, "opts.std must be 'unbiased' or 'biased'"};
  }
  TX_RETURN_IF_ERROR(check::finite_non_negative(a.eps, "opts.eps"));
  if (a.response_mask.defined() && !a.seq_offsets.defined()) {
    return {Code::kShape, "opts.responseMask needs opts.seqOffsets (which tokens belong to which rollout)"};
  }
  if (a.seq_offsets.defined()) {
    TX_RETURN_IF_ERROR(check::vector(a.seq_offsets, "opts.seqOffsets", DType::kI32, rows + 1));
    int64_t tokens = a.seq_offsets.device == Device::kCpu ? a.seq_offsets.as<const int32_t>()[rows] : 0;
    if (a.response_mask.defined()) {
      TX_RETURN_IF_ERROR(check::vector(a.response_mask, "opts.responseMask", DType::kU8));
      if (a.rewards.device == Device::kCpu) TX_RETURN_IF_ERROR(check::on_host(a.response_mask, "opts.responseMask"));
      tokens = a.response_mask.shape[0];
    }
    TX_RETURN_IF_ERROR(check::offsets(a.seq_offsets, "opts.seqOffsets", tokens,
                                      a.response_mask.defined() ? "opts.responseMask.length" : "the token count"));
    // Without a mask nothing backs the token count but seqOffsets' last entry, and the
    // tokenAdvantages output is allocated from it: bound it so that one bad offset cannot
    // ask for gigabytes (a mask of that length is proof the caller holds such a batch).
    if (!a.response_mask.defined() && tokens > kMaxUnmaskedTokens) {
      return {Code::kRange, "opts.seqOffsets ends at " + std::to_string(tokens) + " tokens; without " +
                                "opts.responseMask at most " + std::to_string(kMaxUnmaskedTokens) +
                                " are accepted (pass a responseMask for longer batches)"};
    }
  }
  return Status::ok();
}

int64_t grouped_advantages_tokens(const GroupedAdvantagesArgs& a) {
  if (!a.seq_offsets.defined()) return 0;
  if (a.response_mask.defined()) return a.response_mask.numel();
  return a.seq_offsets.as<const int32_t>()[a.seq_offsets.numel() - 1];
}

namespace {

Status check_grouped_advantages(const GroupedAdvantagesArgs& a) {
  TX_RETURN_IF_ERROR(validate_grouped_advantages_inputs(a));
  const int64_t rows = a.rewards.shape[0];
  const int64_t groups = a.group_offsets.shape[0] - 1;
  TX_RETURN_IF_ERROR(check::vector(a.advantages, "advantages", DType::kF32, rows));
  TX_RETURN_IF_ERROR(check::vector(a.mean, "mean", DType::kF32, groups));
  TX_RETURN_IF_ERROR(check::vector(a.std, "std", DType::kF32, groups));
  TX_RETURN_IF_ERROR(check::vector(a.zero_variance, "zeroVariance", DType::kU8, groups));
  TX_RETURN_IF_ERROR(check::same_device(a.advantages, "advantages", a.rewards, "rewards"));
  TX_RETURN_IF_ERROR(check::same_device(a.mean, "mean", a.rewards, "rewards"));
  TX_RETURN_IF_ERROR(check::same_device(a.std, "std", a.rewards, "rewards"));
  TX_RETURN_IF_ERROR(check::same_device(a.zero_variance, "zeroVariance", a.rewards, "rewards"));

  if (a.seq_offsets.defined()) {
    const int64_t tokens = grouped_advantages_tokens(a);
    TX_RETURN_IF_ERROR(check::vector(a.token_advantages, "tokenAdvantages", DType::kF32, tokens));
    TX_RETURN_IF_ERROR(check::same_device(a.token_advantages, "tokenAdvantages", a.rewards, "rewards"));
  }
  return Status::ok();
}

}  // namespace
Status grouped_advantages(const GroupedAdvantagesArgs& a) {
  TX_RETURN_IF_ERROR(check_grouped_advantages(a));
  int64_t bad = -1;
  TX_RETURN_IF_ERROR(ops::dispatch(a.rewards, "rewards", [&] { bad = cpu::grouped_advantages(a); return Status::ok(); },
                                   [&] { return TX_CUDA(cuda::grouped_advantages(a, &bad, nullptr)); }));
  if (bad >= 0) return non_finite_reward(bad);
  return Status::ok();
}

}  // namespace tx

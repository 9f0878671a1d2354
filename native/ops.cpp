// Argument checks and device dispatch: the only file that knows both cpu/ and cuda/.
// Every message names the argument as the JS API spells it.
#include "tx/ops.h"

#include <string>

#include "check.h"
#include "cpu/cpu_ops.h"
#include "tx/device.h"

#ifdef TX_HAVE_CUDA
#include "cuda/cuda_ops.h"
#endif

namespace tx {

namespace {

Status cuda_available(const char* what) {
#ifdef TX_HAVE_CUDA
  const CudaReport& r = cuda_report();
  if (!r.usable) return {Code::kDevice, std::string(what) + " is on CUDA but CUDA is not usable: " + r.reason};
  return Status::ok();
#else
  return {Code::kDevice, std::string(what) + " is on CUDA but this build has no CUDA support"};
#endif
}

Status non_finite_reward(int64_t index) {
  return {Code::kRange, "rewards[" + std::to_string(index) + "] is not finite (NaN or Inf)"};
}

Status check_grouped_advantages(const GroupedAdvantagesArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.rewards, "rewards", DType::kF32));
  const int64_t rows = a.rewards.shape[0];
  if (rows > INT32_MAX) return {Code::kShape, "rewards has more than 2^31-1 entries"};
  TX_RETURN_IF_ERROR(check::offsets(a.group_offsets, "groupOffsets", rows, "rewards.length"));
  const int64_t groups = a.group_offsets.shape[0] - 1;
  if (a.mode != AdvantageMode::kGrpo && a.mode != AdvantageMode::kDrGrpo && a.mode != AdvantageMode::kRloo) {
    return {Code::kRange, "opts.mode must be 'grpo', 'drgrpo' or 'rloo'"};
  }
  if (a.std_kind != StdKind::kUnbiased && a.std_kind != StdKind::kBiased) {
    return {Code::kRange, "opts.std must be 'unbiased' or 'biased'"};
  }
  TX_RETURN_IF_ERROR(check::finite_non_negative(a.eps, "opts.eps"));

  TX_RETURN_IF_ERROR(check::vector(a.advantages, "advantages", DType::kF32, rows));
  TX_RETURN_IF_ERROR(check::vector(a.mean, "mean", DType::kF32, groups));
  TX_RETURN_IF_ERROR(check::vector(a.std, "std", DType::kF32, groups));
  TX_RETURN_IF_ERROR(check::vector(a.zero_variance, "zeroVariance", DType::kU8, groups));
  TX_RETURN_IF_ERROR(check::same_device(a.advantages, "advantages", a.rewards, "rewards"));
  TX_RETURN_IF_ERROR(check::same_device(a.mean, "mean", a.rewards, "rewards"));
  TX_RETURN_IF_ERROR(check::same_device(a.std, "std", a.rewards, "rewards"));
  TX_RETURN_IF_ERROR(check::same_device(a.zero_variance, "zeroVariance", a.rewards, "rewards"));

  if (a.response_mask.defined() && !a.seq_offsets.defined()) {
    return {Code::kShape, "opts.responseMask needs opts.seqOffsets (which tokens belong to which rollout)"};
  }
  if (a.seq_offsets.defined()) {
    if (a.seq_offsets.dtype == DType::kI32 && a.seq_offsets.ndim == 1 && a.seq_offsets.shape[0] != rows + 1) {
      return {Code::kShape, "opts.seqOffsets must have length rewards.length + 1 = " + std::to_string(rows + 1) +
                                ", got " + std::to_string(a.seq_offsets.shape[0])};
    }
    // The token count is whatever the last offset says; the mask and output must agree.
    int64_t tokens = 0;
    if (a.seq_offsets.dtype == DType::kI32 && a.seq_offsets.ndim == 1 && a.seq_offsets.device == Device::kCpu) {
      tokens = a.seq_offsets.as<const int32_t>()[rows];
    }
    if (a.response_mask.defined()) {
      TX_RETURN_IF_ERROR(check::vector(a.response_mask, "opts.responseMask", DType::kU8));
      if (a.rewards.device == Device::kCpu) TX_RETURN_IF_ERROR(check::on_host(a.response_mask, "opts.responseMask"));
      tokens = a.response_mask.shape[0];
    }
    TX_RETURN_IF_ERROR(check::offsets(a.seq_offsets, "opts.seqOffsets", tokens,
                                      a.response_mask.defined() ? "opts.responseMask.length" : "the token count"));
    TX_RETURN_IF_ERROR(check::vector(a.token_advantages, "tokenAdvantages", DType::kF32, tokens));
    TX_RETURN_IF_ERROR(check::same_device(a.token_advantages, "tokenAdvantages", a.rewards, "rewards"));
  }
  return Status::ok();
}

}  // namespace

Status grouped_advantages(const GroupedAdvantagesArgs& a) {
  TX_RETURN_IF_ERROR(check_grouped_advantages(a));
  if (a.rewards.device == Device::kCuda) {
    TX_RETURN_IF_ERROR(cuda_available("rewards"));
#ifdef TX_HAVE_CUDA
    int64_t bad = -1;
    TX_RETURN_IF_ERROR(cuda::grouped_advantages(a, &bad, nullptr));
    if (bad >= 0) return non_finite_reward(bad);
    return Status::ok();
#endif
  }
  const int64_t bad = cpu::grouped_advantages(a);
  if (bad >= 0) return non_finite_reward(bad);
  return Status::ok();
}

}  // namespace tx

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

// ---- GRPO loss (appended block; KERNELS.md section 4) ----
// Includes kept inside the block so op families merge without touching each other's lines.
#include <climits>
#include <cmath>
#include <utility>

namespace tx {

namespace {

Status grpo_cuda_available() {
#ifdef TX_HAVE_CUDA
  const CudaReport& r = cuda_report();
  if (!r.usable) return {Code::kDevice, "inputs.logp is on CUDA but CUDA is not usable: " + r.reason};
  return Status::ok();
#else
  return {Code::kDevice, "inputs.logp is on CUDA but this build has no CUDA support"};
#endif
}

Status finite_in(double v, double lo, double hi, bool lo_open, const char* name, const char* range) {
  if (!std::isfinite(v) || v > hi || (lo_open ? v <= lo : v < lo)) {
    return {Code::kRange, std::string(name) + " must be in " + range + ", got " + std::to_string(v)};
  }
  return Status::ok();
}

// Names which input is not finite at token t (reads one element of each, host or device).
Status non_finite_token(const GrpoLossArgs& a, int64_t t) {
  const std::pair<const TensorView*, const char*> inputs[] = {
      {&a.logp, "inputs.logp"}, {&a.old_logp, "inputs.oldLogp"}, {&a.advantages, "inputs.advantages"},
      {&a.ref_logp, "inputs.refLogp"}};
  for (const auto& [view, name] : inputs) {
    if (!view->defined()) continue;
    float v = 0;
    if (view->device == Device::kCpu) {
      v = view->as<const float>()[t];
    } else {
      TX_RETURN_IF_ERROR(cuda_copy_to_host(&v, view->as<const float>() + t, sizeof(float), view->device_index));
    }
    if (!std::isfinite(v)) {
      return {Code::kRange, std::string(name) + "[" + std::to_string(t) + "] is not finite (" + std::to_string(v) +
                                ") on a masked token"};
    }
  }
  return {Code::kRange, "a masked token has a non-finite input at index " + std::to_string(t)};
}

}  // namespace

Status validate_grpo_loss_inputs(const GrpoLossArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.logp, "inputs.logp", DType::kF32));
  const int64_t n = a.logp.shape[0];
  if (n > INT32_MAX) return {Code::kShape, "inputs.logp has more than 2^31-1 entries"};
  TX_RETURN_IF_ERROR(check::vector(a.old_logp, "inputs.oldLogp", DType::kF32, n));
  TX_RETURN_IF_ERROR(check::vector(a.advantages, "inputs.advantages", DType::kF32, n));
  TX_RETURN_IF_ERROR(check::vector(a.mask, "inputs.mask", DType::kU8, n));
  TX_RETURN_IF_ERROR(check::same_device(a.old_logp, "inputs.oldLogp", a.logp, "inputs.logp"));
  TX_RETURN_IF_ERROR(check::same_device(a.advantages, "inputs.advantages", a.logp, "inputs.logp"));
  TX_RETURN_IF_ERROR(check::same_device(a.mask, "inputs.mask", a.logp, "inputs.logp"));
  if (a.ref_logp.defined()) {
    TX_RETURN_IF_ERROR(check::vector(a.ref_logp, "inputs.refLogp", DType::kF32, n));
    TX_RETURN_IF_ERROR(check::same_device(a.ref_logp, "inputs.refLogp", a.logp, "inputs.logp"));
  }
  TX_RETURN_IF_ERROR(check::offsets(a.seq_offsets, "inputs.seqOffsets", n, "inputs.logp.length"));
  TX_RETURN_IF_ERROR(finite_in(a.clip_low, 0, 1, false, "cfg.clipLow", "[0, 1)"));
  if (a.clip_low >= 1) return {Code::kRange, "cfg.clipLow must be in [0, 1), got " + std::to_string(a.clip_low)};
  TX_RETURN_IF_ERROR(check::finite_non_negative(a.clip_high, "cfg.clipHigh"));
  if (a.dual_clip != 0) TX_RETURN_IF_ERROR(finite_in(a.dual_clip, 1, 1e300, true, "cfg.dualClip", "(1, inf) or 0 (off)"));
  TX_RETURN_IF_ERROR(check::finite_non_negative(a.kl_coef, "cfg.klCoef"));
  if (a.kl_coef > 0 && !a.ref_logp.defined()) return {Code::kShape, "cfg.klCoef > 0 needs inputs.refLogp"};
  if (a.kl_type != KlType::kK1 && a.kl_type != KlType::kK2 && a.kl_type != KlType::kK3) {
    return {Code::kRange, "cfg.klType must be 'k1', 'k2' or 'k3'"};
  }
  if (a.aggregation != LossAggregation::kTokenMean && a.aggregation != LossAggregation::kSeqMeanTokenMean &&
      a.aggregation != LossAggregation::kSeqMeanTokenSum && a.aggregation != LossAggregation::kSeqMeanTokenSumNorm) {
    return {Code::kRange,
            "cfg.aggregation must be 'token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum' or "
            "'seq-mean-token-sum-norm'"};
  }
  if (a.has_norm_constant) TX_RETURN_IF_ERROR(finite_in(a.norm_constant, 0, 1e300, true, "cfg.normConstant", "(0, inf)"));
  return Status::ok();
}

Status grpo_loss(const GrpoLossArgs& a, GrpoLossResult* result) {
  TX_RETURN_IF_ERROR(validate_grpo_loss_inputs(a));
  TX_RETURN_IF_ERROR(check::vector(a.grad_logp, "gradLogp", DType::kF32, a.logp.shape[0]));
  TX_RETURN_IF_ERROR(check::same_device(a.grad_logp, "gradLogp", a.logp, "inputs.logp"));
  int64_t bad = -1;
  if (a.logp.device == Device::kCuda) {
    TX_RETURN_IF_ERROR(grpo_cuda_available());
#ifdef TX_HAVE_CUDA
    TX_RETURN_IF_ERROR(cuda::grpo_loss(a, result, &bad, nullptr));
#endif
  } else {
    bad = cpu::grpo_loss(a, result);
  }
  if (bad >= 0) return non_finite_token(a, bad);
  return Status::ok();
}

}  // namespace tx

// ---- AdamW (appended block; KERNELS.md section 5) ----
#include <cmath>

namespace tx {

Status validate_adamw_inputs(const AdamWArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.params, "params", DType::kF32));
  const int64_t n = a.params.shape[0];
  TX_RETURN_IF_ERROR(check::vector(a.grads, "grads", DType::kF32, n));
  TX_RETURN_IF_ERROR(check::vector(a.exp_avg, "expAvg", DType::kF32, n));
  TX_RETURN_IF_ERROR(check::vector(a.exp_avg_sq, "expAvgSq", DType::kF32, n));
  TX_RETURN_IF_ERROR(check::same_device(a.grads, "grads", a.params, "params"));
  TX_RETURN_IF_ERROR(check::same_device(a.exp_avg, "expAvg", a.params, "params"));
  TX_RETURN_IF_ERROR(check::same_device(a.exp_avg_sq, "expAvgSq", a.params, "params"));
  TX_RETURN_IF_ERROR(check::finite_non_negative(a.lr, "cfg.lr"));
  TX_RETURN_IF_ERROR(check::finite_non_negative(a.weight_decay, "cfg.weightDecay"));
  TX_RETURN_IF_ERROR(check::finite_non_negative(a.max_grad_norm, "cfg.maxGradNorm"));
  if (!(a.beta1 >= 0 && a.beta1 < 1)) return {Code::kRange, "cfg.beta1 must be in [0, 1), got " + std::to_string(a.beta1)};
  if (!(a.beta2 >= 0 && a.beta2 < 1)) return {Code::kRange, "cfg.beta2 must be in [0, 1), got " + std::to_string(a.beta2)};
  if (!(a.eps > 0) || !std::isfinite(a.eps)) return {Code::kRange, "cfg.eps must be a finite number > 0, got " + std::to_string(a.eps)};
  if (a.step < 1) return {Code::kRange, "cfg.step must be >= 1 (1-based, counting this update), got " + std::to_string(a.step)};
  return Status::ok();
}

Status adamw_step(const AdamWArgs& a, AdamWResult* result) {
  TX_RETURN_IF_ERROR(validate_adamw_inputs(a));
  bool finite = true;
  if (a.params.device == Device::kCuda) {
#ifdef TX_HAVE_CUDA
    const CudaReport& r = cuda_report();
    if (!r.usable) return {Code::kDevice, "params is on CUDA but CUDA is not usable: " + r.reason};
    TX_RETURN_IF_ERROR(cuda::adamw_step(a, result, &finite, nullptr));
#else
    return {Code::kDevice, "params is on CUDA but this build has no CUDA support"};
#endif
  } else {
    finite = cpu::adamw_step(a, result);
  }
  if (!finite) return {Code::kRange, "grads has a non-finite value (global norm " + std::to_string(result->grad_norm) +
                                         "); nothing was updated"};
  return Status::ok();
}

}  // namespace tx

// ---- Sampling (appended block; KERNELS.md section 5) ----
namespace tx {

Status validate_sample_inputs(const SampleArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.logits, "logits", DType::kF32));
  if (a.vocab < 1 || a.vocab > INT32_MAX) return {Code::kRange, "vocab must be in [1, 2^31-1], got " + std::to_string(a.vocab)};
  if (a.logits.shape[0] % a.vocab != 0) {
    return {Code::kShape, "logits.length " + std::to_string(a.logits.shape[0]) + " is not a multiple of vocab " +
                              std::to_string(a.vocab)};
  }
  const int64_t rows = a.logits.shape[0] / a.vocab;
  TX_RETURN_IF_ERROR(check::vector(a.seq_ids, "seqIds", DType::kI32, rows));
  TX_RETURN_IF_ERROR(check::on_host(a.seq_ids, "seqIds"));
  TX_RETURN_IF_ERROR(check::vector(a.positions, "positions", DType::kI32, rows));
  TX_RETURN_IF_ERROR(check::on_host(a.positions, "positions"));
  if (a.seed > (uint64_t{1} << 53)) return {Code::kRange, "opts.seed must be an integer in [0, 2^53]"};
  TX_RETURN_IF_ERROR(check::finite_non_negative(a.temperature, "opts.temperature"));
  if (a.top_k < 0) return {Code::kRange, "opts.topK must be >= 0 (0 = off), got " + std::to_string(a.top_k)};
  if (!(a.top_p > 0 && a.top_p <= 1)) return {Code::kRange, "opts.topP must be in (0, 1], got " + std::to_string(a.top_p)};
  return Status::ok();
}

Status sample(const SampleArgs& a) {
  TX_RETURN_IF_ERROR(validate_sample_inputs(a));
  TX_RETURN_IF_ERROR(check::vector(a.tokens, "tokens", DType::kI32, a.logits.shape[0] / a.vocab));
  TX_RETURN_IF_ERROR(check::same_device(a.tokens, "tokens", a.logits, "logits"));
  int64_t bad = -1;
  bool empty_row = false;
  if (a.logits.device == Device::kCuda) {
#ifdef TX_HAVE_CUDA
    const CudaReport& r = cuda_report();
    if (!r.usable) return {Code::kDevice, "logits is on CUDA but CUDA is not usable: " + r.reason};
    TX_RETURN_IF_ERROR(cuda::sample(a, &bad, &empty_row, nullptr));
#else
    return {Code::kDevice, "logits is on CUDA but this build has no CUDA support"};
#endif
  } else {
    bad = cpu::sample(a, &empty_row);
  }
  if (bad < 0) return Status::ok();
  if (empty_row) return {Code::kRange, "logits row " + std::to_string(bad) + " has no finite value (all -Infinity)"};
  return {Code::kRange, "logits[" + std::to_string(bad) + "] is NaN or +Infinity (row " + std::to_string(bad / a.vocab) + ")"};
}

}  // namespace tx

// ---- GEMM (appended block; KERNELS.md section 5) ----
namespace tx {

Status gemm(const GemmArgs& g) {
  if (g.m < 0 || g.n < 0 || g.k < 0) return {Code::kRange, "m, n and k must be >= 0"};
  TX_RETURN_IF_ERROR(check::vector(g.a, "a", DType::kF32, g.m * g.k));
  TX_RETURN_IF_ERROR(check::vector(g.b, "b", DType::kF32, g.k * g.n));
  TX_RETURN_IF_ERROR(check::vector(g.c, "c", DType::kF32, g.m * g.n));
  TX_RETURN_IF_ERROR(check::on_host(g.a, "a"));
  TX_RETURN_IF_ERROR(check::on_host(g.b, "b"));
  TX_RETURN_IF_ERROR(check::on_host(g.c, "c"));
  if (!std::isfinite(g.alpha)) return {Code::kRange, "opts.alpha must be finite"};
  if (!std::isfinite(g.beta)) return {Code::kRange, "opts.beta must be finite"};
  cpu::gemm(g);
  return Status::ok();
}

}  // namespace tx

// GRPO policy loss (docs/kernels.md section 4): argument checks, each message naming the
// argument as the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/grpo_loss.h"

#include <climits>
#include <cmath>
#include <string>
#include <utility>

#include "check.h"
#include "cpu/grpo_loss.h"
#include "ops/dispatch.h"
#include "tx/device.h"

#ifdef TX_HAVE_CUDA
#include "cuda/grpo_loss.h"
#endif

namespace tx {

namespace {

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
  if (!std::isfinite(a.clip_low) || a.clip_low < 0 || a.clip_low >= 1) {
    return {Code::kRange, "cfg.clipLow must be in [0, 1), got " + std::to_string(a.clip_low)};
  }
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
  TX_RETURN_IF_ERROR(ops::dispatch(a.logp, "inputs.logp", [&] { bad = cpu::grpo_loss(a, result); return Status::ok(); },
                                   [&] { return TX_CUDA(cuda::grpo_loss(a, result, &bad, nullptr)); }));
  if (bad >= 0) return non_finite_token(a, bad);
  return Status::ok();
}

}  // namespace tx

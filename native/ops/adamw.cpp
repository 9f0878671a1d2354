// AdamW (docs/kernels.md section 5): argument checks, each message naming the argument as
// the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/adamw.h"

#include <cmath>
#include <string>

#include "check.h"
#include "cpu/adamw.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/adamw.h"
#endif

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
  TX_RETURN_IF_ERROR(ops::dispatch(a.params, "params", [&] { finite = cpu::adamw_step(a, result); return Status::ok(); },
                                   [&] { return TX_CUDA(cuda::adamw_step(a, result, &finite, nullptr)); }));
  if (!finite) return {Code::kRange, "grads has a non-finite value (global norm " + std::to_string(result->grad_norm) +
                                         "); nothing was updated"};
  return Status::ok();
}

}  // namespace tx

// RMSNorm (docs/kernels.md section 8): argument checks, each message naming the
// argument as the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/rms_norm.h"

#include <cmath>
#include <string>

#include "check.h"
#include "cpu/rms_norm.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/model_ops.h"
#endif

namespace tx {

Status validate_rms_norm_inputs(const RmsNormArgs& a) {
  TX_RETURN_IF_ERROR(check::dim(a.rows, "rows", 0));
  TX_RETURN_IF_ERROR(check::dim(a.dim, "dim", 1));
  TX_RETURN_IF_ERROR(check::product(a.rows, a.dim, "rows * dim"));
  TX_RETURN_IF_ERROR(check::vector(a.x, "x", DType::kF32, a.rows * a.dim));
  TX_RETURN_IF_ERROR(check::f32_like(a.weight, "weight", a.dim, a.x, "x"));
  if (!(a.eps > 0) || !std::isfinite(a.eps)) return {Code::kRange, "opts.eps must be a finite number > 0, got " + std::to_string(a.eps)};
  return ops::usable_device(a.x, "x");
}

Status rms_norm(const RmsNormArgs& a) {
  TX_RETURN_IF_ERROR(validate_rms_norm_inputs(a));
  TX_RETURN_IF_ERROR(check::f32_like(a.out, "out", a.rows * a.dim, a.x, "x"));
  TX_RETURN_IF_ERROR(check::f32_like(a.rstd, "rstd", a.rows, a.x, "x"));
  return ops::dispatch(a.x, "x", [&] { cpu::rms_norm(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::rms_norm(a, nullptr)); });
}

Status validate_rms_norm_backward_inputs(const RmsNormBackwardArgs& a) {
  TX_RETURN_IF_ERROR(check::dim(a.rows, "rows", 0));
  TX_RETURN_IF_ERROR(check::dim(a.dim, "dim", 1));
  TX_RETURN_IF_ERROR(check::product(a.rows, a.dim, "rows * dim"));
  TX_RETURN_IF_ERROR(check::vector(a.x, "x", DType::kF32, a.rows * a.dim));
  TX_RETURN_IF_ERROR(check::f32_like(a.weight, "weight", a.dim, a.x, "x"));
  TX_RETURN_IF_ERROR(check::f32_like(a.rstd, "rstd", a.rows, a.x, "x"));
  TX_RETURN_IF_ERROR(check::f32_like(a.grad_out, "gradOut", a.rows * a.dim, a.x, "x"));
  return ops::usable_device(a.x, "x");
}

Status rms_norm_backward(const RmsNormBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_rms_norm_backward_inputs(a));
  TX_RETURN_IF_ERROR(check::f32_like(a.grad_x, "gradX", a.rows * a.dim, a.x, "x"));
  TX_RETURN_IF_ERROR(check::f32_like(a.grad_weight, "gradWeight", a.dim, a.x, "x"));
  return ops::dispatch(a.x, "x", [&] { cpu::rms_norm_backward(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::rms_norm_backward(a, nullptr)); });
}

}  // namespace tx

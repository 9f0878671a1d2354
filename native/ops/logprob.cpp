// Log-prob gathering (docs/kernels.md section 2): argument checks, each message naming the
// argument as the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/logprob.h"

#include <cmath>
#include <string>

#include "check.h"
#include "cpu/logprob.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/logprob.h"
#endif

namespace tx {

namespace {

std::string dev_name(const TensorView& t) {
  return t.device == Device::kCpu ? std::string("cpu") : "cuda:" + std::to_string(t.device_index);
}

// A defined, contiguous 2-D tensor of one of the allowed dtypes (second may be the first).
Status matrix(const TensorView& t, const char* name, DType d1, DType d2 = DType::kF32) {
  if (t.data == nullptr && t.numel() != 0) return {Code::kShape, std::string(name) + " is missing"};
  if (t.dtype != d1 && t.dtype != d2) {
    return {Code::kDtype, std::string(name) + " must be " + dtype_name(d1) +
                              (d1 != d2 ? std::string(" or ") + dtype_name(d2) : std::string()) + ", got " +
                              dtype_name(t.dtype)};
  }
  if (t.ndim != 2) return {Code::kShape, std::string(name) + " must be 2-D, got shape " + t.shape_string()};
  if (!t.is_contiguous()) return {Code::kShape, std::string(name) + " must be contiguous"};
  return Status::ok();
}

Status temperature(double value) {
  if (!std::isfinite(value) || value <= 0) {
    return {Code::kRange, "opts.temperature must be a finite number > 0, got " + std::to_string(value)};
  }
  return Status::ok();
}

// Targets: host i32[N], each in [0, V) or equal to ignoreIndex.
Status targets(const TensorView& t, int64_t n, int64_t v, int32_t ignore_index) {
  TX_RETURN_IF_ERROR(check::vector(t, "targets", DType::kI32, n));
  TX_RETURN_IF_ERROR(check::on_host(t, "targets"));
  const int32_t* p = t.as<const int32_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (p[i] == ignore_index) continue;
    if (p[i] < 0 || p[i] >= v) {
      return {Code::kRange, "targets[" + std::to_string(i) + "] = " + std::to_string(p[i]) + " is outside [0, " +
                                std::to_string(v) + ") and is not opts.ignoreIndex (" + std::to_string(ignore_index) +
                                ")"};
    }
  }
  return Status::ok();
}

Status bf16_needs_cuda(const TensorView& t, const char* name) {
  if (t.dtype == DType::kBF16 && t.device == Device::kCpu) {
    return {Code::kDtype, std::string(name) + " is bf16 in host memory: bf16 is supported on CUDA only (" +
                              dev_name(t) + " needs f32)"};
  }
  return Status::ok();
}

Status linear_shapes(const TensorView& hidden, const TensorView& weight) {
  TX_RETURN_IF_ERROR(matrix(hidden, "hidden", DType::kF32));
  TX_RETURN_IF_ERROR(matrix(weight, "weight", DType::kF32));
  if (weight.shape[1] != hidden.shape[1]) {
    return {Code::kShape, "weight must have shape [V, " + std::to_string(hidden.shape[1]) +
                              "] (Dm from hidden " + hidden.shape_string() + "), got " + weight.shape_string()};
  }
  return check::same_device(weight, "weight", hidden, "hidden");
}

}  // namespace

Status validate_logprobs_inputs(const LogprobsArgs& a) {
  TX_RETURN_IF_ERROR(matrix(a.logits, "logits", DType::kF32, DType::kBF16));
  TX_RETURN_IF_ERROR(bf16_needs_cuda(a.logits, "logits"));
  TX_RETURN_IF_ERROR(temperature(a.temperature));
  return targets(a.targets, a.logits.shape[0], a.logits.shape[1], a.ignore_index);
}

Status validate_logprobs_backward_inputs(const LogprobsBackwardArgs& a) {
  TX_RETURN_IF_ERROR(matrix(a.logits, "logits", DType::kF32, DType::kBF16));
  TX_RETURN_IF_ERROR(bf16_needs_cuda(a.logits, "logits"));
  TX_RETURN_IF_ERROR(temperature(a.temperature));
  const int64_t n = a.logits.shape[0];
  TX_RETURN_IF_ERROR(targets(a.targets, n, a.logits.shape[1], a.ignore_index));
  TX_RETURN_IF_ERROR(check::f32_like(a.lse, "lse", n, a.logits, "logits"));
  TX_RETURN_IF_ERROR(check::f32_like(a.grad_logp, "gradLogp", n, a.logits, "logits"));
  if (a.grad_entropy.defined()) TX_RETURN_IF_ERROR(check::f32_like(a.grad_entropy, "opts.gradEntropy", n, a.logits, "logits"));
  return Status::ok();
}

Status validate_linear_logprobs_inputs(const LinearLogprobsArgs& a) {
  TX_RETURN_IF_ERROR(linear_shapes(a.hidden, a.weight));
  TX_RETURN_IF_ERROR(temperature(a.temperature));
  return targets(a.targets, a.hidden.shape[0], a.weight.shape[0], a.ignore_index);
}

Status validate_linear_logprobs_backward_inputs(const LinearLogprobsBackwardArgs& a) {
  TX_RETURN_IF_ERROR(linear_shapes(a.hidden, a.weight));
  TX_RETURN_IF_ERROR(temperature(a.temperature));
  const int64_t n = a.hidden.shape[0];
  TX_RETURN_IF_ERROR(targets(a.targets, n, a.weight.shape[0], a.ignore_index));
  TX_RETURN_IF_ERROR(check::f32_like(a.lse, "lse", n, a.hidden, "hidden"));
  TX_RETURN_IF_ERROR(check::f32_like(a.grad_logp, "gradLogp", n, a.hidden, "hidden"));
  if (a.grad_entropy.defined()) TX_RETURN_IF_ERROR(check::f32_like(a.grad_entropy, "opts.gradEntropy", n, a.hidden, "hidden"));
  return Status::ok();
}

namespace {

Status same_matrix(const TensorView& t, const char* name, const TensorView& ref, const char* ref_name) {
  TX_RETURN_IF_ERROR(matrix(t, name, ref.dtype, ref.dtype));
  if (t.shape[0] != ref.shape[0] || t.shape[1] != ref.shape[1]) {
    return {Code::kShape, std::string(name) + " must have the shape of " + ref_name + " " + ref.shape_string() +
                              ", got " + t.shape_string()};
  }
  return check::same_device(t, name, ref, ref_name);
}

Status forward_outputs(const TensorView& logp, const TensorView& entropy, const TensorView& lse, int64_t n,
                       const TensorView& ref, const char* ref_name) {
  TX_RETURN_IF_ERROR(check::f32_like(logp, "logp", n, ref, ref_name));
  if (entropy.defined()) TX_RETURN_IF_ERROR(check::f32_like(entropy, "entropy", n, ref, ref_name));
  return check::f32_like(lse, "lse", n, ref, ref_name);
}

}  // namespace

Status logprobs(const LogprobsArgs& a) {
  TX_RETURN_IF_ERROR(validate_logprobs_inputs(a));
  TX_RETURN_IF_ERROR(forward_outputs(a.logp, a.entropy, a.lse, a.logits.shape[0], a.logits, "logits"));
  return ops::dispatch(a.logits, "logits", [&] { cpu::logprobs(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::logprobs(a, nullptr)); });
}

Status logprobs_backward(const LogprobsBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_logprobs_backward_inputs(a));
  TX_RETURN_IF_ERROR(same_matrix(a.grad_logits, "gradLogits", a.logits, "logits"));
  return ops::dispatch(a.logits, "logits", [&] { cpu::logprobs_backward(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::logprobs_backward(a, nullptr)); });
}

Status linear_logprobs(const LinearLogprobsArgs& a) {
  TX_RETURN_IF_ERROR(validate_linear_logprobs_inputs(a));
  TX_RETURN_IF_ERROR(forward_outputs(a.logp, a.entropy, a.lse, a.hidden.shape[0], a.hidden, "hidden"));
  return ops::dispatch(a.hidden, "hidden", [&] { cpu::linear_logprobs(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::linear_logprobs(a, nullptr)); });
}

Status linear_logprobs_backward(const LinearLogprobsBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_linear_logprobs_backward_inputs(a));
  TX_RETURN_IF_ERROR(same_matrix(a.grad_hidden, "gradHidden", a.hidden, "hidden"));
  TX_RETURN_IF_ERROR(same_matrix(a.grad_weight, "gradWeight", a.weight, "weight"));
  return ops::dispatch(a.hidden, "hidden", [&] { cpu::linear_logprobs_backward(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::linear_logprobs_backward(a, nullptr)); });
}

}  // namespace tx

// Argument checks and device dispatch: the only file that knows both cpu/ and cuda/.
// Every message names the argument as the JS API spells it.
#include "tx/ops.h"

#include <cmath>
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

// ---- 2. Log-prob gathering ----

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

// A per-row f32 vector on the device of `ref`.
Status row_vector(const TensorView& t, const char* name, int64_t n, const TensorView& ref, const char* ref_name) {
  TX_RETURN_IF_ERROR(check::vector(t, name, DType::kF32, n));
  return check::same_device(t, name, ref, ref_name);
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
  TX_RETURN_IF_ERROR(row_vector(a.lse, "lse", n, a.logits, "logits"));
  TX_RETURN_IF_ERROR(row_vector(a.grad_logp, "gradLogp", n, a.logits, "logits"));
  if (a.grad_entropy.defined()) TX_RETURN_IF_ERROR(row_vector(a.grad_entropy, "opts.gradEntropy", n, a.logits, "logits"));
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
  TX_RETURN_IF_ERROR(row_vector(a.lse, "lse", n, a.hidden, "hidden"));
  TX_RETURN_IF_ERROR(row_vector(a.grad_logp, "gradLogp", n, a.hidden, "hidden"));
  if (a.grad_entropy.defined()) TX_RETURN_IF_ERROR(row_vector(a.grad_entropy, "opts.gradEntropy", n, a.hidden, "hidden"));
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
  TX_RETURN_IF_ERROR(row_vector(logp, "logp", n, ref, ref_name));
  if (entropy.defined()) TX_RETURN_IF_ERROR(row_vector(entropy, "entropy", n, ref, ref_name));
  return row_vector(lse, "lse", n, ref, ref_name);
}

}  // namespace

Status logprobs(const LogprobsArgs& a) {
  TX_RETURN_IF_ERROR(validate_logprobs_inputs(a));
  TX_RETURN_IF_ERROR(forward_outputs(a.logp, a.entropy, a.lse, a.logits.shape[0], a.logits, "logits"));
  if (a.logits.device == Device::kCuda) {
    TX_RETURN_IF_ERROR(cuda_available("logits"));
#ifdef TX_HAVE_CUDA
    return cuda::logprobs(a, nullptr);
#endif
  }
  cpu::logprobs(a);
  return Status::ok();
}

Status logprobs_backward(const LogprobsBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_logprobs_backward_inputs(a));
  TX_RETURN_IF_ERROR(same_matrix(a.grad_logits, "gradLogits", a.logits, "logits"));
  if (a.logits.device == Device::kCuda) {
    TX_RETURN_IF_ERROR(cuda_available("logits"));
#ifdef TX_HAVE_CUDA
    return cuda::logprobs_backward(a, nullptr);
#endif
  }
  cpu::logprobs_backward(a);
  return Status::ok();
}

Status linear_logprobs(const LinearLogprobsArgs& a) {
  TX_RETURN_IF_ERROR(validate_linear_logprobs_inputs(a));
  TX_RETURN_IF_ERROR(forward_outputs(a.logp, a.entropy, a.lse, a.hidden.shape[0], a.hidden, "hidden"));
  if (a.hidden.device == Device::kCuda) {
    TX_RETURN_IF_ERROR(cuda_available("hidden"));
#ifdef TX_HAVE_CUDA
    return cuda::linear_logprobs(a, nullptr);
#endif
  }
  cpu::linear_logprobs(a);
  return Status::ok();
}

Status linear_logprobs_backward(const LinearLogprobsBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_linear_logprobs_backward_inputs(a));
  TX_RETURN_IF_ERROR(same_matrix(a.grad_hidden, "gradHidden", a.hidden, "hidden"));
  TX_RETURN_IF_ERROR(same_matrix(a.grad_weight, "gradWeight", a.weight, "weight"));
  if (a.hidden.device == Device::kCuda) {
    TX_RETURN_IF_ERROR(cuda_available("hidden"));
#ifdef TX_HAVE_CUDA
    return cuda::linear_logprobs_backward(a, nullptr);
#endif
  }
  cpu::linear_logprobs_backward(a);
  return Status::ok();
}

}  // namespace tx

// ---- 3. Attention (KERNELS.md section 3) ---------------------------------------------
#include <cmath>
#include <initializer_list>

namespace tx {

namespace {

// `name` must be a contiguous tensor of `dtype` with exactly `shape`.
Status attention_tensor(const TensorView& t, const char* name, DType dtype, std::initializer_list<int64_t> shape) {
  if (t.data == nullptr && t.numel() != 0) return {Code::kShape, std::string(name) + " is missing"};
  if (t.dtype != dtype) {
    return {Code::kDtype, std::string(name) + " must be " + dtype_name(dtype) + ", got " + dtype_name(t.dtype)};
  }
  bool same = t.ndim == static_cast<int>(shape.size());
  int i = 0;
  std::string want = "[";
  for (int64_t s : shape) {
    if (same && t.shape[i] != s) same = false;
    want += (i++ ? ", " : "") + std::to_string(s);
  }
  want += "]";
  if (!same) return {Code::kShape, std::string(name) + " must have shape " + want + ", got " + t.shape_string()};
  if (!t.is_contiguous()) return {Code::kShape, std::string(name) + " must be contiguous"};
  return Status::ok();
}

// q [N, Hq, D] and k, v [N', Hkv, D]: dtypes, ranks, heads, head size, devices.
Status attention_qkv(const TensorView& q, const TensorView& k, const TensorView& v, const char* kname,
                     const char* vname, int kv_rank) {
  if (q.ndim != 3) return {Code::kShape, "q must be 3-D [tokens, heads, headDim], got shape " + q.shape_string()};
  if (q.device == Device::kCpu && q.dtype != DType::kF32) {
    return {Code::kDtype, std::string("q must be f32 on the CPU, got ") + dtype_name(q.dtype)};
  }
  if (q.dtype != DType::kF32 && q.dtype != DType::kBF16) {
    return {Code::kDtype, std::string("q must be f32 or bf16, got ") + dtype_name(q.dtype)};
  }
  TX_RETURN_IF_ERROR(attention_tensor(q, "q", q.dtype, {q.shape[0], q.shape[1], q.shape[2]}));
  if (k.ndim != kv_rank) {
    return {Code::kShape, std::string(kname) + " must be " + std::to_string(kv_rank) + "-D, got shape " +
                              k.shape_string()};
  }
  const int64_t hq = q.shape[1], d = q.shape[2], hkv = k.shape[kv_rank - 2];
  if (d < 1 || hq < 1) return {Code::kShape, "q must have at least one head and headDim >= 1, got shape " + q.shape_string()};
  if (hkv < 1 || hq % hkv != 0) {
    return {Code::kShape, "q has " + std::to_string(hq) + " heads and " + kname + " has " + std::to_string(hkv) +
                              ": query heads must be a multiple of kv heads (Hq % Hkv == 0)"};
  }
  if (kv_rank == 3) {
    TX_RETURN_IF_ERROR(attention_tensor(k, kname, q.dtype, {q.shape[0], hkv, d}));
    TX_RETURN_IF_ERROR(attention_tensor(v, vname, q.dtype, {q.shape[0], hkv, d}));
  } else {
    TX_RETURN_IF_ERROR(attention_tensor(k, kname, q.dtype, {q.shape[0], k.shape[1], hkv, d}));
    TX_RETURN_IF_ERROR(attention_tensor(v, vname, q.dtype, {q.shape[0], k.shape[1], hkv, d}));
  }
  TX_RETURN_IF_ERROR(check::same_device(k, kname, q, "q"));
  TX_RETURN_IF_ERROR(check::same_device(v, vname, q, "q"));
  if (q.device == Device::kCuda && d != 64 && d != 128) {
    return {Code::kShape, "q.shape[2] (headDim) = " + std::to_string(d) + " is not supported on CUDA (64 or 128; any on the CPU)"};
  }
  return Status::ok();
}

Status attention_scale(double scale) { return check::finite_non_negative(scale, "opts.scale"); }

float resolve_scale(double scale, int64_t d) {
  return scale > 0 ? static_cast<float>(scale) : static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
}

Status attention_outputs_on(const TensorView& t, const char* name, const TensorView& q) {
  return check::same_device(t, name, q, "q");
}

}  // namespace

Status validate_attention_inputs(const AttentionArgs& a) {
  TX_RETURN_IF_ERROR(attention_qkv(a.q, a.k, a.v, "k", "v", 3));
  TX_RETURN_IF_ERROR(check::offsets(a.cu_seqlens, "cuSeqlens", a.q.shape[0], "q.shape[0] (total tokens)"));
  return attention_scale(a.scale);
}

Status attention(const AttentionArgs& a) {
  TX_RETURN_IF_ERROR(validate_attention_inputs(a));
  const int64_t nt = a.q.shape[0], hq = a.q.shape[1], d = a.q.shape[2];
  TX_RETURN_IF_ERROR(attention_tensor(a.out, "out", a.q.dtype, {nt, hq, d}));
  TX_RETURN_IF_ERROR(attention_tensor(a.lse, "lse", DType::kF32, {hq, nt}));
  TX_RETURN_IF_ERROR(attention_outputs_on(a.out, "out", a.q));
  TX_RETURN_IF_ERROR(attention_outputs_on(a.lse, "lse", a.q));
  const float scale = resolve_scale(a.scale, d);
  if (a.q.device == Device::kCuda) {
    TX_RETURN_IF_ERROR(cuda_available("q"));
#ifdef TX_HAVE_CUDA
    return cuda::attention(a, scale, nullptr);
#endif
  }
  cpu::attention(a, scale);
  return Status::ok();
}

Status validate_attention_backward_inputs(const AttentionBackwardArgs& a) {
  TX_RETURN_IF_ERROR(attention_qkv(a.q, a.k, a.v, "k", "v", 3));
  TX_RETURN_IF_ERROR(check::offsets(a.cu_seqlens, "cuSeqlens", a.q.shape[0], "q.shape[0] (total tokens)"));
  TX_RETURN_IF_ERROR(attention_scale(a.scale));
  const int64_t nt = a.q.shape[0], hq = a.q.shape[1], d = a.q.shape[2];
  TX_RETURN_IF_ERROR(attention_tensor(a.out, "out", a.q.dtype, {nt, hq, d}));
  TX_RETURN_IF_ERROR(attention_tensor(a.grad_out, "gradOut", a.q.dtype, {nt, hq, d}));
  TX_RETURN_IF_ERROR(attention_tensor(a.lse, "lse", DType::kF32, {hq, nt}));
  TX_RETURN_IF_ERROR(check::same_device(a.out, "out", a.q, "q"));
  TX_RETURN_IF_ERROR(check::same_device(a.grad_out, "gradOut", a.q, "q"));
  return check::same_device(a.lse, "lse", a.q, "q");
}

Status attention_backward(const AttentionBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_attention_backward_inputs(a));
  const int64_t nt = a.q.shape[0], hq = a.q.shape[1], d = a.q.shape[2], hkv = a.k.shape[1];
  TX_RETURN_IF_ERROR(attention_tensor(a.grad_q, "gradQ", a.q.dtype, {nt, hq, d}));
  TX_RETURN_IF_ERROR(attention_tensor(a.grad_k, "gradK", a.q.dtype, {nt, hkv, d}));
  TX_RETURN_IF_ERROR(attention_tensor(a.grad_v, "gradV", a.q.dtype, {nt, hkv, d}));
  TX_RETURN_IF_ERROR(attention_outputs_on(a.grad_q, "gradQ", a.q));
  TX_RETURN_IF_ERROR(attention_outputs_on(a.grad_k, "gradK", a.q));
  TX_RETURN_IF_ERROR(attention_outputs_on(a.grad_v, "gradV", a.q));
  const float scale = resolve_scale(a.scale, d);
  if (a.q.device == Device::kCuda) {
    TX_RETURN_IF_ERROR(cuda_available("q"));
#ifdef TX_HAVE_CUDA
    return cuda::attention_backward(a, scale, nullptr);
#endif
  }
  cpu::attention_backward(a, scale);
  return Status::ok();
}

Status validate_decode_attention_inputs(const DecodeAttentionArgs& a) {
  TX_RETURN_IF_ERROR(attention_qkv(a.q, a.k_cache, a.v_cache, "kCache", "vCache", 4));
  const int64_t batch = a.q.shape[0], tmax = a.k_cache.shape[1];
  TX_RETURN_IF_ERROR(check::on_host(a.lengths, "lengths"));
  TX_RETURN_IF_ERROR(check::vector(a.lengths, "lengths", DType::kI32, batch));
  const int32_t* len = a.lengths.as<const int32_t>();
  for (int64_t b = 0; b < batch; ++b) {
    if (len[b] < 1 || len[b] > tmax) {
      return {Code::kRange, "lengths[" + std::to_string(b) + "] = " + std::to_string(len[b]) +
                                " must be in [1, kCache.shape[1] = " + std::to_string(tmax) + "]"};
    }
  }
  return attention_scale(a.scale);
}

Status decode_attention(const DecodeAttentionArgs& a) {
  TX_RETURN_IF_ERROR(validate_decode_attention_inputs(a));
  const int64_t batch = a.q.shape[0], hq = a.q.shape[1], d = a.q.shape[2];
  TX_RETURN_IF_ERROR(attention_tensor(a.out, "out", a.q.dtype, {batch, hq, d}));
  TX_RETURN_IF_ERROR(attention_tensor(a.lse, "lse", DType::kF32, {batch, hq}));
  TX_RETURN_IF_ERROR(attention_outputs_on(a.out, "out", a.q));
  TX_RETURN_IF_ERROR(attention_outputs_on(a.lse, "lse", a.q));
  const float scale = resolve_scale(a.scale, d);
  if (a.q.device == Device::kCuda) {
    TX_RETURN_IF_ERROR(cuda_available("q"));
#ifdef TX_HAVE_CUDA
    return cuda::decode_attention(a, scale, nullptr);
#endif
  }
  cpu::decode_attention(a, scale);
  return Status::ok();
}

}  // namespace tx

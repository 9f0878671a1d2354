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

// ---- 3. Attention (docs/kernels.md section 3) ---------------------------------------------
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

// ---- GRPO loss (appended block; docs/kernels.md section 4) ----
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

// ---- AdamW (appended block; docs/kernels.md section 5) ----
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

// ---- Sampling (appended block; docs/kernels.md section 6) ----
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

// ---- GEMM (appended block; docs/kernels.md section 7) ----
namespace tx {

namespace {

// Device GEMM checks: a and b f32 or bf16 (the same), c f32, all on a's CUDA device.
Status validate_device_gemm(const GemmArgs& g) {
  const DType in = g.a.dtype;
  if (in != DType::kF32 && in != DType::kBF16) {
    return {Code::kDtype, std::string("a must be float32 or bfloat16 on CUDA, got ") + dtype_name(in)};
  }
  TX_RETURN_IF_ERROR(check::vector(g.a, "a", in, g.m * g.k));
  TX_RETURN_IF_ERROR(check::vector(g.b, "b", in, g.k * g.n));
  TX_RETURN_IF_ERROR(check::vector(g.c, "c", DType::kF32, g.m * g.n));
  TX_RETURN_IF_ERROR(check::same_device(g.b, "b", g.a, "a"));
  TX_RETURN_IF_ERROR(check::same_device(g.c, "c", g.a, "a"));
  // cuBLAS and the kernels index with int: keep every dimension and leading dimension in range.
  if (g.m > INT32_MAX || g.n > INT32_MAX || g.k > INT32_MAX) return {Code::kRange, "m, n and k must be < 2^31 on CUDA"};
  return cuda_available("a");
}

}  // namespace

Status gemm(const GemmArgs& g) {
  if (g.m < 0 || g.n < 0 || g.k < 0) return {Code::kRange, "m, n and k must be >= 0"};
  if (!std::isfinite(g.alpha)) return {Code::kRange, "opts.alpha must be finite"};
  if (!std::isfinite(g.beta)) return {Code::kRange, "opts.beta must be finite"};
  if (g.a.device == Device::kCuda) {
    TX_RETURN_IF_ERROR(validate_device_gemm(g));
#ifdef TX_HAVE_CUDA
    return cuda::gemm(g, nullptr);
#endif
  }
  TX_RETURN_IF_ERROR(check::vector(g.a, "a", DType::kF32, g.m * g.k));
  TX_RETURN_IF_ERROR(check::vector(g.b, "b", DType::kF32, g.k * g.n));
  TX_RETURN_IF_ERROR(check::vector(g.c, "c", DType::kF32, g.m * g.n));
  TX_RETURN_IF_ERROR(check::on_host(g.a, "a"));
  TX_RETURN_IF_ERROR(check::on_host(g.b, "b"));
  TX_RETURN_IF_ERROR(check::on_host(g.c, "c"));
  cpu::gemm(g);
  return Status::ok();
}

const char* gemm_cublas_library() {
#ifdef TX_HAVE_CUDA
  return cuda::gemm_cublas_library();
#else
  return "";
#endif
}

}  // namespace tx

// ---- Model ops: RMSNorm, RoPE, SwiGLU, embedding, residual add (appended block; docs/kernels.md sections 8-12) ----
#include <algorithm>

#include "cpu/cpu_ops.h"

namespace tx {

namespace {

// A dimension argument: >= 1 (or >= 0 for token/row counts) and small enough for i32 indexing.
Status model_dim(int64_t v, const char* name, int64_t min, int64_t max = INT32_MAX, const char* max_text = "2^31-1") {
  if (v < min || v > max) {
    return {Code::kRange, std::string(name) + " must be an integer in [" + std::to_string(min) + ", " + max_text + "], got " +
                              std::to_string(v)};
  }
  return Status::ok();
}

// The embedding backward's output is vocab * dim floats whatever the input sizes (an empty
// ids list may name any vocab): both are held to the model config's limits (vocab_size
// <= 2^24, hidden_size <= 2^16), so that two numbers cannot ask for gigabytes.
Status embedding_dims(int64_t vocab, int64_t dim) {
  TX_RETURN_IF_ERROR(model_dim(vocab, "vocab", 1, int64_t{1} << 24, "2^24"));
  return model_dim(dim, "dim", 1, int64_t{1} << 16, "2^16");
}

Status model_product(int64_t a, int64_t b, const char* what) {
  if (a != 0 && b > INT64_MAX / 4 / a) return {Code::kRange, std::string(what) + " is too large"};
  return Status::ok();
}

// f32 vector of `length` on the device of `ref` (checked against ref's device).
Status model_vec(const TensorView& t, const char* name, int64_t length, const TensorView& ref, const char* ref_name) {
  TX_RETURN_IF_ERROR(check::vector(t, name, DType::kF32, length));
  return check::same_device(t, name, ref, ref_name);
}

Status model_cuda(const TensorView& t, const char* name) {
  if (t.device != Device::kCuda) return Status::ok();
#ifdef TX_HAVE_CUDA
  const CudaReport& r = cuda_report();
  if (!r.usable) return {Code::kDevice, std::string(name) + " is on CUDA but CUDA is not usable: " + r.reason};
  return Status::ok();
#else
  return {Code::kDevice, std::string(name) + " is on CUDA but this build has no CUDA support"};
#endif
}

Status index_vector(const TensorView& t, const char* name, int64_t length, int64_t lo, int64_t hi, const char* hi_name) {
  TX_RETURN_IF_ERROR(check::vector(t, name, DType::kI32, length));
  TX_RETURN_IF_ERROR(check::on_host(t, name));
  const int32_t* p = t.as<const int32_t>();
  for (int64_t i = 0; i < length; ++i) {
    if (p[i] < lo || p[i] >= hi) {
      return {Code::kRange, std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(p[i]) + " is outside [" +
                                std::to_string(lo) + ", " + hi_name + ")"};
    }
  }
  return Status::ok();
}

}  // namespace

Status validate_rms_norm_inputs(const RmsNormArgs& a) {
  TX_RETURN_IF_ERROR(model_dim(a.rows, "rows", 0));
  TX_RETURN_IF_ERROR(model_dim(a.dim, "dim", 1));
  TX_RETURN_IF_ERROR(model_product(a.rows, a.dim, "rows * dim"));
  TX_RETURN_IF_ERROR(check::vector(a.x, "x", DType::kF32, a.rows * a.dim));
  TX_RETURN_IF_ERROR(model_vec(a.weight, "weight", a.dim, a.x, "x"));
  if (!(a.eps > 0) || !std::isfinite(a.eps)) return {Code::kRange, "opts.eps must be a finite number > 0, got " + std::to_string(a.eps)};
  return model_cuda(a.x, "x");
}

Status rms_norm(const RmsNormArgs& a) {
  TX_RETURN_IF_ERROR(validate_rms_norm_inputs(a));
  TX_RETURN_IF_ERROR(model_vec(a.out, "out", a.rows * a.dim, a.x, "x"));
  TX_RETURN_IF_ERROR(model_vec(a.rstd, "rstd", a.rows, a.x, "x"));
#ifdef TX_HAVE_CUDA
  if (a.x.device == Device::kCuda) return cuda::rms_norm(a, nullptr);
#endif
  cpu::rms_norm(a);
  return Status::ok();
}

Status validate_rms_norm_backward_inputs(const RmsNormBackwardArgs& a) {
  TX_RETURN_IF_ERROR(model_dim(a.rows, "rows", 0));
  TX_RETURN_IF_ERROR(model_dim(a.dim, "dim", 1));
  TX_RETURN_IF_ERROR(model_product(a.rows, a.dim, "rows * dim"));
  TX_RETURN_IF_ERROR(check::vector(a.x, "x", DType::kF32, a.rows * a.dim));
  TX_RETURN_IF_ERROR(model_vec(a.weight, "weight", a.dim, a.x, "x"));
  TX_RETURN_IF_ERROR(model_vec(a.rstd, "rstd", a.rows, a.x, "x"));
  TX_RETURN_IF_ERROR(model_vec(a.grad_out, "gradOut", a.rows * a.dim, a.x, "x"));
  return model_cuda(a.x, "x");
}

Status rms_norm_backward(const RmsNormBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_rms_norm_backward_inputs(a));
  TX_RETURN_IF_ERROR(model_vec(a.grad_x, "gradX", a.rows * a.dim, a.x, "x"));
  TX_RETURN_IF_ERROR(model_vec(a.grad_weight, "gradWeight", a.dim, a.x, "x"));
#ifdef TX_HAVE_CUDA
  if (a.x.device == Device::kCuda) return cuda::rms_norm_backward(a, nullptr);
#endif
  cpu::rms_norm_backward(a);
  return Status::ok();
}

Status validate_rope_inputs(const RopeArgs& a) {
  TX_RETURN_IF_ERROR(model_dim(a.tokens, "tokens", 0));
  TX_RETURN_IF_ERROR(model_dim(a.heads, "heads", 1));
  TX_RETURN_IF_ERROR(model_dim(a.head_dim, "headDim", 2));
  if (a.head_dim % 2 != 0) return {Code::kRange, "headDim must be even, got " + std::to_string(a.head_dim)};
  TX_RETURN_IF_ERROR(model_product(a.tokens, a.heads * a.head_dim, "tokens * heads * headDim"));
  TX_RETURN_IF_ERROR(check::vector(a.x, a.x_name, DType::kF32, a.tokens * a.heads * a.head_dim));
  if (!(a.theta > 1) || !std::isfinite(a.theta)) return {Code::kRange, "opts.theta must be a finite number > 1, got " + std::to_string(a.theta)};
  int64_t limit = INT32_MAX;
  if (a.table.defined()) {
    TX_RETURN_IF_ERROR(model_vec(a.table, "table", -1, a.x, a.x_name));
    if (a.table.numel() % a.head_dim != 0) return {Code::kShape, "table length must be a multiple of headDim"};
    limit = a.table.numel() / a.head_dim;
  }
  TX_RETURN_IF_ERROR(index_vector(a.positions, "positions", a.tokens, 0, limit, a.table.defined() ? "the table's positions" : "2^31-1"));
  return model_cuda(a.x, a.x_name);
}

Status rope_table(double theta, int64_t head_dim, int64_t positions, const TensorView& table) {
  if (head_dim < 2 || head_dim % 2 != 0) return {Code::kRange, "headDim must be even and >= 2"};
  if (!(theta > 1) || !std::isfinite(theta)) return {Code::kRange, "theta must be a finite number > 1"};
  TX_RETURN_IF_ERROR(check::vector(table, "table", DType::kF32, positions * head_dim));
  TX_RETURN_IF_ERROR(check::on_host(table, "table"));
  float* t = table.as<float>();
  const int64_t half = head_dim / 2;
  for (int64_t p = 0; p < positions; ++p) {
    for (int64_t i = 0; i < half; ++i) cpu::rope_angle(theta, head_dim, p, i, &t[p * head_dim + i], &t[p * head_dim + half + i]);
  }
  return Status::ok();
}

namespace {
Status rope_run(const RopeArgs& a, bool inverse) {
  TX_RETURN_IF_ERROR(validate_rope_inputs(a));
  TX_RETURN_IF_ERROR(model_vec(a.out, "out", a.x.numel(), a.x, a.x_name));
#ifdef TX_HAVE_CUDA
  if (a.x.device == Device::kCuda) return cuda::rope(a, inverse, nullptr);
#endif
  cpu::rope(a, inverse);
  return Status::ok();
}
}  // namespace

Status rope(const RopeArgs& a) { return rope_run(a, false); }
Status rope_backward(const RopeArgs& a) { return rope_run(a, true); }

Status validate_swiglu_inputs(const SwigluArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.gate, "gate", DType::kF32));
  TX_RETURN_IF_ERROR(model_vec(a.up, "up", a.gate.numel(), a.gate, "gate"));
  return model_cuda(a.gate, "gate");
}

Status swiglu(const SwigluArgs& a) {
  TX_RETURN_IF_ERROR(validate_swiglu_inputs(a));
  TX_RETURN_IF_ERROR(model_vec(a.out, "out", a.gate.numel(), a.gate, "gate"));
#ifdef TX_HAVE_CUDA
  if (a.gate.device == Device::kCuda) return cuda::swiglu(a, nullptr);
#endif
  cpu::swiglu(a);
  return Status::ok();
}

Status validate_swiglu_backward_inputs(const SwigluBackwardArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.gate, "gate", DType::kF32));
  TX_RETURN_IF_ERROR(model_vec(a.up, "up", a.gate.numel(), a.gate, "gate"));
  TX_RETURN_IF_ERROR(model_vec(a.grad_out, "gradOut", a.gate.numel(), a.gate, "gate"));
  return model_cuda(a.gate, "gate");
}

Status swiglu_backward(const SwigluBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_swiglu_backward_inputs(a));
  TX_RETURN_IF_ERROR(model_vec(a.grad_gate, "gradGate", a.gate.numel(), a.gate, "gate"));
  TX_RETURN_IF_ERROR(model_vec(a.grad_up, "gradUp", a.gate.numel(), a.gate, "gate"));
#ifdef TX_HAVE_CUDA
  if (a.gate.device == Device::kCuda) return cuda::swiglu_backward(a, nullptr);
#endif
  cpu::swiglu_backward(a);
  return Status::ok();
}

Status validate_embedding_inputs(const EmbeddingArgs& a) {
  TX_RETURN_IF_ERROR(embedding_dims(a.vocab, a.dim));
  TX_RETURN_IF_ERROR(model_product(a.vocab, a.dim, "vocab * dim"));
  TX_RETURN_IF_ERROR(check::vector(a.weight, "weight", DType::kF32, a.vocab * a.dim));
  TX_RETURN_IF_ERROR(check::vector(a.ids, "ids", DType::kI32));
  TX_RETURN_IF_ERROR(index_vector(a.ids, "ids", a.ids.numel(), 0, a.vocab, "vocab"));
  TX_RETURN_IF_ERROR(model_product(a.ids.numel(), a.dim, "ids.length * dim"));
  return model_cuda(a.weight, "weight");
}

Status embedding(const EmbeddingArgs& a) {
  TX_RETURN_IF_ERROR(validate_embedding_inputs(a));
  TX_RETURN_IF_ERROR(model_vec(a.out, "out", a.ids.numel() * a.dim, a.weight, "weight"));
#ifdef TX_HAVE_CUDA
  if (a.weight.device == Device::kCuda) return cuda::embedding(a, nullptr);
#endif
  cpu::embedding(a);
  return Status::ok();
}

Status validate_embedding_backward_inputs(const EmbeddingBackwardArgs& a) {
  TX_RETURN_IF_ERROR(embedding_dims(a.vocab, a.dim));
  TX_RETURN_IF_ERROR(model_product(a.vocab, a.dim, "vocab * dim"));
  TX_RETURN_IF_ERROR(check::vector(a.ids, "ids", DType::kI32));
  TX_RETURN_IF_ERROR(index_vector(a.ids, "ids", a.ids.numel(), 0, a.vocab, "vocab"));
  TX_RETURN_IF_ERROR(model_product(a.ids.numel(), a.dim, "ids.length * dim"));
  TX_RETURN_IF_ERROR(check::vector(a.grad_out, "gradOut", DType::kF32, a.ids.numel() * a.dim));
  return model_cuda(a.grad_out, "gradOut");
}

Status embedding_backward(const EmbeddingBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_embedding_backward_inputs(a));
  TX_RETURN_IF_ERROR(model_vec(a.grad_weight, "gradWeight", a.vocab * a.dim, a.grad_out, "gradOut"));
#ifdef TX_HAVE_CUDA
  if (a.grad_out.device == Device::kCuda) return cuda::embedding_backward(a, nullptr);
#endif
  cpu::embedding_backward(a);
  return Status::ok();
}

Status validate_residual_add_inputs(const ResidualAddArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.a, "a", DType::kF32));
  TX_RETURN_IF_ERROR(model_vec(a.b, "b", a.a.numel(), a.a, "a"));
  return model_cuda(a.a, "a");
}

Status residual_add(const ResidualAddArgs& a) {
  TX_RETURN_IF_ERROR(validate_residual_add_inputs(a));
  TX_RETURN_IF_ERROR(model_vec(a.out, "out", a.a.numel(), a.a, "a"));
#ifdef TX_HAVE_CUDA
  if (a.a.device == Device::kCuda) return cuda::residual_add(a, nullptr);
#endif
  cpu::residual_add(a);
  return Status::ok();
}

}  // namespace tx

// Attention (docs/kernels.md section 3): argument checks, each message naming the argument
// as the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/attention.h"

#include <cmath>
#include <initializer_list>
#include <string>

#include "check.h"
#include "cpu/attention.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/attention.h"
#endif

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
  return ops::dispatch(a.q, "q", [&] { cpu::attention(a, scale); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::attention(a, scale, nullptr)); });
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
  return ops::dispatch(a.q, "q", [&] { cpu::attention_backward(a, scale); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::attention_backward(a, scale, nullptr)); });
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
  return ops::dispatch(a.q, "q", [&] { cpu::decode_attention(a, scale); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::decode_attention(a, scale, nullptr)); });
}

}  // namespace tx

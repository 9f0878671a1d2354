// Bindings of attention, attentionBackward and decodeAttention: JS args -> Args structs,
// outputs allocated on the JS thread where q lives (typed arrays or DeviceBuffers).
//   attention[Sync](dtype, q, qShape, k, kShape, v, cuSeqlens, causal, scale)         -> {out, lse}
//   attentionBackward[Sync](dtype, q, qShape, k, kShape, v, out, lse, gradOut, cuSeqlens, causal, scale)
//                                                                         -> {gradQ, gradK, gradV}
//   decodeAttention[Sync](dtype, q, qShape, kCache, kShape, vCache, lengths, scale)   -> {out, lse}
// Shapes travel as arrays of integers; v/out/gradOut take the shape of k or q. The engine
// checks every shape relation and names the argument when one is off.
#include <memory>
#include <string>
#include <vector>

#include "device_buffer.h"
#include "errors.h"
#include "exports.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"
#include "tx/ops/attention.h"

namespace txn {

namespace {

std::vector<int64_t> shape_arg(Napi::Env env, const Napi::Value& v, const char* name) {
  if (!v.IsArray()) throw_error(env, tx::Code::kShape, std::string(name) + " must be an array of integers");
  Napi::Array arr = v.As<Napi::Array>();
  if (arr.Length() < 1 || arr.Length() > static_cast<uint32_t>(tx::kMaxDims)) {
    throw_error(env, tx::Code::kShape, std::string(name) + " must have 1 to 4 dimensions");
  }
  std::vector<int64_t> shape;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    const int32_t d = int_arg(env, arr.Get(i), name);
    if (d < 0) throw_error(env, tx::Code::kShape, std::string(name) + " has a negative dimension");
    shape.push_back(d);
  }
  return shape;
}

// A view of `v` (1-D in JS) with `shape`; its length must match.
tx::TensorView shaped(Napi::Env env, const Napi::Value& v, const std::vector<int64_t>& shape, const char* name,
                      tx::DType dtype) {
  tx::TensorView t = vector_arg(env, v, name, dtype);
  // Checked: an int64 product of four int32 dims can wrap to a small buffer's length.
  const int64_t n = checked_numel(env, shape, name);
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  s += "]";
  if (t.numel() != n) {
    throw_error(env, tx::Code::kShape, std::string(name) + " has " + std::to_string(t.numel()) +
                                           " elements but shape " + s + " needs " + std::to_string(n));
  }
  t.ndim = static_cast<int>(shape.size());
  int64_t stride = 1;
  for (int i = t.ndim - 1; i >= 0; --i) {
    t.shape[i] = shape[i];
    t.strides[i] = stride;
    stride *= shape[i];
  }
  return t;
}

tx::DType dtype_arg(Napi::Env env, const Napi::Value& v) {
  const int32_t d = int_arg(env, v, "dtype");
  if (d != static_cast<int>(tx::DType::kF32) && d != static_cast<int>(tx::DType::kBF16)) {
    throw_error(env, tx::Code::kDtype, "attention tensors must be f32 or bf16");
  }
  return static_cast<tx::DType>(d);
}

Job prepare_forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const tx::DType dt = dtype_arg(env, info[0]);
  tx::AttentionArgs a;
  const auto qs = shape_arg(env, info[2], "q.shape"), ks = shape_arg(env, info[4], "k.shape");
  a.q = shaped(env, info[1], qs, "q", dt);
  a.k = shaped(env, info[3], ks, "k", dt);
  a.v = shaped(env, info[5], ks, "v", dt);
  a.cu_seqlens = vector_arg(env, info[6], "cuSeqlens", tx::DType::kI32);
  if (!info[7].IsBoolean()) throw_error(env, tx::Code::kRange, "opts.causal must be a boolean");
  a.causal = info[7].As<Napi::Boolean>().Value();
  a.scale = number_arg(env, info[8], "opts.scale");
  auto cu = std::make_shared<std::vector<int32_t>>();
  a.cu_seqlens = snapshot_i32(a.cu_seqlens, cu);
  // Validated after the snapshot: a SharedArrayBuffer can change under us otherwise.
  throw_if_error(env, tx::validate_attention_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  a.out = new_output(env, job, "out", a.q, qs, dt);
  a.lse = new_output(env, job, "lse", a.q, {qs[1], qs[0]}, tx::DType::kF32);
  keep_inputs(info, job);
  job.compute = [a, cu] { return tx::attention(a); };
  return job;
}

Job prepare_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const tx::DType dt = dtype_arg(env, info[0]);
  tx::AttentionBackwardArgs a;
  const auto qs = shape_arg(env, info[2], "q.shape"), ks = shape_arg(env, info[4], "k.shape");
  a.q = shaped(env, info[1], qs, "q", dt);
  a.k = shaped(env, info[3], ks, "k", dt);
  a.v = shaped(env, info[5], ks, "v", dt);
  a.out = shaped(env, info[6], qs, "out", dt);
  if (qs.size() != 3) throw_error(env, tx::Code::kShape, "q must be 3-D [tokens, heads, headDim]");
  a.lse = shaped(env, info[7], {qs[1], qs[0]}, "lse", tx::DType::kF32);
  a.grad_out = shaped(env, info[8], qs, "gradOut", dt);
  a.cu_seqlens = vector_arg(env, info[9], "cuSeqlens", tx::DType::kI32);
  if (!info[10].IsBoolean()) throw_error(env, tx::Code::kRange, "opts.causal must be a boolean");
  a.causal = info[10].As<Napi::Boolean>().Value();
  a.scale = number_arg(env, info[11], "opts.scale");
  auto cu = std::make_shared<std::vector<int32_t>>();
  a.cu_seqlens = snapshot_i32(a.cu_seqlens, cu);
  // Validated after the snapshot: a SharedArrayBuffer can change under us otherwise.
  throw_if_error(env, tx::validate_attention_backward_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  a.grad_q = new_output(env, job, "gradQ", a.q, qs, dt);
  a.grad_k = new_output(env, job, "gradK", a.q, ks, dt);
  a.grad_v = new_output(env, job, "gradV", a.q, ks, dt);
  keep_inputs(info, job);
  job.compute = [a, cu] { return tx::attention_backward(a); };
  return job;
}

Job prepare_decode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const tx::DType dt = dtype_arg(env, info[0]);
  tx::DecodeAttentionArgs a;
  const auto qs = shape_arg(env, info[2], "q.shape"), ks = shape_arg(env, info[4], "kCache.shape");
  a.q = shaped(env, info[1], qs, "q", dt);
  a.k_cache = shaped(env, info[3], ks, "kCache", dt);
  a.v_cache = shaped(env, info[5], ks, "vCache", dt);
  a.lengths = vector_arg(env, info[6], "lengths", tx::DType::kI32);
  a.scale = number_arg(env, info[7], "opts.scale");
  auto lengths = std::make_shared<std::vector<int32_t>>();
  a.lengths = snapshot_i32(a.lengths, lengths);
  // Validated after the snapshot: a SharedArrayBuffer can change under us otherwise.
  throw_if_error(env, tx::validate_decode_attention_inputs(a));

  Job job;
  job.result = Napi::Object::New(env);
  a.out = new_output(env, job, "out", a.q, qs, dt);
  a.lse = new_output(env, job, "lse", a.q, {qs[0], qs[1]}, tx::DType::kF32);
  keep_inputs(info, job);
  job.compute = [a, lengths] { return tx::decode_attention(a); };
  return job;
}

}  // namespace

const Exports kExports{
    {"attention", async_entry<prepare_forward>},
    {"attentionSync", sync_entry<prepare_forward>},
    {"attentionBackward", async_entry<prepare_backward>},
    {"attentionBackwardSync", sync_entry<prepare_backward>},
    {"decodeAttention", async_entry<prepare_decode>},
    {"decodeAttentionSync", sync_entry<prepare_decode>},
};

}  // namespace txn

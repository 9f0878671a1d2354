// Entry points of the addon, one line per op family (the file that defines each is named
// after it). addon.cpp registers them.
#pragma once
#include <napi.h>

namespace txn {

// advantage.cpp
Napi::Value grouped_advantages_sync(const Napi::CallbackInfo& info);
Napi::Value grouped_advantages_async(const Napi::CallbackInfo& info);

// logprob.cpp
Napi::Value logprobs_sync(const Napi::CallbackInfo& info);
Napi::Value logprobs_async(const Napi::CallbackInfo& info);
Napi::Value logprobs_backward_sync(const Napi::CallbackInfo& info);
Napi::Value logprobs_backward_async(const Napi::CallbackInfo& info);
Napi::Value linear_logprobs_sync(const Napi::CallbackInfo& info);
Napi::Value linear_logprobs_async(const Napi::CallbackInfo& info);
Napi::Value linear_logprobs_backward_sync(const Napi::CallbackInfo& info);
Napi::Value linear_logprobs_backward_async(const Napi::CallbackInfo& info);

// runtime.cpp
Napi::Value devices(const Napi::CallbackInfo& info);
Napi::Value set_threads(const Napi::CallbackInfo& info);
Napi::Value bench_stream_copy(const Napi::CallbackInfo& info);
Napi::Value bench_stream_read(const Napi::CallbackInfo& info);

// attention.cpp
Napi::Value attention_sync(const Napi::CallbackInfo& info);
Napi::Value attention_async(const Napi::CallbackInfo& info);
Napi::Value attention_backward_sync(const Napi::CallbackInfo& info);
Napi::Value attention_backward_async(const Napi::CallbackInfo& info);
Napi::Value decode_attention_sync(const Napi::CallbackInfo& info);
Napi::Value decode_attention_async(const Napi::CallbackInfo& info);

}  // namespace txn

// grpo_loss.cpp (appended block)
namespace txn {
Napi::Value grpo_loss_sync(const Napi::CallbackInfo& info);
Napi::Value grpo_loss_async(const Napi::CallbackInfo& info);
}  // namespace txn

// adamw.cpp (appended block)
namespace txn {
Napi::Value adamw_step_sync(const Napi::CallbackInfo& info);
Napi::Value adamw_step_async(const Napi::CallbackInfo& info);
}  // namespace txn

// sampling.cpp (appended block)
namespace txn {
Napi::Value sample_sync(const Napi::CallbackInfo& info);
Napi::Value sample_async(const Napi::CallbackInfo& info);
}  // namespace txn

// gemm.cpp (appended block)
namespace txn {
Napi::Value gemm_sync(const Napi::CallbackInfo& info);
Napi::Value gemm_async(const Napi::CallbackInfo& info);
}  // namespace txn

// bench_openblas.cpp (appended block; benchmark peer only, not an engine op)
namespace txn {
Napi::Value bench_openblas_info(const Napi::CallbackInfo& info);
Napi::Value bench_openblas_sgemm(const Napi::CallbackInfo& info);
}  // namespace txn

// rms_norm.cpp, rope.cpp, swiglu.cpp, embedding.cpp, residual.cpp (appended block: model ops)
namespace txn {
Napi::Value rms_norm_sync(const Napi::CallbackInfo& info);
Napi::Value rms_norm_async(const Napi::CallbackInfo& info);
Napi::Value rms_norm_backward_sync(const Napi::CallbackInfo& info);
Napi::Value rms_norm_backward_async(const Napi::CallbackInfo& info);
Napi::Value rope_sync(const Napi::CallbackInfo& info);
Napi::Value rope_async(const Napi::CallbackInfo& info);
Napi::Value rope_backward_sync(const Napi::CallbackInfo& info);
Napi::Value rope_backward_async(const Napi::CallbackInfo& info);
Napi::Value swiglu_sync(const Napi::CallbackInfo& info);
Napi::Value swiglu_async(const Napi::CallbackInfo& info);
Napi::Value swiglu_backward_sync(const Napi::CallbackInfo& info);
Napi::Value swiglu_backward_async(const Napi::CallbackInfo& info);
Napi::Value embedding_sync(const Napi::CallbackInfo& info);
Napi::Value embedding_async(const Napi::CallbackInfo& info);
Napi::Value embedding_backward_sync(const Napi::CallbackInfo& info);
Napi::Value embedding_backward_async(const Napi::CallbackInfo& info);
Napi::Value residual_add_sync(const Napi::CallbackInfo& info);
Napi::Value residual_add_async(const Napi::CallbackInfo& info);
}  // namespace txn

// model.cpp (appended block): the native policy model class
namespace txn {
Napi::Function define_policy_model(Napi::Env env);
}  // namespace txn

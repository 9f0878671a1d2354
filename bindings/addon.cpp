// Module registration. init(TxError) must be called once per environment (the loader in
// lib/engine/native.ts does it) so that errors are instances of the JS TxError class.
#include "bindings.h"
#include "device_buffer.h"
#include "errors.h"
#include "job_registry.h"
#include "tx/ops.h"

namespace txn {

namespace {

Napi::Value init(const Napi::CallbackInfo& info) {
  // A TxError-shaped failure (code E_DTYPE) even here, so that no entry point throws a bare TypeError.
  if (!info[0].IsFunction()) throw make_error(info.Env(), tx::Code::kDtype, "init(TxError): TxError must be a class");
  state(info.Env()).tx_error_class = Napi::Persistent(info[0].As<Napi::Function>());
  // A TOOLEXPANDER_SIMD the CPU cannot honour refuses the load, rather than run another set.
  throw_if_error(info.Env(), tx::cpu_simd_status());
  return info.Env().Undefined();
}

}  // namespace

Napi::Object register_module(Napi::Env env, Napi::Object exports) {
  auto* s = new AddonState();
  env.SetInstanceData<AddonState>(s);  // deleted by node-addon-api at env teardown
  jobs::install(env);                   // worker/teardown safety (job_registry.h)
  Napi::Function buffer_class = DeviceBuffer::define(env);
  s->device_buffer_class = Napi::Persistent(buffer_class);
  exports.Set("DeviceBuffer", buffer_class);
  exports.Set("init", Napi::Function::New(env, init, "init"));
  exports.Set("devices", Napi::Function::New(env, devices, "devices"));
  exports.Set("setThreads", Napi::Function::New(env, set_threads, "setThreads"));
  exports.Set("benchStreamCopy", Napi::Function::New(env, bench_stream_copy, "benchStreamCopy"));
  exports.Set("benchStreamRead", Napi::Function::New(env, bench_stream_read, "benchStreamRead"));
  exports.Set("groupedAdvantages", Napi::Function::New(env, grouped_advantages_async, "groupedAdvantages"));
  exports.Set("groupedAdvantagesSync", Napi::Function::New(env, grouped_advantages_sync, "groupedAdvantagesSync"));
  exports.Set("logprobs", Napi::Function::New(env, logprobs_async, "logprobs"));
  exports.Set("logprobsSync", Napi::Function::New(env, logprobs_sync, "logprobsSync"));
  exports.Set("logprobsBackward", Napi::Function::New(env, logprobs_backward_async, "logprobsBackward"));
  exports.Set("logprobsBackwardSync", Napi::Function::New(env, logprobs_backward_sync, "logprobsBackwardSync"));
  exports.Set("linearLogprobs", Napi::Function::New(env, linear_logprobs_async, "linearLogprobs"));
  exports.Set("linearLogprobsSync", Napi::Function::New(env, linear_logprobs_sync, "linearLogprobsSync"));
  exports.Set("linearLogprobsBackward", Napi::Function::New(env, linear_logprobs_backward_async, "linearLogprobsBackward"));
  exports.Set("linearLogprobsBackwardSync",
              Napi::Function::New(env, linear_logprobs_backward_sync, "linearLogprobsBackwardSync"));
  exports.Set("attention", Napi::Function::New(env, attention_async, "attention"));
  exports.Set("attentionSync", Napi::Function::New(env, attention_sync, "attentionSync"));
  exports.Set("attentionBackward", Napi::Function::New(env, attention_backward_async, "attentionBackward"));
  exports.Set("attentionBackwardSync", Napi::Function::New(env, attention_backward_sync, "attentionBackwardSync"));
  exports.Set("decodeAttention", Napi::Function::New(env, decode_attention_async, "decodeAttention"));
  exports.Set("decodeAttentionSync", Napi::Function::New(env, decode_attention_sync, "decodeAttentionSync"));
  exports.Set("grpoLoss", Napi::Function::New(env, grpo_loss_async, "grpoLoss"));
  exports.Set("grpoLossSync", Napi::Function::New(env, grpo_loss_sync, "grpoLossSync"));
  exports.Set("adamwStep", Napi::Function::New(env, adamw_step_async, "adamwStep"));
  exports.Set("adamwStepSync", Napi::Function::New(env, adamw_step_sync, "adamwStepSync"));
  exports.Set("sample", Napi::Function::New(env, sample_async, "sample"));
  exports.Set("sampleSync", Napi::Function::New(env, sample_sync, "sampleSync"));
  exports.Set("gemm", Napi::Function::New(env, gemm_async, "gemm"));
  exports.Set("gemmSync", Napi::Function::New(env, gemm_sync, "gemmSync"));
  exports.Set("benchOpenblasInfo", Napi::Function::New(env, bench_openblas_info, "benchOpenblasInfo"));
  exports.Set("benchOpenblasSgemm", Napi::Function::New(env, bench_openblas_sgemm, "benchOpenblasSgemm"));
  // model ops (appended block)
  for (auto [name, fn] : std::initializer_list<std::pair<const char*, Napi::Value (*)(const Napi::CallbackInfo&)>>{
           {"rmsNorm", rms_norm_async}, {"rmsNormSync", rms_norm_sync},
           {"rmsNormBackward", rms_norm_backward_async}, {"rmsNormBackwardSync", rms_norm_backward_sync},
           {"rope", rope_async}, {"ropeSync", rope_sync},
           {"ropeBackward", rope_backward_async}, {"ropeBackwardSync", rope_backward_sync},
           {"swiglu", swiglu_async}, {"swigluSync", swiglu_sync},
           {"swigluBackward", swiglu_backward_async}, {"swigluBackwardSync", swiglu_backward_sync},
           {"embedding", embedding_async}, {"embeddingSync", embedding_sync},
           {"embeddingBackward", embedding_backward_async}, {"embeddingBackwardSync", embedding_backward_sync},
           {"residualAdd", residual_add_async}, {"residualAddSync", residual_add_sync}}) {
    exports.Set(name, Napi::Function::New(env, fn, name));
  }
  exports.Set("PolicyModel", define_policy_model(env));  // model (appended block)
  exports.Set("jobsInFlight", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), jobs::in_flight(info.Env()));
  }, "jobsInFlight"));  // job registry (appended block)
  return exports;
}

}  // namespace txn

static Napi::Object register_toolexpander(Napi::Env env, Napi::Object exports) {
  return txn::register_module(env, exports);
}

NODE_API_MODULE(toolexpander, register_toolexpander)

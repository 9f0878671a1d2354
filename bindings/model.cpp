// Binding of the native policy model (PolicyModel, see model.h). Entry points:
//   new PolicyModel(config, seed, maxTokens, device?, weights?)  config in Qwen2 config.json
//     names; device 'cpu' (default), 'cuda' or 'cuda:N': where weights, optimizer state and
//     activations live (E_DEVICE with the reason when CUDA is not compiled or not usable);
//     weights 'f32' (default) or 'bf16' (CUDA: bf16 forward weights, f32 master copy)
//   forwardLogprobs[Sync](tokens, cuSeqlens, mask) -> { logp, entropy }   (Float32Array[N])
//   trainMicro(tokens, cuSeqlens, mask, loss, scale) -> { scalars }        gradients accumulate
//   optimizerStep(lr, beta1, beta2, eps, weightDecay, maxGradNorm) -> { scalars: [gradNorm, step] }
//   generate(promptTokens, promptOffsets, n, temperature, topP, topK, maxTokens, stopIds, seed)
//     -> { tokens: Int32Array[B*maxTokens], logp: Float32Array[B*maxTokens], lengths: Int32Array[B] }
//   getState() -> { params, expAvg, expAvgSq, grads, step }; zeroGrad(); setState(params, expAvg?, expAvgSq?, step?)
//   readStateRange(which, offset, n) -> Float32Array; writeStateRange(which, offset, data);
//     finishState(step?) (bf16 refresh, gradients cleared): checkpoints stream tensor by tensor
//   layout() -> [{ name, shape, offset }]; numParams; dispose(); disposed
#include "model.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "errors.h"
#include "op_runner.h"
#include "outputs.h"
#include "tensor_arg.h"

namespace txn {

namespace {

int64_t config_int(Napi::Env env, const Napi::Object& o, const char* key, bool required, int64_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) {
    if (required) throw_error(env, tx::Code::kRange, std::string("config.") + key + " is missing");
    return fallback;
  }
  if (!v.IsNumber()) throw_error(env, tx::Code::kRange, std::string("config.") + key + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(std::fabs(d) < 9e15) || d != std::floor(d)) {
    throw_error(env, tx::Code::kRange, std::string("config.") + key + " must be an integer, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

double config_num(Napi::Env env, const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) throw_error(env, tx::Code::kRange, std::string("config.") + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

tx::model::Config parse_config(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject()) throw_error(env, tx::Code::kRange, "config must be an object (Qwen2 config.json fields)");
  Napi::Object o = v.As<Napi::Object>();
  tx::model::Config c;
  c.vocab_size = config_int(env, o, "vocab_size", true, 0);
  c.hidden_size = config_int(env, o, "hidden_size", true, 0);
  c.intermediate_size = config_int(env, o, "intermediate_size", true, 0);
  c.num_hidden_layers = config_int(env, o, "num_hidden_layers", true, 0);
  c.num_attention_heads = config_int(env, o, "num_attention_heads", true, 0);
  c.num_key_value_heads = config_int(env, o, "num_key_value_heads", false, c.num_attention_heads);
  c.max_position_embeddings = config_int(env, o, "max_position_embeddings", false, 2048);
  c.rope_theta = config_num(env, o, "rope_theta", 1e6);
  c.rms_norm_eps = config_num(env, o, "rms_norm_eps", 1e-6);
  Napi::Value tie = o.Get("tie_word_embeddings");
  if (!tie.IsUndefined() && !tie.IsBoolean()) throw_error(env, tx::Code::kRange, "config.tie_word_embeddings must be a boolean");
  c.tie_word_embeddings = tie.IsBoolean() ? tie.As<Napi::Boolean>().Value() : true;
  throw_if_error(env, tx::model::validate(c));
  return c;
}

// A host i32 / u8 / f32 vector copied on the JS thread (the worker must not see JS edits).
template <typename T>
std::shared_ptr<std::vector<T>> copy_vec(Napi::Env env, const Napi::Value& v, const char* name, tx::DType dtype, int64_t length) {
  tx::TensorView t = vector_arg(env, v, name, dtype);
  if (t.device != tx::Device::kCpu) throw_error(env, tx::Code::kDevice, std::string(name) + " must be in host memory");
  if (length >= 0 && t.numel() != length) {
    throw_error(env, tx::Code::kShape, std::string(name) + " must have length " + std::to_string(length) + ", got " +
                                           std::to_string(t.numel()));
  }
  auto out = std::make_shared<std::vector<T>>(static_cast<size_t>(t.numel()));
  if (t.numel() > 0) std::memcpy(out->data(), t.data, sizeof(T) * t.numel());
  return out;
}

// Offsets drive every index the model computes: checked on the copy, as the ops check theirs.
void check_offsets(Napi::Env env, const std::vector<int32_t>& o, const char* name, int64_t total, const char* total_name) {
  throw_if_error(env, tx::model::validate_offsets(o.data(), static_cast<int64_t>(o.size()), name, total, total_name));
}

struct BatchData {
  std::shared_ptr<std::vector<int32_t>> tokens, cu;
  std::shared_ptr<std::vector<uint8_t>> mask;
  tx::model::Batch view() const {
    tx::model::Batch b;
    b.tokens = tokens->data(), b.cu_seqlens = cu->data(), b.mask = mask->data();
    b.tokens_n = static_cast<int64_t>(tokens->size()), b.seqs = static_cast<int64_t>(cu->size()) - 1;
    return b;
  }
};

// 'cpu' | 'cuda' | 'cuda:N' (undefined = 'cpu').
tx::model::ModelOptions device_arg(Napi::Env env, const Napi::Value& v) {
  tx::model::ModelOptions o;
  if (v.IsUndefined() || v.IsNull()) return o;
  const std::string bad = "opts.device must be 'cpu', 'cuda' or 'cuda:N'";
  if (!v.IsString()) throw_error(env, tx::Code::kRange, bad);
  const std::string s = v.As<Napi::String>().Utf8Value();
  if (s == "cpu") return o;
  if (s.rfind("cuda", 0) != 0) throw_error(env, tx::Code::kRange, bad + ", got '" + s + "'");
  o.device = tx::Device::kCuda;
  if (s.size() == 4) return o;
  if (s[4] != ':' || s.size() == 5 || s.size() > 8 || s.find_first_not_of("0123456789", 5) != std::string::npos) {
    throw_error(env, tx::Code::kRange, bad + ", got '" + s + "'");
  }
  o.device_index = std::stoi(s.substr(5));
  return o;
}

BatchData batch_arg(Napi::Env env, const Napi::CallbackInfo& info) {
  BatchData b;
  b.tokens = copy_vec<int32_t>(env, info[0], "tokens", tx::DType::kI32, -1);
  const int64_t n = static_cast<int64_t>(b.tokens->size());
  b.cu = copy_vec<int32_t>(env, info[1], "cuSeqlens", tx::DType::kI32, -1);
  check_offsets(env, *b.cu, "cuSeqlens", n, "tokens.length");
  b.mask = copy_vec<uint8_t>(env, info[2], "mask", tx::DType::kU8, n);
  return b;
}

}  // namespace

Napi::Function PolicyModel::define(Napi::Env env) {
  return DefineClass(env, "PolicyModel",
                     {
                         InstanceMethod<&PolicyModel::forward_logprobs_async>("forwardLogprobs"),
                         InstanceMethod<&PolicyModel::forward_logprobs_sync>("forwardLogprobsSync"),
                         InstanceMethod<&PolicyModel::train_micro>("trainMicro"),
                         InstanceMethod<&PolicyModel::optimizer_step>("optimizerStep"),
                         InstanceMethod<&PolicyModel::generate>("generate"),
                         InstanceMethod<&PolicyModel::get_state>("getState"),
                         InstanceMethod<&PolicyModel::set_state>("setState"),
                         InstanceMethod<&PolicyModel::read_state_range>("readStateRange"),
                         InstanceMethod<&PolicyModel::write_state_range>("writeStateRange"),
                         InstanceMethod<&PolicyModel::finish_state>("finishState"),
                         InstanceMethod<&PolicyModel::layout>("layout"),
                         InstanceMethod<&PolicyModel::zero_grad>("zeroGrad"),
                         InstanceMethod<&PolicyModel::dispose>("dispose"),
                         InstanceAccessor<&PolicyModel::disposed>("disposed"),
                         InstanceAccessor<&PolicyModel::num_params>("numParams"),
                         InstanceAccessor<&PolicyModel::step>("step"),
                     });
}

PolicyModel::PolicyModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PolicyModel>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  try {
    const tx::model::Config c = parse_config(env, info[0]);
    const double seed = number_arg(env, info[1], "opts.seed");
    if (!(seed >= 0 && seed <= 9007199254740992.0) || seed != std::floor(seed)) {
      throw_error(env, tx::Code::kRange, "opts.seed must be an integer in [0, 2^53]");
    }
    const int32_t max_tokens = int_arg(env, info[2], "opts.maxTokens");
    tx::model::ModelOptions opts = device_arg(env, info[3]);
    if (!info[4].IsUndefined() && !info[4].IsNull()) {
      const std::string w = info[4].IsString() ? info[4].As<Napi::String>().Utf8Value() : "";
      if (w != "f32" && w != "bf16") throw_error(env, tx::Code::kRange, "opts.weights must be 'f32' or 'bf16'");
      opts.bf16_weights = w == "bf16";
    }
    std::unique_ptr<tx::model::Model> m;
    throw_if_error(env, tx::model::Model::create(c, static_cast<uint64_t>(seed), max_tokens, opts, &m));
    model_ = std::move(m);
  } catch (const std::bad_alloc&) {
    throw_error(env, tx::Code::kOom, "PolicyModel: out of memory");
  }
  reported_ = static_cast<int64_t>(model_->native_bytes());
  Napi::MemoryManagement::AdjustExternalMemory(env, reported_);
}

PolicyModel::~PolicyModel() { release(); }

void PolicyModel::release() {
  model_.reset();
  if (reported_ != 0) Napi::MemoryManagement::AdjustExternalMemory(env_, -reported_);
  reported_ = 0;
}

std::shared_ptr<tx::model::Model> PolicyModel::live(Napi::Env env) const {
  if (!model_) throw_error(env, tx::Code::kState, "the model is disposed");
  return model_;
}

Napi::Value PolicyModel::forward_logprobs(const Napi::CallbackInfo& info, bool async) {
  auto body = [this, async](const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto m = live(env);
    BatchData b = batch_arg(env, info);
    Job job;
    job.result = Napi::Object::New(env);
    const int64_t n = static_cast<int64_t>(b.tokens->size());
    tx::TensorView like = tx::TensorView::contiguous(nullptr, {0}, tx::DType::kF32);
    float* logp = new_output(env, job, "logp", like, {n}, tx::DType::kF32).as<float>();
    float* ent = new_output(env, job, "entropy", like, {n}, tx::DType::kF32).as<float>();
    keep(env, job, info.This());
    job.compute = [m, b, logp, ent] {
      std::lock_guard<std::mutex> lock(m->mu);
      return m->forward_logprobs(b.view(), logp, ent);
    };
    return async ? run_async(env, std::move(job)) : run_sync(env, job);
  };
  // The Promise form never throws: a bad argument (or a disposed model) rejects it.
  return async ? guarded_async(info, "forwardLogprobs", body) : guarded(info, "forwardLogprobsSync", body);
}

// trainMicro(tokens, cu, mask, loss, scale); loss = { sft } or GRPO { oldLogp, refLogp?,
// advantages, clipLow, clipHigh, dualClip, klCoef, klType, aggregation, normConstant? }
// with the same codes as grpoLoss. Resolves { scalars: [loss, tokens, clipFracHigh,
// clipFracLow, dualClipFrac, ratioMean, approxKl, klMean] }.
Napi::Value PolicyModel::train_micro(const Napi::CallbackInfo& info) {
  return guarded_async(info, "trainMicro", [this](const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto m = live(env);
    BatchData b = batch_arg(env, info);
    const int64_t n = static_cast<int64_t>(b.tokens->size());
    if (!info[3].IsObject()) throw_error(env, tx::Code::kRange, "loss must be an object");
    Napi::Object lo = info[3].As<Napi::Object>();
    tx::model::LossSpec spec;
    spec.scale = number_arg(env, info[4], "scale");
    if (!(spec.scale > 0) || !std::isfinite(spec.scale)) throw_error(env, tx::Code::kRange, "scale must be a finite number > 0");
    spec.sft = lo.Get("sft").ToBoolean().Value();
    std::shared_ptr<std::vector<float>> old_lp, ref_lp, adv;
    if (!spec.sft) {
      old_lp = copy_vec<float>(env, lo.Get("oldLogp"), "batch.oldLogp", tx::DType::kF32, n);
      adv = copy_vec<float>(env, lo.Get("advantages"), "batch.advantages", tx::DType::kF32, n);
      Napi::Value ref = lo.Get("refLogp");
      if (!ref.IsUndefined() && !ref.IsNull()) ref_lp = copy_vec<float>(env, ref, "batch.refLogp", tx::DType::kF32, n);
      tx::GrpoLossArgs& g = spec.grpo;
      g.clip_low = number_arg(env, lo.Get("clipLow"), "loss.clipLow");
      g.clip_high = number_arg(env, lo.Get("clipHigh"), "loss.clipHigh");
      g.dual_clip = number_arg(env, lo.Get("dualClip"), "loss.dualClip");
      g.kl_coef = number_arg(env, lo.Get("klCoef"), "loss.klCoef");
      g.kl_type = static_cast<tx::KlType>(int_arg(env, lo.Get("klType"), "loss.klType"));
      g.aggregation = static_cast<tx::LossAggregation>(int_arg(env, lo.Get("aggregation"), "loss.aggregation"));
      Napi::Value nc = lo.Get("normConstant");
      if (!nc.IsUndefined() && !nc.IsNull()) {
        g.has_norm_constant = true;
        g.norm_constant = number_arg(env, nc, "loss.normConstant");
      }
      if (g.kl_coef > 0 && !ref_lp) throw_error(env, tx::Code::kRange, "loss.klCoef > 0 needs batch.refLogp");
    }
    Job job;
    job.result = Napi::Object::New(env);
    Napi::Float64Array scalars = Napi::Float64Array::New(env, 8);
    job.result.Set("scalars", scalars);
    double* out = scalars.Data();
    keep(env, job, info.This());
    keep(env, job, scalars);
    job.compute = [m, b, spec, old_lp, ref_lp, adv, out]() mutable {
      std::lock_guard<std::mutex> lock(m->mu);
      const int64_t n = static_cast<int64_t>(b.tokens->size());
      if (!spec.sft) {
        spec.grpo.old_logp = tx::TensorView::contiguous(old_lp->data(), {n}, tx::DType::kF32);
        spec.grpo.advantages = tx::TensorView::contiguous(adv->data(), {n}, tx::DType::kF32);
        if (ref_lp) spec.grpo.ref_logp = tx::TensorView::contiguous(ref_lp->data(), {n}, tx::DType::kF32);
      }
      tx::model::StepStats st;
      tx::Status s = m->train_micro(b.view(), spec, &st);
      const double v[8] = {st.loss, static_cast<double>(st.tokens), st.grpo.clip_frac_high, st.grpo.clip_frac_low,
                           st.grpo.dual_clip_frac, st.grpo.ratio_mean, st.grpo.approx_kl, st.grpo.kl_mean};
      std::memcpy(out, v, sizeof(v));
      return s;
    };
    return run_async(env, std::move(job));
  });
}

Napi::Value PolicyModel::optimizer_step(const Napi::CallbackInfo& info) {
  return guarded_async(info, "optimizerStep", [this](const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto m = live(env);
    tx::model::OptimConfig o;
    o.lr = number_arg(env, info[0], "lr");
    o.beta1 = number_arg(env, info[1], "opts.beta1");
    o.beta2 = number_arg(env, info[2], "opts.beta2");
    o.eps = number_arg(env, info[3], "opts.eps");
    o.weight_decay = number_arg(env, info[4], "opts.weightDecay");
    o.max_grad_norm = number_arg(env, info[5], "opts.maxGradNorm");
    Job job;
    job.result = Napi::Object::New(env);
    Napi::Float64Array scalars = Napi::Float64Array::New(env, 2);
    job.result.Set("scalars", scalars);
    double* out = scalars.Data();
    keep(env, job, info.This());
    keep(env, job, scalars);
    job.compute = [m, o, out] {
      std::lock_guard<std::mutex> lock(m->mu);
      tx::Status s = m->optimizer_step(o, &out[0]);
      out[1] = static_cast<double>(m->step());
      return s;
    };
    return run_async(env, std::move(job));
  });
}

Napi::Value PolicyModel::generate(const Napi::CallbackInfo& info) {
  return guarded_async(info, "generate", [this](const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto m = live(env);
    auto prompt = copy_vec<int32_t>(env, info[0], "promptTokens", tx::DType::kI32, -1);
    auto offsets = copy_vec<int32_t>(env, info[1], "promptOffsets", tx::DType::kI32, -1);
    check_offsets(env, *offsets, "promptOffsets", static_cast<int64_t>(prompt->size()), "promptTokens.length");
    auto spec = std::make_shared<tx::model::GenerateSpec>();
    spec->prompts = static_cast<int64_t>(offsets->size()) - 1;
    spec->n = int_arg(env, info[2], "opts.n");
    spec->temperature = number_arg(env, info[3], "opts.temperature");
    spec->top_p = number_arg(env, info[4], "opts.topP");
    spec->top_k = int_arg(env, info[5], "opts.topK");
    spec->max_tokens = int_arg(env, info[6], "opts.maxTokens");
    auto stops = copy_vec<int32_t>(env, info[7], "stopIds", tx::DType::kI32, -1);
    spec->stop_ids = *stops;
    const double seed = number_arg(env, info[8], "opts.seed");
    if (!(seed >= 0 && seed <= 9007199254740992.0) || seed != std::floor(seed)) {
      throw_error(env, tx::Code::kRange, "opts.seed must be an integer in [0, 2^53], got " + std::to_string(seed));
    }
    spec->seed = static_cast<uint64_t>(seed);
    // The model's own checks, before the outputs are allocated (their size is prompts * n * maxTokens).
    spec->prompt_tokens = prompt->data();
    spec->prompt_offsets = offsets->data();
    throw_if_error(env, tx::model::validate_generate(m->config(), *spec));
    const int64_t rows = spec->prompts * spec->n;
    Job job;
    job.result = Napi::Object::New(env);
    tx::TensorView like = tx::TensorView::contiguous(nullptr, {0}, tx::DType::kF32);
    // Two dims, not their product: new_output checks the product for overflow.
    spec->out_tokens = new_output(env, job, "tokens", like, {rows, spec->max_tokens}, tx::DType::kI32).as<int32_t>();
    spec->out_logp = new_output(env, job, "logp", like, {rows, spec->max_tokens}, tx::DType::kF32).as<float>();
    spec->out_lengths = new_output(env, job, "lengths", like, {rows}, tx::DType::kI32).as<int32_t>();
    keep(env, job, info.This());
    job.compute = [m, spec, prompt, offsets] {
      std::lock_guard<std::mutex> lock(m->mu);
      spec->prompt_tokens = prompt->data();
      spec->prompt_offsets = offsets->data();
      return m->generate(*spec);
    };
    return run_async(env, std::move(job));
  });
}

// Copies (sync; device -> host on CUDA): checkpoints are rare and small next to training.
Napi::Value PolicyModel::get_state(const Napi::CallbackInfo& info) {
  return guarded(info, "getState", [this](const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto m = live(env);
    std::lock_guard<std::mutex> lock(m->mu);
    const size_t n = static_cast<size_t>(m->num_params());
    Napi::Object o = Napi::Object::New(env);
    auto copy = [&](tx::model::StateTensor t) {
      Napi::Float32Array a = Napi::Float32Array::New(env, n);
      throw_if_error(env, m->read_state(t, a.Data()));
      return a;
    };
    o.Set("params", copy(tx::model::StateTensor::kParams));
    o.Set("expAvg", copy(tx::model::StateTensor::kExpAvg));
    o.Set("expAvgSq", copy(tx::model::StateTensor::kExpAvgSq));
    o.Set("grads", copy(tx::model::StateTensor::kGrads));
    o.Set("step", Napi::Number::New(env, static_cast<double>(m->step())));
    return o;
  });
}

Napi::Value PolicyModel::set_state(const Napi::CallbackInfo& info) {
  return guarded(info, "setState", [this](const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto m = live(env);
    std::lock_guard<std::mutex> lock(m->mu);
    const int64_t n = m->num_params();
    // Every argument is checked before anything is written: a rejected setState leaves the
    // model as it was (not new params with old moments).
    auto params = copy_vec<float>(env, info[0], "params", tx::DType::kF32, n);
    const bool with_optimizer = !info[1].IsUndefined();
    std::shared_ptr<std::vector<float>> a, b;
    int32_t step = 0;
    if (with_optimizer) {
      a = copy_vec<float>(env, info[1], "expAvg", tx::DType::kF32, n);
      b = copy_vec<float>(env, info[2], "expAvgSq", tx::DType::kF32, n);
      step = int_arg(env, info[3], "step");
      if (step < 0) throw_error(env, tx::Code::kRange, "step must be >= 0, got " + std::to_string(step));
    }
    throw_if_error(env, m->write_state(tx::model::StateTensor::kParams, params->data()));
    if (a) {
      throw_if_error(env, m->write_state(tx::model::StateTensor::kExpAvg, a->data()));
      throw_if_error(env, m->write_state(tx::model::StateTensor::kExpAvgSq, b->data()));
      m->set_step(step);
    }
    throw_if_error(env, m->zero_grad());
    return env.Undefined();
  });
}

namespace {

tx::model::StateTensor state_arg(Napi::Env env, const Napi::Value& v) {
  const std::string w = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (w == "params") return tx::model::StateTensor::kParams;
  if (w == "expAvg") return tx::model::StateTensor::kExpAvg;
  if (w == "expAvgSq") return tx::model::StateTensor::kExpAvgSq;
  if (w == "grads") return tx::model::StateTensor::kGrads;
  throw_error(env, tx::Code::kRange, "which must be 'params', 'expAvg', 'expAvgSq' or 'grads'");
  return tx::model::StateTensor::kParams;
}

int64_t range_arg(Napi::Env env, const Napi::Value& v, const char* name, int64_t limit) {
  const double d = number_arg(env, v, name);
  if (!(d >= 0 && d <= static_cast<double>(limit)) || d != std::floor(d)) {
    throw_error(env, tx::Code::kRange, std::string(name) + " must be an integer in [0, " + std::to_string(limit) + "]");
  }
  return static_cast<int64_t>(d);
}

}  // namespace

Napi::Value PolicyModel::read_state_range(const Napi::CallbackInfo& info) {
  return guarded(info, "readStateRange", [this](const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto m = live(env);
    std::lock_guard<std::mutex> lock(m->mu);
    const auto which = state_arg(env, info[0]);
    const int64_t offset = range_arg(env, info[1], "offset", m->num_params());
    const int64_t n = range_arg(env, info[2], "n", m->num_params() - offset);
    Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(n));
    throw_if_error(env, m->read_state_range(which, offset, n, a.Data()));
    return a;
  });
}

Napi::Value PolicyModel::write_state_range(const Napi::CallbackInfo& info) {
  return guarded(info, "writeStateRange", [this](const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto m = live(env);
    std::lock_guard<std::mutex> lock(m->mu);
    const auto which = state_arg(env, info[0]);
    const int64_t offset = range_arg(env, info[1], "offset", m->num_params());
    tx::TensorView t = vector_arg(env, info[2], "data", tx::DType::kF32);
    if (t.device != tx::Device::kCpu) throw_error(env, tx::Code::kDevice, "data must be in host memory");
    if (t.numel() > m->num_params() - offset) throw_error(env, tx::Code::kRange, "data runs past the end of the state");
    throw_if_error(env, m->write_state_range(which, offset, t.numel(), static_cast<const float*>(t.data)));
    return env.Undefined();
  });
}

Napi::Value PolicyModel::finish_state(const Napi::CallbackInfo& info) {
  return guarded(info, "finishState", [this](const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto m = live(env);
    std::lock_guard<std::mutex> lock(m->mu);
    if (!info[0].IsUndefined()) {
      const int64_t step = range_arg(env, info[0], "step", 2147483647);
      m->set_step(step);
    }
    throw_if_error(env, m->sync_weights());
    throw_if_error(env, m->zero_grad());
    return env.Undefined();
  });
}

Napi::Value PolicyModel::step(const Napi::CallbackInfo& info) {
  return guarded(info, "step", [this](const Napi::CallbackInfo& info) {
    auto m = live(info.Env());
    return Napi::Number::New(info.Env(), static_cast<double>(m->step()));
  });
}

Napi::Value PolicyModel::layout(const Napi::CallbackInfo& info) {
  return guarded(info, "layout", [this](const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto m = live(env);
    const auto& l = m->layout();
    Napi::Array out = Napi::Array::New(env, l.size());
    for (size_t i = 0; i < l.size(); ++i) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("name", l[i].name);
      Napi::Array shape = Napi::Array::New(env, l[i].shape.size());
      for (size_t j = 0; j < l[i].shape.size(); ++j) shape.Set(static_cast<uint32_t>(j), static_cast<double>(l[i].shape[j]));
      e.Set("shape", shape);
      e.Set("offset", static_cast<double>(l[i].offset));
      out.Set(static_cast<uint32_t>(i), e);
    }
    return out;
  });
}

Napi::Value PolicyModel::zero_grad(const Napi::CallbackInfo& info) {
  return guarded(info, "zeroGrad", [this](const Napi::CallbackInfo& info) {
    auto m = live(info.Env());
    std::lock_guard<std::mutex> lock(m->mu);
    throw_if_error(info.Env(), m->zero_grad());
    return info.Env().Undefined();
  });
}

Napi::Value PolicyModel::dispose(const Napi::CallbackInfo& info) {
  release();
  return info.Env().Undefined();
}

Napi::Value PolicyModel::disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !model_); }

Napi::Value PolicyModel::num_params(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), model_ ? static_cast<double>(model_->num_params()) : 0);
}

}  // namespace txn

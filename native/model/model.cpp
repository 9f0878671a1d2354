// Model: creation, activation planning, packed forward and backward, the two losses
// (GRPO via grpo_loss, SFT cross-entropy) and the AdamW step, on the CPU or CUDA (the
// same code: memory is Storage on place_, views carry the device, the ops dispatch).
// Generation is generate.cpp.
#include "tx/model/model.h"

#include <cmath>
#include <cstring>
#include <string>

#include "model/head.h"
#include "model/linear.h"
#include "tx/device.h"
#include "tx/memory.h"

namespace tx::model {

namespace {

// splitmix64: a counter-based generator, so parameter i's initial value depends only on
// (seed, i) and creation is reproducible.
uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double uniform01(uint64_t seed, uint64_t i) {  // in (0, 1)
  return (static_cast<double>(mix(seed * 0x2545f4914f6cdd1dull + i) >> 11) + 0.5) / 9007199254740992.0;
}

// Floats plan(tokens) allocates, in double (sizes from a config cannot wrap here).
double plan_floats(const Config& c, double tokens) {
  const double d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size, V = c.vocab_size;
  const double per_layer = tokens * (4 * d + 2 * q + 2 * kv + 3 * ff + 2 + c.num_attention_heads);
  const double acts = per_layer * c.num_hidden_layers + tokens * (3 * d + 1);
  const double bwd = tokens * (3 * d + 2 * q + 2 * kv + 3 * ff) + V * d;
  return acts + bwd + tokens * 4 + (head_materializes(c.vocab_size) ? tokens * V : 0);
}

// The initial parameters (host), identical for every device.
void init_params(const std::vector<ParamInfo>& layout, uint64_t seed, float* params) {
  for (const ParamInfo& info : layout) {
    float* p = params + info.offset;
    for (int64_t i = 0; i < info.numel; ++i) {
      if (info.init == Init::kOnes) {
        p[i] = 1.0f;
      } else if (info.init == Init::kNormal) {
        const uint64_t k = static_cast<uint64_t>(info.offset + i) * 2;
        const double z = std::sqrt(-2.0 * std::log(uniform01(seed, k))) * std::cos(6.283185307179586 * uniform01(seed, k + 1));
        p[i] = static_cast<float>(0.02 * z);
      }
    }
  }
}

// Whether the model can live on `o.device`; E_DEVICE names why not.
Status check_device(const Config& c, const ModelOptions& o) {
  if (o.device == Device::kCpu) return Status::ok();
  if (o.device != Device::kCuda) return {Code::kDevice, "device must be 'cpu' or 'cuda'"};
  const CudaReport& r = cuda_report();
  if (!r.compiled) return {Code::kDevice, "device 'cuda': " + r.reason};
  if (!r.usable) return {Code::kDevice, "device 'cuda': CUDA is compiled but not usable here: " + r.reason};
  if (o.device_index < 0 || o.device_index >= static_cast<int>(r.devices.size())) {
    return {Code::kDevice, "device 'cuda': device index " + std::to_string(o.device_index) + " does not exist (" +
                               std::to_string(r.devices.size()) + " device(s))"};
  }
  if (c.head_dim() != 64 && c.head_dim() != 128) {
    return {Code::kRange, "config: head dim hidden_size / num_attention_heads = " + std::to_string(c.head_dim()) +
                              " is not supported on CUDA (64 or 128; any on the CPU)"};
  }
  return Status::ok();
}

// Host memory is checked against the host limit before it is allocated and touched (memory.h);
// device memory only against int64 overflow (cudaMalloc itself reports E_OOM cleanly).
Status check_plan_bytes(const Place& pl, double bytes, const char* what) {
  if (pl.host()) return check_host_bytes(bytes, what);
  if (bytes > 4e18) return {Code::kOom, std::string(what) + " is too large (" + std::to_string(bytes) + " bytes)"};
  return Status::ok();
}

}  // namespace

Model::~Model() = default;  // Storage frees device memory on its own device

LinearCtx Model::lc_f32() const { return LinearCtx{place_, gemm_backend_, nullptr, nullptr, nullptr}; }

LinearCtx Model::lc() {
  if (!bf16_weights_) return lc_f32();
  return LinearCtx{place_, gemm_backend_, params_.data(), reinterpret_cast<const uint16_t*>(params_bf16_.data()), &x_bf16_};
}

Status Model::refresh_bf16() {
  if (!bf16_weights_) return Status::ok();
  return round_to_bf16(place_, params_.data(), reinterpret_cast<uint16_t*>(params_bf16_.data()), total_);
}

// The head stays f32 whatever the weights: the log-probs RL trains on keep f32 precision.
Head Model::head(int64_t n, const int32_t* targets) {
  // tmp_ (the layers' scratch, free once they have run) holds the gathered rows.
  if (tail_.on) {  // hf_ holds the rows with a target only
    return Head{lc_f32(), hf_, p_.lm_head, head_rows(n), cfg_.hidden_size, cfg_.vocab_size, tail_.targets.data(), logits_.data(), tmp_};
  }
  return Head{lc_f32(), hf_, p_.lm_head, n, cfg_.hidden_size, cfg_.vocab_size, targets, logits_.data(), tmp_};
}

Status Model::create(const Config& c, uint64_t seed, int64_t max_tokens, const ModelOptions& opts, std::unique_ptr<Model>* out) {
  TX_RETURN_IF_ERROR(validate(c));
  if (max_tokens < 1) return {Code::kRange, "maxTokens must be >= 1"};
  TX_RETURN_IF_ERROR(check_device(c, opts));
  if (opts.bf16_weights && opts.device != Device::kCuda) {
    return {Code::kDevice, "bf16 weights need device 'cuda' (the CPU model is f32)"};
  }
  std::unique_ptr<Model> m(new Model());
  m->cfg_ = c;
  m->place_ = Place{opts.device, opts.device_index};
  // Own kernels on CUDA by default: their rows are batch invariant (linear.h).
  m->gemm_backend_ = opts.device == Device::kCuda && !opts.cublas ? GemmBackend::kOwn : GemmBackend::kAuto;
  TX_RETURN_IF_ERROR(m->place_.activate());
  m->layout_ = param_layout(c, &m->total_);
  // Checked before anything is allocated: a config from an untrusted file must not make
  // the kernel's OOM killer end the process (the buffers are zeroed, so every page is
  // touched). On CUDA the host holds only the initial weights and the RoPE table.
  const double table_floats = static_cast<double>(c.max_position_embeddings) * c.head_dim();
  const double floats = 4.0 * static_cast<double>(m->total_) + table_floats + plan_floats(c, static_cast<double>(max_tokens));
  TX_RETURN_IF_ERROR(check_plan_bytes(m->place_, floats * sizeof(float), "this model (parameters, gradients, AdamW moments, activations)"));
  if (!m->place_.host()) {
    TX_RETURN_IF_ERROR(check_host_bytes((static_cast<double>(m->total_) + table_floats) * sizeof(float), "the initial weights"));
  }
  for (Storage* s : {&m->params_, &m->grads_, &m->m_, &m->v_}) TX_RETURN_IF_ERROR(s->reset(m->place_, m->total_));
  m->p_ = bind_params(c, m->params_.data());
  m->gp_ = bind_params(c, m->grads_.data());
  {
    std::vector<float> host(static_cast<size_t>(m->total_), 0.0f);
    init_params(m->layout_, seed, host.data());
    TX_RETURN_IF_ERROR(m->params_.copy_from_host(host.data(), m->total_));
  }
  m->bf16_weights_ = opts.bf16_weights;
  if (m->bf16_weights_) {
    TX_RETURN_IF_ERROR(m->params_bf16_.reset(m->place_, (m->total_ + 1) / 2));
    TX_RETURN_IF_ERROR(m->refresh_bf16());
  }
  const int64_t hd = c.head_dim(), table_n = c.max_position_embeddings * hd;
  std::vector<float> table(static_cast<size_t>(table_n), 0.0f);
  TX_RETURN_IF_ERROR(rope_table(c.rope_theta, hd, c.max_position_embeddings, fvec(Place{}, table.data(), table_n)));
  TX_RETURN_IF_ERROR(m->rope_table_.reset(m->place_, table_n));
  TX_RETURN_IF_ERROR(m->rope_table_.copy_from_host(table.data(), table_n));
  TX_RETURN_IF_ERROR(m->plan(max_tokens));
  *out = std::move(m);
  return Status::ok();
}

size_t Model::native_bytes() const {
  // At creation (what AdjustExternalMemory reports); generation buffers grow later with use.
  return params_.bytes() + params_bf16_.bytes() + grads_.bytes() + m_.bytes() + v_.bytes() + rope_table_.bytes() +
         acts_.bytes() + bwd_.bytes() + rows_.bytes() + logits_.bytes();
}

Storage& Model::state(StateTensor t) {
  switch (t) {
    case StateTensor::kGrads: return grads_;
    case StateTensor::kExpAvg: return m_;
    case StateTensor::kExpAvgSq: return v_;
    default: return params_;
  }
}

Status Model::read_state(StateTensor t, float* host) const {
  TX_RETURN_IF_ERROR(place_.activate());
  return const_cast<Model*>(this)->state(t).copy_to_host(host, total_);
}

Status Model::write_state(StateTensor t, const float* host) {
  TX_RETURN_IF_ERROR(place_.activate());
  TX_RETURN_IF_ERROR(state(t).copy_from_host(host, total_));
  return t == StateTensor::kParams ? refresh_bf16() : Status::ok();
}

Status Model::read_state_range(StateTensor t, int64_t offset, int64_t n, float* host) const {
  if (offset < 0 || n < 0 || offset > total_ - n) return {Code::kRange, "state range out of bounds"};
  TX_RETURN_IF_ERROR(place_.activate());
  return const_cast<Model*>(this)->state(t).copy_to_host(host, n, offset);
}

Status Model::write_state_range(StateTensor t, int64_t offset, int64_t n, const float* host) {
  if (offset < 0 || n < 0 || offset > total_ - n) return {Code::kRange, "state range out of bounds"};
  TX_RETURN_IF_ERROR(place_.activate());
  return state(t).copy_from_host(host, n, offset);
}

// One buffer for all activations of `tokens` rows, one for the backward scratch.
Status Model::plan(int64_t tokens) {
  if (tokens <= capacity_) return Status::ok();
  TX_RETURN_IF_ERROR(check_plan_bytes(place_, plan_floats(cfg_, static_cast<double>(tokens)) * sizeof(float), "the activations of this batch"));
  const int64_t d = cfg_.hidden_size, q = cfg_.q_dim(), kv = cfg_.kv_dim(), ff = cfg_.intermediate_size;
  const int64_t h = cfg_.num_attention_heads, L = cfg_.num_hidden_layers;
  // x, h1, mid, h2: 4d; q, att: 2q; k, v: 2kv; g, u, a: 3ff; r1, r2: 2; lse: h.
  const int64_t per_layer = tokens * (4 * d + 2 * q + 2 * kv + 3 * ff + 2 + h);
  capacity_ = 0;  // until every buffer below is in place
  TX_RETURN_IF_ERROR(acts_.reset(place_, per_layer * L + tokens * (3 * d + 1)));
  la_.resize(static_cast<size_t>(L));
  float* p = acts_.data();
  auto take = [&](int64_t n) {
    float* r = p;
    p += n;
    return r;
  };
  for (LayerActs& a : la_) {
    a.x = take(tokens * d), a.h1 = take(tokens * d), a.r1 = take(tokens), a.q = take(tokens * q);
    a.k = take(tokens * kv), a.v = take(tokens * kv), a.att = take(tokens * q), a.lse = take(tokens * h);
    a.mid = take(tokens * d), a.h2 = take(tokens * d), a.r2 = take(tokens), a.g = take(tokens * ff);
    a.u = take(tokens * ff), a.a = take(tokens * ff);
  }
  xf_ = take(tokens * d), hf_ = take(tokens * d), tmp_ = take(tokens * d), rf_ = take(tokens);
  // Backward scratch: gx, gtmp, ghid (3d), gq, gatt (2q), gk, gv (2kv), gg, gu, ga (3ff), lm_head grad.
  TX_RETURN_IF_ERROR(bwd_.reset(place_, tokens * (3 * d + 2 * q + 2 * kv + 3 * ff) + cfg_.vocab_size * d));
  positions_.assign(static_cast<size_t>(tokens), 0);
  TX_RETURN_IF_ERROR(rows_.reset(place_, 4 * tokens));
  logp_rows_ = rows_.data(), ent_rows_ = logp_rows_ + tokens, lse_rows_ = ent_rows_ + tokens, grad_rows_ = lse_rows_ + tokens;
  if (head_materializes(cfg_.vocab_size)) TX_RETURN_IF_ERROR(logits_.reset(place_, tokens * cfg_.vocab_size));
  capacity_ = tokens;
  return Status::ok();
}

Status Model::forward(const int32_t* tokens, const int32_t* cu, int64_t n, int64_t seqs, const int32_t* targets) {
  TX_RETURN_IF_ERROR(plan(n));
  const Config& c = cfg_;
  const Place& pl = place_;
  const LinearCtx lc = this->lc();
  const int64_t d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size, V = c.vocab_size;
  const int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, hd = c.head_dim();
  for (int64_t b = 0; b < seqs; ++b) {
    if (cu[b + 1] - cu[b] > c.max_position_embeddings) {
      return {Code::kRange, "sequence " + std::to_string(b) + " has " + std::to_string(cu[b + 1] - cu[b]) +
                                " tokens, more than config.max_position_embeddings = " + std::to_string(c.max_position_embeddings)};
    }
    for (int32_t t = cu[b]; t < cu[b + 1]; ++t) positions_[t] = t - cu[b];
  }
  plan_tail(targets, cu, n, seqs);
  const TensorView pos = ivec(positions_.data(), n), cuv = ivec(cu, seqs + 1);
  const TensorView table = fvec(pl, rope_table_.data(), rope_table_.size());
  TX_RETURN_IF_ERROR(embedding({fvec(pl, p_.embed, V * d), ivec(tokens, n), V, d, fvec(pl, la_[0].x, n * d)}));
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const LayerActs& A = la_[l];
    const LayerParams& P = p_.layers[l];
    float* xout = l + 1 < c.num_hidden_layers ? la_[l + 1].x : xf_;
    if (l + 1 == c.num_hidden_layers && tail_.on) {
      TX_RETURN_IF_ERROR(forward_tail(A, P, n, seqs, cu));
      break;
    }
    TX_RETURN_IF_ERROR(rms_norm({fvec(pl, A.x, n * d), fvec(pl, P.ln1, d), n, d, c.rms_norm_eps, fvec(pl, A.h1, n * d), fvec(pl, A.r1, n)}));
    TX_RETURN_IF_ERROR(linear(lc, A.h1, P.wq, P.bq, A.q, n, d, q));
    TX_RETURN_IF_ERROR(linear(lc, A.h1, P.wk, P.bk, A.k, n, d, kv));
    TX_RETURN_IF_ERROR(linear(lc, A.h1, P.wv, P.bv, A.v, n, d, kv));
    TX_RETURN_IF_ERROR(tx::rope({fvec(pl, A.q, n * q), pos, n, H, hd, c.rope_theta, table, fvec(pl, A.q, n * q)}));
    TX_RETURN_IF_ERROR(tx::rope({fvec(pl, A.k, n * kv), pos, n, Hkv, hd, c.rope_theta, table, fvec(pl, A.k, n * kv)}));
    AttentionArgs at;
    at.q = f3(pl, A.q, n, H, hd), at.k = f3(pl, A.k, n, Hkv, hd), at.v = f3(pl, A.v, n, Hkv, hd), at.cu_seqlens = cuv;
    at.out = f3(pl, A.att, n, H, hd), at.lse = fmat(pl, A.lse, H, n);
    TX_RETURN_IF_ERROR(attention(at));
    TX_RETURN_IF_ERROR(linear(lc, A.att, P.wo, nullptr, tmp_, n, q, d));
    TX_RETURN_IF_ERROR(residual_add({fvec(pl, A.x, n * d), fvec(pl, tmp_, n * d), fvec(pl, A.mid, n * d)}));
    TX_RETURN_IF_ERROR(rms_norm({fvec(pl, A.mid, n * d), fvec(pl, P.ln2, d), n, d, c.rms_norm_eps, fvec(pl, A.h2, n * d), fvec(pl, A.r2, n)}));
    TX_RETURN_IF_ERROR(linear(lc, A.h2, P.wg, nullptr, A.g, n, d, ff));
    TX_RETURN_IF_ERROR(linear(lc, A.h2, P.wu, nullptr, A.u, n, d, ff));
    TX_RETURN_IF_ERROR(swiglu({fvec(pl, A.g, n * ff), fvec(pl, A.u, n * ff), fvec(pl, A.a, n * ff)}));
    TX_RETURN_IF_ERROR(linear(lc, A.a, P.wd, nullptr, tmp_, n, ff, d));
    TX_RETURN_IF_ERROR(residual_add({fvec(pl, A.mid, n * d), fvec(pl, tmp_, n * d), fvec(pl, xout, n * d)}));
  }
  const int64_t nh = head_rows(n);
  return rms_norm({fvec(pl, xf_, nh * d), fvec(pl, p_.norm, d), nh, d, c.rms_norm_eps, fvec(pl, hf_, nh * d), fvec(pl, rf_, nh)});
}

Status Model::backward(const int32_t* tokens, const int32_t* cu, int64_t n, int64_t seqs, const int32_t* targets,
                       const float* grad_rows) {
  const Config& c = cfg_;
  const Place& pl = place_;
  const LinearCtx lc = this->lc();
  const int64_t d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size, V = c.vocab_size;
  const int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, hd = c.head_dim();
  float* p = bwd_.data();
  auto take = [&](int64_t k) {
    float* r = p;
    p += k;
    return r;
  };
  float *gx = take(n * d), *gtmp = take(n * d), *ghid = take(n * d), *gq = take(n * q), *gatt = take(n * q);
  float *gk = take(n * kv), *gv = take(n * kv), *gg = take(n * ff), *gu = take(n * ff), *ga = take(n * ff);
  float* glm = take(V * d);
  const TensorView pos = ivec(positions_.data(), n), cuv = ivec(cu, seqs + 1);
  const TensorView table = fvec(pl, rope_table_.data(), rope_table_.size());

  const int64_t nh = head_rows(n);
  TX_RETURN_IF_ERROR(head_backward(head(n, targets), lse_rows_, grad_rows, ghid, gp_.lm_head, glm));  // lm_head == embed when tied
  TX_RETURN_IF_ERROR(rms_norm_backward({fvec(pl, xf_, nh * d), fvec(pl, p_.norm, d), fvec(pl, rf_, nh), fvec(pl, ghid, nh * d), nh, d, true,
                                        fvec(pl, gx, nh * d), fvec(pl, gp_.norm, d)}));
  for (int64_t l = c.num_hidden_layers - 1; l >= 0; --l) {
    const LayerActs& A = la_[l];
    const LayerParams& P = p_.layers[l];
    const LayerParams& G = gp_.layers[l];
    if (l + 1 == c.num_hidden_layers && tail_.on) {
      TX_RETURN_IF_ERROR(backward_tail(A, P, G, n, seqs, cu, {gx, gtmp, ghid, gq, gatt, gk, gv, gg, gu, ga}));
      continue;
    }
    // x_out = mid + a Wd^T
    TX_RETURN_IF_ERROR(linear_grad_weight(lc, gx, A.a, G.wd, nullptr, n, ff, d));
    TX_RETURN_IF_ERROR(linear_grad_input(lc, gx, P.wd, ga, n, ff, d, false));
    TX_RETURN_IF_ERROR(swiglu_backward({fvec(pl, A.g, n * ff), fvec(pl, A.u, n * ff), fvec(pl, ga, n * ff), fvec(pl, gg, n * ff), fvec(pl, gu, n * ff)}));
    TX_RETURN_IF_ERROR(linear_grad_weight(lc, gg, A.h2, G.wg, nullptr, n, d, ff));
    TX_RETURN_IF_ERROR(linear_grad_weight(lc, gu, A.h2, G.wu, nullptr, n, d, ff));
    TX_RETURN_IF_ERROR(linear_grad_input(lc, gg, P.wg, ghid, n, d, ff, false));
    TX_RETURN_IF_ERROR(linear_grad_input(lc, gu, P.wu, ghid, n, d, ff, true));
    TX_RETURN_IF_ERROR(rms_norm_backward({fvec(pl, A.mid, n * d), fvec(pl, P.ln2, d), fvec(pl, A.r2, n), fvec(pl, ghid, n * d), n, d, true,
                                          fvec(pl, gtmp, n * d), fvec(pl, G.ln2, d)}));
    TX_RETURN_IF_ERROR(residual_add({fvec(pl, gx, n * d), fvec(pl, gtmp, n * d), fvec(pl, gx, n * d)}));  // gx = dL/dmid
    // mid = x + att Wo^T
    TX_RETURN_IF_ERROR(linear_grad_weight(lc, gx, A.att, G.wo, nullptr, n, q, d));
    TX_RETURN_IF_ERROR(linear_grad_input(lc, gx, P.wo, gatt, n, q, d, false));
    AttentionBackwardArgs ab;
    ab.q = f3(pl, A.q, n, H, hd), ab.k = f3(pl, A.k, n, Hkv, hd), ab.v = f3(pl, A.v, n, Hkv, hd), ab.out = f3(pl, A.att, n, H, hd);
    ab.lse = fmat(pl, A.lse, H, n), ab.grad_out = f3(pl, gatt, n, H, hd), ab.cu_seqlens = cuv;
    ab.grad_q = f3(pl, gq, n, H, hd), ab.grad_k = f3(pl, gk, n, Hkv, hd), ab.grad_v = f3(pl, gv, n, Hkv, hd);
    TX_RETURN_IF_ERROR(attention_backward(ab));
    TX_RETURN_IF_ERROR(rope_backward({fvec(pl, gq, n * q), pos, n, H, hd, c.rope_theta, table, fvec(pl, gq, n * q)}));
    TX_RETURN_IF_ERROR(rope_backward({fvec(pl, gk, n * kv), pos, n, Hkv, hd, c.rope_theta, table, fvec(pl, gk, n * kv)}));
    TX_RETURN_IF_ERROR(linear_grad_weight(lc, gq, A.h1, G.wq, G.bq, n, d, q));
    TX_RETURN_IF_ERROR(linear_grad_weight(lc, gk, A.h1, G.wk, G.bk, n, d, kv));
    TX_RETURN_IF_ERROR(linear_grad_weight(lc, gv, A.h1, G.wv, G.bv, n, d, kv));
    TX_RETURN_IF_ERROR(linear_grad_input(lc, gq, P.wq, ghid, n, d, q, false));
    TX_RETURN_IF_ERROR(linear_grad_input(lc, gk, P.wk, ghid, n, d, kv, true));
    TX_RETURN_IF_ERROR(linear_grad_input(lc, gv, P.wv, ghid, n, d, kv, true));
    TX_RETURN_IF_ERROR(rms_norm_backward({fvec(pl, A.x, n * d), fvec(pl, P.ln1, d), fvec(pl, A.r1, n), fvec(pl, ghid, n * d), n, d, true,
                                          fvec(pl, gtmp, n * d), fvec(pl, G.ln1, d)}));
    TX_RETURN_IF_ERROR(residual_add({fvec(pl, gx, n * d), fvec(pl, gtmp, n * d), fvec(pl, gx, n * d)}));
  }
  EmbeddingBackwardArgs eb{fvec(pl, gx, n * d), ivec(tokens, n), V, d, true, fvec(pl, gp_.embed, V * d)};
  return embedding_backward(eb);
}

void Model::row_targets(const Batch& b, std::vector<int32_t>* targets) const {
  targets->assign(static_cast<size_t>(b.tokens_n), -100);
  for (int64_t s = 0; s < b.seqs; ++s) {
    for (int32_t j = b.cu_seqlens[s]; j + 1 < b.cu_seqlens[s + 1]; ++j) {
      if (b.mask[j + 1] != 0) (*targets)[j] = b.tokens[j + 1];
    }
  }
}

namespace {
Status check_batch(const Batch& b, int64_t vocab) {
  for (int64_t i = 0; i < b.tokens_n; ++i) {
    if (b.tokens[i] < 0 || b.tokens[i] >= vocab) {
      return {Code::kRange, "tokens[" + std::to_string(i) + "] = " + std::to_string(b.tokens[i]) + " is outside [0, vocab_size = " +
                                std::to_string(vocab) + ")"};
    }
  }
  for (int64_t s = 0; s < b.seqs; ++s) {
    const int32_t first = b.cu_seqlens[s];
    if (first < b.cu_seqlens[s + 1] && b.mask[first] != 0) {
      return {Code::kRange, "mask[" + std::to_string(first) + "] is set on the first token of sequence " + std::to_string(s) +
                                " (a first token has no log-prob)"};
    }
  }
  return Status::ok();
}
}  // namespace

Status Model::forward_logprobs(const Batch& b, float* logp, float* entropy) {
  TX_RETURN_IF_ERROR(check_batch(b, cfg_.vocab_size));
  TX_RETURN_IF_ERROR(place_.activate());
  std::vector<int32_t> targets;
  row_targets(b, &targets);
  const int64_t n = b.tokens_n;
  TX_RETURN_IF_ERROR(forward(b.tokens, b.cu_seqlens, n, b.seqs, targets.data()));
  TX_RETURN_IF_ERROR(head_forward(head(n, targets.data()), logp_rows_, ent_rows_, lse_rows_));
  // Head row r is batch row j = head_row(r), whose log-prob belongs to token j + 1 (host
  // copies of the rows on CUDA).
  const int64_t nh = head_rows(n);
  std::vector<float> lp_tmp, ent_tmp;
  const float *lp_rows = nullptr, *ent_rows = nullptr;
  TX_RETURN_IF_ERROR(host_floats(place_, logp_rows_, nh, &lp_tmp, &lp_rows));
  TX_RETURN_IF_ERROR(host_floats(place_, ent_rows_, nh, &ent_tmp, &ent_rows));
  for (int64_t i = 0; i < n; ++i) logp[i] = entropy[i] = 0.0f;
  for (int64_t r = 0; r < nh; ++r) {
    const int64_t j = head_row(r);
    if (j + 1 < n && targets[j] != -100) {
      logp[j + 1] = lp_rows[r];
      entropy[j + 1] = ent_rows[r];
    }
  }
  return Status::ok();
}

Status Model::train_micro(const Batch& b, const LossSpec& loss, StepStats* stats) {
  TX_RETURN_IF_ERROR(check_batch(b, cfg_.vocab_size));
  TX_RETURN_IF_ERROR(place_.activate());
  std::vector<int32_t> targets;
  row_targets(b, &targets);
  const int64_t n = b.tokens_n;
  TX_RETURN_IF_ERROR(forward(b.tokens, b.cu_seqlens, n, b.seqs, targets.data()));
  TX_RETURN_IF_ERROR(head_forward(head(n, targets.data()), logp_rows_, nullptr, lse_rows_));
  const int64_t nh = head_rows(n);
  std::vector<float> lp_tmp;
  const float* lp_rows = nullptr;
  TX_RETURN_IF_ERROR(host_floats(place_, logp_rows_, nh, &lp_tmp, &lp_rows));
  // The loss works on host token vectors (N floats, whatever the device): the GRPO loss
  // runs on the CPU op, so its statistics are the same bits on every device.
  std::vector<float> logp_tok(static_cast<size_t>(n), 0.0f), grad_tok(static_cast<size_t>(n), 0.0f);
  for (int64_t r = 0; r < nh; ++r) {
    const int64_t j = head_row(r);
    if (j + 1 < n && targets[j] != -100) logp_tok[j + 1] = lp_rows[r];
  }
  *stats = StepStats();
  if (loss.sft) {
    int64_t count = 0;
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (b.mask[i] != 0) ++count, sum += logp_tok[i];
    }
    if (count == 0) return {Code::kRange, "mask selects no token: nothing to train on"};
    for (int64_t i = 0; i < n; ++i) {
      if (b.mask[i] != 0) grad_tok[i] = static_cast<float>(-1.0 / count);
    }
    stats->loss = -sum / count;
    stats->tokens = count;
  } else {
    const Place host;
    GrpoLossArgs g = loss.grpo;
    g.logp = fvec(host, logp_tok.data(), n);
    g.mask = TensorView::contiguous(const_cast<uint8_t*>(b.mask), {n}, DType::kU8);
    g.seq_offsets = ivec(b.cu_seqlens, b.seqs + 1);
    g.grad_logp = fvec(host, grad_tok.data(), n);
    TX_RETURN_IF_ERROR(grpo_loss(g, &stats->grpo));
    stats->loss = stats->grpo.loss;
    stats->tokens = stats->grpo.tokens;
  }
  std::vector<float> grad_rows(static_cast<size_t>(nh), 0.0f);
  for (int64_t r = 0; r < nh; ++r) {
    const int64_t j = head_row(r);
    if (j + 1 < n && targets[j] != -100) grad_rows[r] = static_cast<float>(grad_tok[j + 1] * loss.scale);
  }
  const float* grad_rows_here = grad_rows.data();
  if (!place_.host()) {
    TX_RETURN_IF_ERROR(upload(place_, grad_rows_, grad_rows.data(), sizeof(float) * static_cast<size_t>(nh)));
    grad_rows_here = grad_rows_;
  }
  return backward(b.tokens, b.cu_seqlens, n, b.seqs, targets.data(), grad_rows_here);
}

Status Model::optimizer_step(const OptimConfig& o, double* grad_norm) {
  TX_RETURN_IF_ERROR(place_.activate());
  const Place& pl = place_;
  AdamWArgs a;
  a.params = fvec(pl, params_.data(), total_), a.grads = fvec(pl, grads_.data(), total_);
  a.exp_avg = fvec(pl, m_.data(), total_), a.exp_avg_sq = fvec(pl, v_.data(), total_);
  a.lr = o.lr, a.beta1 = o.beta1, a.beta2 = o.beta2, a.eps = o.eps, a.weight_decay = o.weight_decay;
  a.max_grad_norm = o.max_grad_norm, a.step = step_ + 1;
  AdamWResult r;
  TX_RETURN_IF_ERROR(adamw_step(a, &r));
  ++step_;
  *grad_norm = r.grad_norm;
  TX_RETURN_IF_ERROR(refresh_bf16());
  return zero_grad();
}

Status Model::zero_grad() {
  TX_RETURN_IF_ERROR(place_.activate());
  return grads_.zero();
}

}  // namespace tx::model

// Model: creation, activation planning, packed forward and backward, the two losses
// (GRPO via grpo_loss, SFT cross-entropy) and the AdamW step. Generation is generate.cpp.
#include "tx/model/model.h"

#include <cmath>
#include <cstring>
#include <string>

#include "model/head.h"
#include "model/linear.h"
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

}  // namespace

Status Model::create(const Config& c, uint64_t seed, int64_t max_tokens, std::unique_ptr<Model>* out) {
  TX_RETURN_IF_ERROR(validate(c));
  if (max_tokens < 1) return {Code::kRange, "maxTokens must be >= 1"};
  std::unique_ptr<Model> m(new Model());
  m->cfg_ = c;
  m->layout_ = param_layout(c, &m->total_);
  // Checked before anything is allocated: a config from an untrusted file must not make
  // the kernel's OOM killer end the process (the vectors are zeroed, so every page is touched).
  const double floats = 4.0 * static_cast<double>(m->total_) + static_cast<double>(c.max_position_embeddings) * c.head_dim() +
                        plan_floats(c, static_cast<double>(max_tokens));
  TX_RETURN_IF_ERROR(check_host_bytes(floats * sizeof(float), "this model (parameters, gradients, AdamW moments, activations)"));
  m->params_.assign(static_cast<size_t>(m->total_), 0.0f);
  m->grads_.assign(static_cast<size_t>(m->total_), 0.0f);
  m->m_.assign(static_cast<size_t>(m->total_), 0.0f);
  m->v_.assign(static_cast<size_t>(m->total_), 0.0f);
  m->p_ = bind_params(c, m->params_.data());
  m->gp_ = bind_params(c, m->grads_.data());
  for (const ParamInfo& info : m->layout_) {
    float* p = m->params_.data() + info.offset;
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
  const int64_t hd = c.head_dim();
  m->rope_table_.assign(static_cast<size_t>(c.max_position_embeddings * hd), 0.0f);
  TX_RETURN_IF_ERROR(rope_table(c.rope_theta, hd, c.max_position_embeddings, fvec(m->rope_table_.data(), c.max_position_embeddings * hd)));
  TX_RETURN_IF_ERROR(m->plan(max_tokens));
  *out = std::move(m);
  return Status::ok();
}

size_t Model::native_bytes() const {
  // At creation (what AdjustExternalMemory reports); generation buffers grow later with use.
  return sizeof(float) * (params_.size() + grads_.size() + m_.size() + v_.size() + rope_table_.size() + acts_.size() + bwd_.size() +
                          logits_.size());
}

// One buffer for all activations of `tokens` rows, one for the backward scratch.
Status Model::plan(int64_t tokens) {
  if (tokens <= capacity_) return Status::ok();
  TX_RETURN_IF_ERROR(check_host_bytes(plan_floats(cfg_, static_cast<double>(tokens)) * sizeof(float), "the activations of this batch"));
  const int64_t d = cfg_.hidden_size, q = cfg_.q_dim(), kv = cfg_.kv_dim(), ff = cfg_.intermediate_size;
  const int64_t h = cfg_.num_attention_heads, L = cfg_.num_hidden_layers;
  // x, h1, mid, h2: 4d; q, att: 2q; k, v: 2kv; g, u, a: 3ff; r1, r2: 2; lse: h.
  const int64_t per_layer = tokens * (4 * d + 2 * q + 2 * kv + 3 * ff + 2 + h);
  acts_.assign(static_cast<size_t>(per_layer * L + tokens * (3 * d + 1)), 0.0f);
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
  bwd_.assign(static_cast<size_t>(tokens * (3 * d + 2 * q + 2 * kv + 3 * ff) + cfg_.vocab_size * d), 0.0f);
  positions_.assign(static_cast<size_t>(tokens), 0);
  logp_rows_.assign(static_cast<size_t>(tokens), 0.0f);
  ent_rows_.assign(static_cast<size_t>(tokens), 0.0f);
  lse_rows_.assign(static_cast<size_t>(tokens), 0.0f);
  if (head_materializes(cfg_.vocab_size)) logits_.assign(static_cast<size_t>(tokens * cfg_.vocab_size), 0.0f);
  capacity_ = tokens;
  return Status::ok();
}

Status Model::forward(const int32_t* tokens, const int32_t* cu, int64_t n, int64_t seqs) {
  TX_RETURN_IF_ERROR(plan(n));
  const Config& c = cfg_;
  const int64_t d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size, V = c.vocab_size;
  const int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, hd = c.head_dim();
  for (int64_t b = 0; b < seqs; ++b) {
    if (cu[b + 1] - cu[b] > c.max_position_embeddings) {
      return {Code::kRange, "sequence " + std::to_string(b) + " has " + std::to_string(cu[b + 1] - cu[b]) +
                                " tokens, more than config.max_position_embeddings = " + std::to_string(c.max_position_embeddings)};
    }
    for (int32_t t = cu[b]; t < cu[b + 1]; ++t) positions_[t] = t - cu[b];
  }
  const TensorView pos = ivec(positions_.data(), n), cuv = ivec(cu, seqs + 1);
  const TensorView table = fvec(rope_table_.data(), static_cast<int64_t>(rope_table_.size()));
  TX_RETURN_IF_ERROR(embedding({fvec(p_.embed, V * d), ivec(tokens, n), V, d, fvec(la_[0].x, n * d)}));
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const LayerActs& A = la_[l];
    const LayerParams& P = p_.layers[l];
    float* xout = l + 1 < c.num_hidden_layers ? la_[l + 1].x : xf_;
    TX_RETURN_IF_ERROR(rms_norm({fvec(A.x, n * d), fvec(P.ln1, d), n, d, c.rms_norm_eps, fvec(A.h1, n * d), fvec(A.r1, n)}));
    TX_RETURN_IF_ERROR(linear(A.h1, P.wq, P.bq, A.q, n, d, q));
    TX_RETURN_IF_ERROR(linear(A.h1, P.wk, P.bk, A.k, n, d, kv));
    TX_RETURN_IF_ERROR(linear(A.h1, P.wv, P.bv, A.v, n, d, kv));
    TX_RETURN_IF_ERROR(tx::rope({fvec(A.q, n * q), pos, n, H, hd, c.rope_theta, table, fvec(A.q, n * q)}));
    TX_RETURN_IF_ERROR(tx::rope({fvec(A.k, n * kv), pos, n, Hkv, hd, c.rope_theta, table, fvec(A.k, n * kv)}));
    AttentionArgs at;
    at.q = f3(A.q, n, H, hd), at.k = f3(A.k, n, Hkv, hd), at.v = f3(A.v, n, Hkv, hd), at.cu_seqlens = cuv;
    at.out = f3(A.att, n, H, hd), at.lse = fmat(A.lse, H, n);
    TX_RETURN_IF_ERROR(attention(at));
    TX_RETURN_IF_ERROR(linear(A.att, P.wo, nullptr, tmp_, n, q, d));
    TX_RETURN_IF_ERROR(residual_add({fvec(A.x, n * d), fvec(tmp_, n * d), fvec(A.mid, n * d)}));
    TX_RETURN_IF_ERROR(rms_norm({fvec(A.mid, n * d), fvec(P.ln2, d), n, d, c.rms_norm_eps, fvec(A.h2, n * d), fvec(A.r2, n)}));
    TX_RETURN_IF_ERROR(linear(A.h2, P.wg, nullptr, A.g, n, d, ff));
    TX_RETURN_IF_ERROR(linear(A.h2, P.wu, nullptr, A.u, n, d, ff));
    TX_RETURN_IF_ERROR(swiglu({fvec(A.g, n * ff), fvec(A.u, n * ff), fvec(A.a, n * ff)}));
    TX_RETURN_IF_ERROR(linear(A.a, P.wd, nullptr, tmp_, n, ff, d));
    TX_RETURN_IF_ERROR(residual_add({fvec(A.mid, n * d), fvec(tmp_, n * d), fvec(xout, n * d)}));
  }
  return rms_norm({fvec(xf_, n * d), fvec(p_.norm, d), n, d, c.rms_norm_eps, fvec(hf_, n * d), fvec(rf_, n)});
}

Status Model::backward(const int32_t* tokens, const int32_t* cu, int64_t n, int64_t seqs, const int32_t* targets,
                       const float* grad_rows) {
  const Config& c = cfg_;
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
  const TensorView table = fvec(rope_table_.data(), static_cast<int64_t>(rope_table_.size()));

  const Head head{hf_, p_.lm_head, n, d, V, targets, logits_.data()};
  TX_RETURN_IF_ERROR(head_backward(head, lse_rows_.data(), grad_rows, ghid, gp_.lm_head, glm));  // lm_head == embed when tied
  TX_RETURN_IF_ERROR(rms_norm_backward({fvec(xf_, n * d), fvec(p_.norm, d), fvec(rf_, n), fvec(ghid, n * d), n, d, true,
                                        fvec(gx, n * d), fvec(gp_.norm, d)}));
  for (int64_t l = c.num_hidden_layers - 1; l >= 0; --l) {
    const LayerActs& A = la_[l];
    const LayerParams& P = p_.layers[l];
    const LayerParams& G = gp_.layers[l];
    // x_out = mid + a Wd^T
    TX_RETURN_IF_ERROR(linear_grad_weight(gx, A.a, G.wd, nullptr, n, ff, d));
    TX_RETURN_IF_ERROR(linear_grad_input(gx, P.wd, ga, n, ff, d, false));
    TX_RETURN_IF_ERROR(swiglu_backward({fvec(A.g, n * ff), fvec(A.u, n * ff), fvec(ga, n * ff), fvec(gg, n * ff), fvec(gu, n * ff)}));
    TX_RETURN_IF_ERROR(linear_grad_weight(gg, A.h2, G.wg, nullptr, n, d, ff));
    TX_RETURN_IF_ERROR(linear_grad_weight(gu, A.h2, G.wu, nullptr, n, d, ff));
    TX_RETURN_IF_ERROR(linear_grad_input(gg, P.wg, ghid, n, d, ff, false));
    TX_RETURN_IF_ERROR(linear_grad_input(gu, P.wu, ghid, n, d, ff, true));
    TX_RETURN_IF_ERROR(rms_norm_backward({fvec(A.mid, n * d), fvec(P.ln2, d), fvec(A.r2, n), fvec(ghid, n * d), n, d, true,
                                          fvec(gtmp, n * d), fvec(G.ln2, d)}));
    TX_RETURN_IF_ERROR(residual_add({fvec(gx, n * d), fvec(gtmp, n * d), fvec(gx, n * d)}));  // gx = dL/dmid
    // mid = x + att Wo^T
    TX_RETURN_IF_ERROR(linear_grad_weight(gx, A.att, G.wo, nullptr, n, q, d));
    TX_RETURN_IF_ERROR(linear_grad_input(gx, P.wo, gatt, n, q, d, false));
    AttentionBackwardArgs ab;
    ab.q = f3(A.q, n, H, hd), ab.k = f3(A.k, n, Hkv, hd), ab.v = f3(A.v, n, Hkv, hd), ab.out = f3(A.att, n, H, hd);
    ab.lse = fmat(A.lse, H, n), ab.grad_out = f3(gatt, n, H, hd), ab.cu_seqlens = cuv;
    ab.grad_q = f3(gq, n, H, hd), ab.grad_k = f3(gk, n, Hkv, hd), ab.grad_v = f3(gv, n, Hkv, hd);
    TX_RETURN_IF_ERROR(attention_backward(ab));
    TX_RETURN_IF_ERROR(rope_backward({fvec(gq, n * q), pos, n, H, hd, c.rope_theta, table, fvec(gq, n * q)}));
    TX_RETURN_IF_ERROR(rope_backward({fvec(gk, n * kv), pos, n, Hkv, hd, c.rope_theta, table, fvec(gk, n * kv)}));
    TX_RETURN_IF_ERROR(linear_grad_weight(gq, A.h1, G.wq, G.bq, n, d, q));
    TX_RETURN_IF_ERROR(linear_grad_weight(gk, A.h1, G.wk, G.bk, n, d, kv));
    TX_RETURN_IF_ERROR(linear_grad_weight(gv, A.h1, G.wv, G.bv, n, d, kv));
    TX_RETURN_IF_ERROR(linear_grad_input(gq, P.wq, ghid, n, d, q, false));
    TX_RETURN_IF_ERROR(linear_grad_input(gk, P.wk, ghid, n, d, kv, true));
    TX_RETURN_IF_ERROR(linear_grad_input(gv, P.wv, ghid, n, d, kv, true));
    TX_RETURN_IF_ERROR(rms_norm_backward({fvec(A.x, n * d), fvec(P.ln1, d), fvec(A.r1, n), fvec(ghid, n * d), n, d, true,
                                          fvec(gtmp, n * d), fvec(G.ln1, d)}));
    TX_RETURN_IF_ERROR(residual_add({fvec(gx, n * d), fvec(gtmp, n * d), fvec(gx, n * d)}));
  }
  EmbeddingBackwardArgs eb{fvec(gx, n * d), ivec(tokens, n), V, d, true, fvec(gp_.embed, V * d)};
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
  std::vector<int32_t> targets;
  row_targets(b, &targets);
  const int64_t n = b.tokens_n, d = cfg_.hidden_size;
  TX_RETURN_IF_ERROR(forward(b.tokens, b.cu_seqlens, n, b.seqs));
  const Head head{hf_, p_.lm_head, n, d, cfg_.vocab_size, targets.data(), logits_.data()};
  TX_RETURN_IF_ERROR(head_forward(head, logp_rows_.data(), ent_rows_.data(), lse_rows_.data()));
  for (int64_t i = 0; i < n; ++i) logp[i] = entropy[i] = 0.0f;
  for (int64_t j = 0; j + 1 < n; ++j) {
    if (targets[j] != -100) {
      logp[j + 1] = logp_rows_[j];
      entropy[j + 1] = ent_rows_[j];
    }
  }
  return Status::ok();
}

Status Model::train_micro(const Batch& b, const LossSpec& loss, StepStats* stats) {
  TX_RETURN_IF_ERROR(check_batch(b, cfg_.vocab_size));
  std::vector<int32_t> targets;
  row_targets(b, &targets);
  const int64_t n = b.tokens_n, d = cfg_.hidden_size;
  TX_RETURN_IF_ERROR(forward(b.tokens, b.cu_seqlens, n, b.seqs));
  const Head head{hf_, p_.lm_head, n, d, cfg_.vocab_size, targets.data(), logits_.data()};
  TX_RETURN_IF_ERROR(head_forward(head, logp_rows_.data(), nullptr, lse_rows_.data()));
  std::vector<float> logp_tok(static_cast<size_t>(n), 0.0f), grad_tok(static_cast<size_t>(n), 0.0f);
  for (int64_t j = 0; j + 1 < n; ++j) {
    if (targets[j] != -100) logp_tok[j + 1] = logp_rows_[j];
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
    GrpoLossArgs g = loss.grpo;
    g.logp = fvec(logp_tok.data(), n);
    g.mask = TensorView::contiguous(const_cast<uint8_t*>(b.mask), {n}, DType::kU8);
    g.seq_offsets = ivec(b.cu_seqlens, b.seqs + 1);
    g.grad_logp = fvec(grad_tok.data(), n);
    TX_RETURN_IF_ERROR(grpo_loss(g, &stats->grpo));
    stats->loss = stats->grpo.loss;
    stats->tokens = stats->grpo.tokens;
  }
  std::vector<float> grad_rows(static_cast<size_t>(n), 0.0f);
  for (int64_t j = 0; j + 1 < n; ++j) {
    if (targets[j] != -100) grad_rows[j] = static_cast<float>(grad_tok[j + 1] * loss.scale);
  }
  return backward(b.tokens, b.cu_seqlens, n, b.seqs, targets.data(), grad_rows.data());
}

Status Model::optimizer_step(const OptimConfig& o, double* grad_norm) {
  AdamWArgs a;
  a.params = fvec(params_.data(), total_), a.grads = fvec(grads_.data(), total_);
  a.exp_avg = fvec(m_.data(), total_), a.exp_avg_sq = fvec(v_.data(), total_);
  a.lr = o.lr, a.beta1 = o.beta1, a.beta2 = o.beta2, a.eps = o.eps, a.weight_decay = o.weight_decay;
  a.max_grad_norm = o.max_grad_norm, a.step = step_ + 1;
  AdamWResult r;
  TX_RETURN_IF_ERROR(adamw_step(a, &r));
  ++step_;
  *grad_norm = r.grad_norm;
  zero_grad();
  return Status::ok();
}

void Model::zero_grad() { std::memset(grads_.data(), 0, grads_.size() * sizeof(float)); }

}  // namespace tx::model

// Generation with a per-sequence KV cache. Prefill runs the packed forward once per
// prompt and copies its k/v rows into the cache of each of the prompt's n samples; each
// decode step then runs every sequence's newest token through the same ops with M = B rows
// and decode_attention over the cache. Because every op is row-wise batch invariant and
// decode attention equals the packed forward bit for bit, the log-probs reported here
// (the same output head at temperature 1 on the same hidden rows) equal forward_logprobs.
#include <algorithm>
#include <cstring>
#include <string>

#include "model/head.h"
#include "model/linear.h"
#include "tx/memory.h"
#include "tx/model/model.h"

namespace tx::model {

namespace {

// Grows v to at least n elements without touching (re-zeroing) what is there.
void grow(std::vector<float>* v, int64_t n) {
  if (static_cast<int64_t>(v->size()) < n) v->resize(static_cast<size_t>(n));
}

}  // namespace

struct Model::GenState {
  std::vector<float> kc, vc;  // per layer [B, tmax, Hkv, hd]; only positions < length are read
  std::vector<float> x, h, q, k, v, att, lse, mid, h2, g, u, a, tmp, hf, r, logits, logp, lse1;
  void size(int64_t B, int64_t tmax, const Config& c) {
    const int64_t d = c.hidden_size, q_ = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size;
    grow(&kc, c.num_hidden_layers * B * tmax * kv);
    grow(&vc, c.num_hidden_layers * B * tmax * kv);
    for (auto* p : {&x, &h, &mid, &h2, &tmp, &hf}) grow(p, B * d);
    for (auto* p : {&q, &att}) grow(p, B * q_);
    for (auto* p : {&k, &v}) grow(p, B * kv);
    for (auto* p : {&g, &u, &a}) grow(p, B * ff);
    grow(&lse, B * c.num_attention_heads);
    for (auto* p : {&r, &logp, &lse1}) grow(p, B);
    grow(&logits, B * c.vocab_size);
  }
};

Status Model::generate(const GenerateSpec& s) {
  const Config& c = cfg_;
  const int64_t d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size, V = c.vocab_size;
  const int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, hd = c.head_dim(), L = c.num_hidden_layers;
  const int64_t P = s.prompts, B = P * s.n;
  if (P < 1) return {Code::kRange, "prompts must not be empty"};
  if (s.n < 1) return {Code::kRange, "opts.n must be >= 1"};
  if (s.max_tokens < 1) return {Code::kRange, "opts.maxTokens must be >= 1"};
  int64_t longest = 0;
  for (int64_t p = 0; p < P; ++p) {
    const int64_t len = s.prompt_offsets[p + 1] - s.prompt_offsets[p];
    if (len < 1) return {Code::kRange, "prompt " + std::to_string(p) + " has no token"};
    longest = std::max(longest, len);
  }
  const int64_t total = s.prompt_offsets[P];
  for (int64_t i = 0; i < total; ++i) {
    if (s.prompt_tokens[i] < 0 || s.prompt_tokens[i] >= V) {
      return {Code::kRange, "prompt token " + std::to_string(s.prompt_tokens[i]) + " is outside [0, vocab_size)"};
    }
  }
  const int64_t tmax = longest + s.max_tokens;
  if (tmax > c.max_position_embeddings) {
    return {Code::kRange, "longest prompt (" + std::to_string(longest) + ") + opts.maxTokens (" + std::to_string(s.max_tokens) +
                              ") exceeds config.max_position_embeddings = " + std::to_string(c.max_position_embeddings)};
  }
  // Checked in double before the buffers grow: B * tmax * kv * L can exceed int64.
  const double cache = 2.0 * L * static_cast<double>(B) * static_cast<double>(tmax) * static_cast<double>(kv);
  const double rows = static_cast<double>(B) * (6.0 * d + 2.0 * q + 2.0 * kv + 3.0 * ff + H + 3.0 + V);
  TX_RETURN_IF_ERROR(check_host_bytes((cache + rows) * sizeof(float), "generation (KV cache of prompts * n rows)"));
  // KV cache, per layer [B, tmax, Hkv, hd].
  const int64_t slab = B * tmax * kv;
  if (!gen_) gen_ = std::make_shared<GenState>();
  GenState& buf = *gen_;
  buf.size(B, tmax, c);
  std::vector<float>& kc = buf.kc;
  std::vector<float>& vc = buf.vc;

  // Prefill: packed forward over the prompts, k/v rows copied to each sample's cache.
  TX_RETURN_IF_ERROR(forward(s.prompt_tokens, s.prompt_offsets, total, P));
  std::vector<int32_t> len(static_cast<size_t>(B)), cur(static_cast<size_t>(B)), seq_ids(static_cast<size_t>(B));
  std::vector<uint8_t> done(static_cast<size_t>(B), 0);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t p = b / s.n, start = s.prompt_offsets[p];
    len[b] = static_cast<int32_t>(s.prompt_offsets[p + 1] - start);
    seq_ids[b] = static_cast<int32_t>(b);
    s.out_lengths[b] = 0;
    for (int64_t l = 0; l < L; ++l) {
      std::memcpy(&kc[l * slab + b * tmax * kv], la_[l].k + start * kv, sizeof(float) * len[b] * kv);
      std::memcpy(&vc[l * slab + b * tmax * kv], la_[l].v + start * kv, sizeof(float) * len[b] * kv);
    }
    std::memcpy(&buf.hf[b * d], hf_ + (start + len[b] - 1) * d, sizeof(float) * d);
  }

  for (int64_t step = 0;; ++step) {
    // Sample the token at position len[b] from the hidden row in buf.hf; its logp at T = 1.
    TX_RETURN_IF_ERROR(linear(buf.hf.data(), p_.lm_head, nullptr, buf.logits.data(), B, d, V));
    SampleArgs sa;
    sa.logits = fvec(buf.logits.data(), B * V), sa.vocab = V, sa.seq_ids = ivec(seq_ids.data(), B);
    sa.positions = ivec(len.data(), B), sa.seed = s.seed, sa.temperature = s.temperature, sa.top_k = s.top_k;
    sa.top_p = s.top_p, sa.tokens = ivec(cur.data(), B);
    TX_RETURN_IF_ERROR(sample(sa));
    std::vector<int32_t> targets(cur);
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) targets[b] = -100;
    }
    // The same head (and path) as forward_logprobs; it recomputes the logits in place.
    const Head head{buf.hf.data(), p_.lm_head, B, d, V, targets.data(), buf.logits.data()};
    TX_RETURN_IF_ERROR(head_forward(head, buf.logp.data(), nullptr, buf.lse1.data()));
    bool all_done = true;
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;
      s.out_tokens[b * s.max_tokens + step] = cur[b];
      s.out_logp[b * s.max_tokens + step] = buf.logp[b];
      s.out_lengths[b] = static_cast<int32_t>(step + 1);
      if (std::find(s.stop_ids.begin(), s.stop_ids.end(), cur[b]) != s.stop_ids.end() || step + 1 == s.max_tokens) {
        done[b] = 1;
      } else {
        all_done = false;
      }
    }
    if (all_done) break;
    // Decode: run cur[b] at position len[b] through the layers (finished rows too: their
    // results are ignored; it keeps one code path and M = B for every step).
    const TensorView pos = ivec(len.data(), B);
    const TensorView table = fvec(rope_table_.data(), static_cast<int64_t>(rope_table_.size()));
    TX_RETURN_IF_ERROR(embedding({fvec(p_.embed, V * d), ivec(cur.data(), B), V, d, fvec(buf.x.data(), B * d)}));
    std::vector<int32_t> lengths(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b) lengths[b] = len[b] + 1;
    for (int64_t l = 0; l < L; ++l) {
      const LayerParams& Pm = p_.layers[l];
      TX_RETURN_IF_ERROR(rms_norm({fvec(buf.x.data(), B * d), fvec(Pm.ln1, d), B, d, c.rms_norm_eps, fvec(buf.h.data(), B * d), fvec(buf.r.data(), B)}));
      TX_RETURN_IF_ERROR(linear(buf.h.data(), Pm.wq, Pm.bq, buf.q.data(), B, d, q));
      TX_RETURN_IF_ERROR(linear(buf.h.data(), Pm.wk, Pm.bk, buf.k.data(), B, d, kv));
      TX_RETURN_IF_ERROR(linear(buf.h.data(), Pm.wv, Pm.bv, buf.v.data(), B, d, kv));
      TX_RETURN_IF_ERROR(tx::rope({fvec(buf.q.data(), B * q), pos, B, H, hd, c.rope_theta, table, fvec(buf.q.data(), B * q)}));
      TX_RETURN_IF_ERROR(tx::rope({fvec(buf.k.data(), B * kv), pos, B, Hkv, hd, c.rope_theta, table, fvec(buf.k.data(), B * kv)}));
      for (int64_t b = 0; b < B; ++b) {
        std::memcpy(&kc[l * slab + (b * tmax + len[b]) * kv], &buf.k[b * kv], sizeof(float) * kv);
        std::memcpy(&vc[l * slab + (b * tmax + len[b]) * kv], &buf.v[b * kv], sizeof(float) * kv);
      }
      DecodeAttentionArgs da;
      da.q = f3(buf.q.data(), B, H, hd), da.k_cache = f4(&kc[l * slab], B, tmax, Hkv, hd);
      da.v_cache = f4(&vc[l * slab], B, tmax, Hkv, hd), da.lengths = ivec(lengths.data(), B);
      da.out = f3(buf.att.data(), B, H, hd), da.lse = fmat(buf.lse.data(), B, H);
      TX_RETURN_IF_ERROR(decode_attention(da));
      TX_RETURN_IF_ERROR(linear(buf.att.data(), Pm.wo, nullptr, buf.tmp.data(), B, q, d));
      TX_RETURN_IF_ERROR(residual_add({fvec(buf.x.data(), B * d), fvec(buf.tmp.data(), B * d), fvec(buf.mid.data(), B * d)}));
      TX_RETURN_IF_ERROR(rms_norm({fvec(buf.mid.data(), B * d), fvec(Pm.ln2, d), B, d, c.rms_norm_eps, fvec(buf.h2.data(), B * d), fvec(buf.r.data(), B)}));
      TX_RETURN_IF_ERROR(linear(buf.h2.data(), Pm.wg, nullptr, buf.g.data(), B, d, ff));
      TX_RETURN_IF_ERROR(linear(buf.h2.data(), Pm.wu, nullptr, buf.u.data(), B, d, ff));
      TX_RETURN_IF_ERROR(swiglu({fvec(buf.g.data(), B * ff), fvec(buf.u.data(), B * ff), fvec(buf.a.data(), B * ff)}));
      TX_RETURN_IF_ERROR(linear(buf.a.data(), Pm.wd, nullptr, buf.tmp.data(), B, ff, d));
      TX_RETURN_IF_ERROR(residual_add({fvec(buf.mid.data(), B * d), fvec(buf.tmp.data(), B * d), fvec(buf.x.data(), B * d)}));
    }
    TX_RETURN_IF_ERROR(rms_norm({fvec(buf.x.data(), B * d), fvec(p_.norm, d), B, d, c.rms_norm_eps, fvec(buf.hf.data(), B * d), fvec(buf.r.data(), B)}));
    for (int64_t b = 0; b < B; ++b) ++len[b];
  }
  return Status::ok();
}

}  // namespace tx::model

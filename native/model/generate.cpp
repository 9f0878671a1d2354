// Generation with a per-sequence KV cache. Prefill runs the packed forward once per
// prompt and copies its k/v rows into the cache of each of the prompt's n samples; each
// decode step then runs every sequence's newest token through the same ops with M = B rows
// and decode_attention over the cache. Because every op is row-wise batch invariant and
// decode attention equals the packed forward bit for bit, the log-probs reported here
// (the same output head at temperature 1 on the same hidden rows) equal forward_logprobs.
// On CUDA the cache and every row buffer are device memory; per step the sampled tokens
// (B ints) and their log-probs (B floats) come back to the host, which drives the loop.
#include <algorithm>
#include <string>

#include "model/head.h"
#include "model/linear.h"
#include "tx/memory.h"
#include "tx/model/model.h"

namespace tx::model {

struct Model::GenState {
  // Buffers kept between calls and only grown: a fresh allocation per call costs page
  // faults (CPU) or cudaMalloc synchronisations comparable to the decode work at this size.
  Storage kc, vc;  // per layer [B, tmax, Hkv, hd]; only positions < length are read
  Storage x, h, q, k, v, att, lse, mid, h2, g, u, a, tmp, hf, r, logits, logp, lse1, tokens;
  Status size(const Place& pl, int64_t B, int64_t tmax, const Config& c) {
    const int64_t d = c.hidden_size, q_ = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size;
    TX_RETURN_IF_ERROR(kc.grow(pl, c.num_hidden_layers * B * tmax * kv));
    TX_RETURN_IF_ERROR(vc.grow(pl, c.num_hidden_layers * B * tmax * kv));
    for (Storage* p : {&x, &h, &mid, &h2, &tmp, &hf}) TX_RETURN_IF_ERROR(p->grow(pl, B * d));
    for (Storage* p : {&q, &att}) TX_RETURN_IF_ERROR(p->grow(pl, B * q_));
    for (Storage* p : {&k, &v}) TX_RETURN_IF_ERROR(p->grow(pl, B * kv));
    for (Storage* p : {&g, &u, &a}) TX_RETURN_IF_ERROR(p->grow(pl, B * ff));
    TX_RETURN_IF_ERROR(lse.grow(pl, B * c.num_attention_heads));
    for (Storage* p : {&r, &logp, &lse1, &tokens}) TX_RETURN_IF_ERROR(p->grow(pl, B));
    return logits.grow(pl, B * c.vocab_size);
  }
};

Status Model::generate(const GenerateSpec& s) {
  const Config& c = cfg_;
  const int64_t d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size, V = c.vocab_size;
  const int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, hd = c.head_dim(), L = c.num_hidden_layers;
  const int64_t P = s.prompts, B = P * s.n;
  int64_t tmax = 0;
  TX_RETURN_IF_ERROR(validate_generate(c, s, &tmax));
  const int64_t total = s.prompt_offsets[P];
  // Checked in double before the buffers grow: B * tmax * kv * L can exceed int64. On
  // CUDA the buffers are device memory (cudaMalloc reports its own E_OOM); the same bound
  // still keeps the int64 products in range.
  const double cache = 2.0 * L * static_cast<double>(B) * static_cast<double>(tmax) * static_cast<double>(kv);
  const double rows = static_cast<double>(B) * (6.0 * d + 2.0 * q + 2.0 * kv + 3.0 * ff + H + 3.0 + V);
  TX_RETURN_IF_ERROR(check_host_bytes((cache + rows) * sizeof(float), "generation (KV cache of prompts * n rows)"));
  TX_RETURN_IF_ERROR(place_.activate());
  const Place& pl = place_;
  const LinearCtx lc = this->lc();
  // KV cache, per layer [B, tmax, Hkv, hd].
  const int64_t slab = B * tmax * kv;
  if (!gen_) gen_ = std::make_shared<GenState>();
  GenState& buf = *gen_;
  TX_RETURN_IF_ERROR(buf.size(pl, B, tmax, c));
  float* kc = buf.kc.data();
  float* vc = buf.vc.data();

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
      TX_RETURN_IF_ERROR(copy_floats(pl, &kc[l * slab + b * tmax * kv], la_[l].k + start * kv, len[b] * kv));
      TX_RETURN_IF_ERROR(copy_floats(pl, &vc[l * slab + b * tmax * kv], la_[l].v + start * kv, len[b] * kv));
    }
    TX_RETURN_IF_ERROR(copy_floats(pl, buf.hf.data() + b * d, hf_ + (start + len[b] - 1) * d, d));
  }

  // Sampled tokens land in buf.tokens on CUDA (the op writes on the device of the logits).
  int32_t* sampled = pl.host() ? cur.data() : buf.tokens.ints();
  std::vector<float> logp_tmp;
  for (int64_t step = 0;; ++step) {
    // Sample the token at position len[b] from the hidden row in buf.hf; its logp at T = 1.
    // The output head is f32 (as Model::head) for sampling too, so the sampled distribution
    // is the one whose log-probs are reported.
    TX_RETURN_IF_ERROR(linear(lc_f32(), buf.hf.data(), p_.lm_head, nullptr, buf.logits.data(), B, d, V));
    SampleArgs sa;
    sa.logits = fvec(pl, buf.logits.data(), B * V), sa.vocab = V, sa.seq_ids = ivec(seq_ids.data(), B);
    sa.positions = ivec(len.data(), B), sa.seed = s.seed, sa.temperature = s.temperature, sa.top_k = s.top_k;
    sa.top_p = s.top_p, sa.tokens = TensorView::contiguous(sampled, {B}, DType::kI32, pl.device, pl.index);
    TX_RETURN_IF_ERROR(sample(sa));
    if (!pl.host()) TX_RETURN_IF_ERROR(download(pl, cur.data(), sampled, sizeof(int32_t) * static_cast<size_t>(B)));
    std::vector<int32_t> targets(cur);
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) targets[b] = -100;
    }
    // The same head (and path) as forward_logprobs; it recomputes the logits in place.
    const Head head{lc_f32(), buf.hf.data(), p_.lm_head, B, d, V, targets.data(), buf.logits.data()};
    TX_RETURN_IF_ERROR(head_forward(head, buf.logp.data(), nullptr, buf.lse1.data()));
    const float* logp = nullptr;
    TX_RETURN_IF_ERROR(host_floats(pl, buf.logp.data(), B, &logp_tmp, &logp));
    bool all_done = true;
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;
      s.out_tokens[b * s.max_tokens + step] = cur[b];
      s.out_logp[b * s.max_tokens + step] = logp[b];
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
    const TensorView table = fvec(pl, rope_table_.data(), rope_table_.size());
    float *x = buf.x.data(), *h = buf.h.data(), *r = buf.r.data(), *qb = buf.q.data(), *kb = buf.k.data(), *vb = buf.v.data();
    float *att = buf.att.data(), *tmp = buf.tmp.data(), *mid = buf.mid.data(), *h2 = buf.h2.data();
    float *g = buf.g.data(), *u = buf.u.data(), *a = buf.a.data();
    TX_RETURN_IF_ERROR(embedding({fvec(pl, p_.embed, V * d), ivec(cur.data(), B), V, d, fvec(pl, x, B * d)}));
    std::vector<int32_t> lengths(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b) lengths[b] = len[b] + 1;
    for (int64_t l = 0; l < L; ++l) {
      const LayerParams& Pm = p_.layers[l];
      TX_RETURN_IF_ERROR(rms_norm({fvec(pl, x, B * d), fvec(pl, Pm.ln1, d), B, d, c.rms_norm_eps, fvec(pl, h, B * d), fvec(pl, r, B)}));
      TX_RETURN_IF_ERROR(linear(lc, h, Pm.wq, Pm.bq, qb, B, d, q));
      TX_RETURN_IF_ERROR(linear(lc, h, Pm.wk, Pm.bk, kb, B, d, kv));
      TX_RETURN_IF_ERROR(linear(lc, h, Pm.wv, Pm.bv, vb, B, d, kv));
      TX_RETURN_IF_ERROR(tx::rope({fvec(pl, qb, B * q), pos, B, H, hd, c.rope_theta, table, fvec(pl, qb, B * q)}));
      TX_RETURN_IF_ERROR(tx::rope({fvec(pl, kb, B * kv), pos, B, Hkv, hd, c.rope_theta, table, fvec(pl, kb, B * kv)}));
      for (int64_t b = 0; b < B; ++b) {
        TX_RETURN_IF_ERROR(copy_floats(pl, &kc[l * slab + (b * tmax + len[b]) * kv], kb + b * kv, kv));
        TX_RETURN_IF_ERROR(copy_floats(pl, &vc[l * slab + (b * tmax + len[b]) * kv], vb + b * kv, kv));
      }
      DecodeAttentionArgs da;
      da.q = f3(pl, qb, B, H, hd), da.k_cache = f4(pl, &kc[l * slab], B, tmax, Hkv, hd);
      da.v_cache = f4(pl, &vc[l * slab], B, tmax, Hkv, hd), da.lengths = ivec(lengths.data(), B);
      da.out = f3(pl, att, B, H, hd), da.lse = fmat(pl, buf.lse.data(), B, H);
      TX_RETURN_IF_ERROR(decode_attention(da));
      TX_RETURN_IF_ERROR(linear(lc, att, Pm.wo, nullptr, tmp, B, q, d));
      TX_RETURN_IF_ERROR(residual_add({fvec(pl, x, B * d), fvec(pl, tmp, B * d), fvec(pl, mid, B * d)}));
      TX_RETURN_IF_ERROR(rms_norm({fvec(pl, mid, B * d), fvec(pl, Pm.ln2, d), B, d, c.rms_norm_eps, fvec(pl, h2, B * d), fvec(pl, r, B)}));
      TX_RETURN_IF_ERROR(linear(lc, h2, Pm.wg, nullptr, g, B, d, ff));
      TX_RETURN_IF_ERROR(linear(lc, h2, Pm.wu, nullptr, u, B, d, ff));
      TX_RETURN_IF_ERROR(swiglu({fvec(pl, g, B * ff), fvec(pl, u, B * ff), fvec(pl, a, B * ff)}));
      TX_RETURN_IF_ERROR(linear(lc, a, Pm.wd, nullptr, tmp, B, ff, d));
      TX_RETURN_IF_ERROR(residual_add({fvec(pl, mid, B * d), fvec(pl, tmp, B * d), fvec(pl, x, B * d)}));
    }
    TX_RETURN_IF_ERROR(rms_norm({fvec(pl, x, B * d), fvec(pl, p_.norm, d), B, d, c.rms_norm_eps, fvec(pl, buf.hf.data(), B * d), fvec(pl, r, B)}));
    for (int64_t b = 0; b < B; ++b) ++len[b];
  }
  return Status::ok();
}

}  // namespace tx::model

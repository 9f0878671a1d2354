// Generation with a KV cache. Prefill runs the packed forward once over the prompts; each
// decode step then runs every running sequence's newest token through the same ops and
// attends over its cache. Because every op is row-wise batch invariant and decode attention
// equals the packed forward bit for bit, the log-probs reported here (the same output head
// at temperature 1 on the same hidden rows) equal forward_logprobs, and a row's tokens do
// not depend on which other rows run with it (sampling is keyed by sequence and position).
//
// CPU (generate_host): a step runs only the rows still running (finished rows leave the
// batch), computes the output head once (the logits it samples from are the ones its
// log-probs are read from), and reads each prompt's K/V once for its n samples
// (cpu/decode_prefix.h: the prompt's full key blocks are shared, transposed once at
// prefill; later positions live in each row's own cache, already in the tile layout).
// Device (generate_device): every row every step, per-sample caches, as before; per step
// the sampled tokens (B ints) and their log-probs (B floats) come back to the host.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "cpu/decode_prefix.h"
#include "model/head.h"
#include "model/linear.h"
#include "tx/memory.h"
#include "tx/model/model.h"

namespace tx::model {

namespace {

using cpu::kPrefixBlock;

// Own cache blocks per row on the CPU: the prompt's last partial block (< 64 keys) plus
// every generated token but the last (whose K/V no step reads).
int64_t own_blocks(int64_t max_tokens) { return (kPrefixBlock - 1 + max_tokens + kPrefixBlock - 1) / kPrefixBlock; }

}  // namespace

struct Model::GenState {
  // Buffers kept between calls and only grown: a fresh allocation per call costs page
  // faults (CPU) or cudaMalloc synchronisations comparable to the decode work at this size.
  Storage kc, vc;  // device: per layer [B, tmax, Hkv, hd]; host: each row's own blocks (generate_host)
  Storage shared_kt;  // host: per layer, the prompts' full key blocks transposed
  Storage x, h, q, k, v, att, lse, mid, h2, g, u, a, tmp, hf, r, logits, logp, lse1, tokens;
  PackedWeights packed;  // host: the weights packed for the decode steps' GEMMs, per call
  Status size(const Place& pl, int64_t B, int64_t tmax, const Config& c, bool cache) {
    const int64_t d = c.hidden_size, q_ = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size;
    if (cache) {
      TX_RETURN_IF_ERROR(kc.grow(pl, c.num_hidden_layers * B * tmax * kv));
      TX_RETURN_IF_ERROR(vc.grow(pl, c.num_hidden_layers * B * tmax * kv));
    }
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
  const int64_t H = c.num_attention_heads, L = c.num_hidden_layers;
  const int64_t P = s.prompts, B = P * s.n;
  int64_t tmax = 0;
  TX_RETURN_IF_ERROR(validate_generate(c, s, &tmax));
  const int64_t longest = tmax - s.max_tokens;  // the longest prompt (validate_generate)
  // Checked in double before the buffers grow: B * tmax * kv * L can exceed int64. On
  // CUDA the buffers are device memory (cudaMalloc reports its own E_OOM); the same bound
  // still keeps the int64 products in range.
  // The CPU cache holds each prompt's K/V once plus each row's own blocks (generate_host).
  const double own = place_.host() ? static_cast<double>(own_blocks(s.max_tokens)) * kPrefixBlock + longest : static_cast<double>(tmax);
  const double cache = 2.0 * L * static_cast<double>(B) * own * static_cast<double>(kv);
  const double rows = static_cast<double>(B) * (6.0 * d + 2.0 * q + 2.0 * kv + 3.0 * ff + H + 3.0 + V);
  TX_RETURN_IF_ERROR(check_host_bytes((cache + rows) * sizeof(float), "generation (KV cache of prompts * n rows)"));
  TX_RETURN_IF_ERROR(place_.activate());
  return place_.host() ? generate_host(s, tmax) : generate_device(s, tmax);
}

Status Model::generate_host(const GenerateSpec& s, int64_t tmax) {
  (void)tmax;  // the host cache is sized by own_blocks(max_tokens) and the prompts
  const Config& c = cfg_;
  const int64_t d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size, V = c.vocab_size;
  const int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, hd = c.head_dim(), L = c.num_hidden_layers;
  const int64_t P = s.prompts, B = P * s.n, total = s.prompt_offsets[P];
  const Place& pl = place_;
  if (!gen_) gen_ = std::make_shared<GenState>();
  GenState& buf = *gen_;
  TX_RETURN_IF_ERROR(buf.size(pl, B, 0, c, false));
  // Own caches: per layer, per row, K^T blocks [Hkv][ob][hd][64] and V rows [ob * 64][kv].
  const int64_t ob = own_blocks(s.max_tokens), block_floats = hd * kPrefixBlock;
  const int64_t own_slab = B * ob * kPrefixBlock * kv;
  TX_RETURN_IF_ERROR(buf.kc.grow(pl, L * own_slab));
  TX_RETURN_IF_ERROR(buf.vc.grow(pl, L * own_slab));
  // The prompts' full key blocks, per layer: prompt p's [Hkv][full[p]][hd][64] at shared_off[p].
  std::vector<int32_t> full(static_cast<size_t>(P));
  std::vector<int64_t> shared_off(static_cast<size_t>(P + 1), 0);
  for (int64_t p = 0; p < P; ++p) {
    full[p] = static_cast<int32_t>((s.prompt_offsets[p + 1] - s.prompt_offsets[p]) / kPrefixBlock);
    shared_off[p + 1] = shared_off[p] + static_cast<int64_t>(full[p]) * Hkv * block_floats;
  }
  const int64_t shared_slab = shared_off[P];
  TX_RETURN_IF_ERROR(buf.shared_kt.grow(pl, std::max<int64_t>(1, L * shared_slab)));
  float *own_kt = buf.kc.data(), *own_v = buf.vc.data(), *shared_kt = buf.shared_kt.data();
  // Every decode step multiplies its few rows by every weight matrix: pack them once.
  buf.packed.clear();
  struct LayerPacked {
    int wq, wk, wv, wo, wg, wu, wd;
  };
  std::vector<LayerPacked> lp(static_cast<size_t>(L));
  for (int64_t l = 0; l < L; ++l) {
    const LayerParams& Pm = p_.layers[l];
    PackedWeights& pw = buf.packed;
    LayerPacked& x = lp[l];
    TX_RETURN_IF_ERROR(pw.add(Pm.wq, d, q, &x.wq));
    TX_RETURN_IF_ERROR(pw.add(Pm.wk, d, kv, &x.wk));
    TX_RETURN_IF_ERROR(pw.add(Pm.wv, d, kv, &x.wv));
    TX_RETURN_IF_ERROR(pw.add(Pm.wo, q, d, &x.wo));
    TX_RETURN_IF_ERROR(pw.add(Pm.wg, d, ff, &x.wg));
    TX_RETURN_IF_ERROR(pw.add(Pm.wu, d, ff, &x.wu));
    TX_RETURN_IF_ERROR(pw.add(Pm.wd, ff, d, &x.wd));
  }
  int head_w = 0;
  TX_RETURN_IF_ERROR(buf.packed.add(p_.lm_head, d, V, &head_w));

  // Prefill: one packed forward over the prompts. Its V rows stay where the forward left
  // them (la_, untouched until the next forward); K's full blocks are transposed once, and
  // the partial last block is copied into each sample's own cache.
  TX_RETURN_IF_ERROR(forward(s.prompt_tokens, s.prompt_offsets, total, P));
  for (int64_t l = 0; l < L; ++l) {
    for (int64_t p = 0; p < P; ++p) {
      const int64_t start = s.prompt_offsets[p];
      for (int64_t g = 0; g < Hkv; ++g) {
        for (int32_t blk = 0; blk < full[p]; ++blk) {
          cpu::prefix_transpose_block(la_[l].k + ((start + blk * kPrefixBlock) * Hkv + g) * hd, kv, kPrefixBlock, static_cast<int>(hd),
                                     shared_kt + l * shared_slab + shared_off[p] + (g * full[p] + blk) * block_floats);
        }
      }
    }
  }
  std::vector<int32_t> len(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    const int64_t p = b / s.n, start = s.prompt_offsets[p], base = static_cast<int64_t>(full[p]) * kPrefixBlock;
    len[b] = static_cast<int32_t>(s.prompt_offsets[p + 1] - start);
    s.out_lengths[b] = 0;
    const int tail = static_cast<int>(len[b] - base);
    for (int64_t l = 0; l < L; ++l) {
      for (int64_t g = 0; g < Hkv; ++g) {
        cpu::prefix_transpose_block(la_[l].k + ((start + base) * Hkv + g) * hd, kv, tail, static_cast<int>(hd),
                                   own_kt + l * own_slab + (b * Hkv + g) * ob * block_floats);
      }
      std::memcpy(own_v + l * own_slab + b * ob * kPrefixBlock * kv, la_[l].v + (start + base) * kv, sizeof(float) * tail * kv);
    }
    std::memcpy(buf.hf.data() + b * d, hf_ + (start + len[b] - 1) * d, sizeof(float) * d);
  }

  // act: the running rows (sequence ids, ascending); buf.hf holds their hidden rows in order.
  std::vector<int32_t> act(static_cast<size_t>(B)), cur, pos, next, nkeys;
  for (int64_t b = 0; b < B; ++b) act[b] = static_cast<int32_t>(b);
  std::vector<cpu::PrefixGroup> groups;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));  // attention's default scale (native/ops/attention.cpp)
  const bool materialize = head_materializes(V);
  const TensorView table = fvec(pl, rope_table_.data(), rope_table_.size());
  for (int64_t step = 0;; ++step) {
    const int64_t m = static_cast<int64_t>(act.size());
    // The head once: logits of the running rows, sampled from and (materialising head)
    // read for their log-probs by the logprobs op, as head_forward does in forward_logprobs.
    float* hf = buf.hf.data();
    TX_RETURN_IF_ERROR(linear_packed(hf, buf.packed.at(head_w), nullptr, buf.logits.data(), m, d, V));
    pos.resize(m), cur.resize(m);
    for (int64_t i = 0; i < m; ++i) pos[i] = len[act[i]];
    SampleArgs sa;
    sa.logits = fvec(pl, buf.logits.data(), m * V), sa.vocab = V, sa.seq_ids = ivec(act.data(), m);
    sa.positions = ivec(pos.data(), m), sa.seed = s.seed, sa.temperature = s.temperature, sa.top_k = s.top_k;
    sa.top_p = s.top_p, sa.tokens = TensorView::contiguous(cur.data(), {m}, DType::kI32, pl.device, pl.index);
    TX_RETURN_IF_ERROR(sample(sa));
    if (materialize) {
      LogprobsArgs la;
      la.logits = fmat(pl, buf.logits.data(), m, V), la.targets = ivec(cur.data(), m);
      la.logp = fvec(pl, buf.logp.data(), m), la.lse = fvec(pl, buf.lse1.data(), m);
      TX_RETURN_IF_ERROR(logprobs(la));
    } else {
      const Head head{lc_f32(), hf, p_.lm_head, m, d, V, cur.data(), buf.logits.data()};
      TX_RETURN_IF_ERROR(head_forward(head, buf.logp.data(), nullptr, buf.lse1.data()));
    }
    const float* logp = buf.logp.data();
    next.clear();
    for (int64_t i = 0; i < m; ++i) {
      const int64_t b = act[i];
      s.out_tokens[b * s.max_tokens + step] = cur[i];
      s.out_logp[b * s.max_tokens + step] = logp[i];
      s.out_lengths[b] = static_cast<int32_t>(step + 1);
      const bool stop = std::find(s.stop_ids.begin(), s.stop_ids.end(), cur[i]) != s.stop_ids.end();
      if (!stop && step + 1 < s.max_tokens) next.push_back(static_cast<int32_t>(i));
    }
    if (next.empty()) break;
    // Decode the rows still running: their new tokens at positions len[b].
    const int64_t n = static_cast<int64_t>(next.size());
    std::vector<int32_t> tok(static_cast<size_t>(n));
    nkeys.resize(n);
    for (int64_t j = 0; j < n; ++j) {
      tok[j] = cur[next[j]];
      act[j] = act[next[j]];
      pos[j] = len[act[j]];
      nkeys[j] = pos[j] + 1;
    }
    act.resize(n), pos.resize(n);
    groups.clear();
    for (int64_t j = 0; j < n; ++j) {
      const int64_t p = act[j] / s.n;
      if (groups.empty() || act[groups.back().row_begin] / s.n != p) {
        groups.push_back({static_cast<int32_t>(j), static_cast<int32_t>(j), nullptr, nullptr, full[p]});
      }
      groups.back().row_end = static_cast<int32_t>(j + 1);
    }
    const TensorView posv = ivec(pos.data(), n);
    float *x = buf.x.data(), *h = buf.h.data(), *r = buf.r.data(), *qb = buf.q.data(), *kb = buf.k.data(), *vb = buf.v.data();
    float *att = buf.att.data(), *tmp = buf.tmp.data(), *mid = buf.mid.data(), *h2 = buf.h2.data();
    float *g = buf.g.data(), *u = buf.u.data(), *a = buf.a.data();
    TX_RETURN_IF_ERROR(embedding({fvec(pl, p_.embed, V * d), ivec(tok.data(), n), V, d, fvec(pl, x, n * d)}));
    for (int64_t l = 0; l < L; ++l) {
      const LayerParams& Pm = p_.layers[l];
      TX_RETURN_IF_ERROR(rms_norm({fvec(pl, x, n * d), fvec(pl, Pm.ln1, d), n, d, c.rms_norm_eps, fvec(pl, h, n * d), fvec(pl, r, n)}));
      const PackedWeights& pw = buf.packed;
      TX_RETURN_IF_ERROR(linear_packed(h, pw.at(lp[l].wq), Pm.bq, qb, n, d, q));
      TX_RETURN_IF_ERROR(linear_packed(h, pw.at(lp[l].wk), Pm.bk, kb, n, d, kv));
      TX_RETURN_IF_ERROR(linear_packed(h, pw.at(lp[l].wv), Pm.bv, vb, n, d, kv));
      TX_RETURN_IF_ERROR(tx::rope({fvec(pl, qb, n * q), posv, n, H, hd, c.rope_theta, table, fvec(pl, qb, n * q)}));
      TX_RETURN_IF_ERROR(tx::rope({fvec(pl, kb, n * kv), posv, n, Hkv, hd, c.rope_theta, table, fvec(pl, kb, n * kv)}));
      // Append the new K (into its block's column) and V to each row's own cache.
      float *okt = own_kt + l * own_slab, *ov = own_v + l * own_slab;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t b = act[j], i = pos[j] - static_cast<int64_t>(full[b / s.n]) * kPrefixBlock;
        const int64_t blk = i / kPrefixBlock, col = i % kPrefixBlock;
        for (int64_t gh = 0; gh < Hkv; ++gh) {
          float* kt = okt + ((b * Hkv + gh) * ob + blk) * block_floats;
          if (col == 0 && blk > 0) std::fill(kt, kt + block_floats, 0.0f);  // a new block starts zeroed, as transpose_block's
          const float* src = kb + j * kv + gh * hd;
          for (int64_t e = 0; e < hd; ++e) kt[e * kPrefixBlock + col] = src[e];
        }
        std::memcpy(ov + (b * ob * kPrefixBlock + i) * kv, vb + j * kv, sizeof(float) * kv);
      }
      for (cpu::PrefixGroup& gr : groups) {
        const int64_t p = act[gr.row_begin] / s.n;
        gr.kt = shared_kt + l * shared_slab + shared_off[p];
        gr.v = la_[l].v + s.prompt_offsets[p] * kv;
      }
      cpu::PrefixDecodeArgs da;
      da.hq = static_cast<int>(H), da.hkv = static_cast<int>(Hkv), da.D = static_cast<int>(hd), da.scale = scale;
      da.q = qb, da.out = att, da.nkeys = nkeys.data(), da.slot = act.data();
      da.own_kt = okt, da.own_v = ov, da.own_blocks = ob, da.groups = groups.data(), da.ngroups = static_cast<int64_t>(groups.size());
      cpu::decode_attention_prefix(da);
      TX_RETURN_IF_ERROR(linear_packed(att, pw.at(lp[l].wo), nullptr, tmp, n, q, d));
      TX_RETURN_IF_ERROR(residual_add({fvec(pl, x, n * d), fvec(pl, tmp, n * d), fvec(pl, mid, n * d)}));
      TX_RETURN_IF_ERROR(rms_norm({fvec(pl, mid, n * d), fvec(pl, Pm.ln2, d), n, d, c.rms_norm_eps, fvec(pl, h2, n * d), fvec(pl, r, n)}));
      TX_RETURN_IF_ERROR(linear_packed(h2, pw.at(lp[l].wg), nullptr, g, n, d, ff));
      TX_RETURN_IF_ERROR(linear_packed(h2, pw.at(lp[l].wu), nullptr, u, n, d, ff));
      TX_RETURN_IF_ERROR(swiglu({fvec(pl, g, n * ff), fvec(pl, u, n * ff), fvec(pl, a, n * ff)}));
      TX_RETURN_IF_ERROR(linear_packed(a, pw.at(lp[l].wd), nullptr, tmp, n, ff, d));
      TX_RETURN_IF_ERROR(residual_add({fvec(pl, mid, n * d), fvec(pl, tmp, n * d), fvec(pl, x, n * d)}));
    }
    TX_RETURN_IF_ERROR(rms_norm({fvec(pl, x, n * d), fvec(pl, p_.norm, d), n, d, c.rms_norm_eps, fvec(pl, hf, n * d), fvec(pl, r, n)}));
    for (int64_t j = 0; j < n; ++j) ++len[act[j]];
  }
  return Status::ok();
}

Status Model::generate_device(const GenerateSpec& s, int64_t tmax) {
  const Config& c = cfg_;
  const int64_t d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size, V = c.vocab_size;
  const int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, hd = c.head_dim(), L = c.num_hidden_layers;
  const int64_t P = s.prompts, B = P * s.n, total = s.prompt_offsets[P];
  const Place& pl = place_;
  const LinearCtx lc = this->lc();
  // KV cache, per layer [B, tmax, Hkv, hd].
  const int64_t slab = B * tmax * kv;
  if (!gen_) gen_ = std::make_shared<GenState>();
  GenState& buf = *gen_;
  TX_RETURN_IF_ERROR(buf.size(pl, B, tmax, c, true));
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

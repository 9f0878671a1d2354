// The last decoder layer over the rows an output head reads (CPU). Rows with no target
// (every prompt row of an RL batch, a sequence's last row) need the last layer only for
// its keys and values, which later rows attend to; everything past them (queries,
// attention, output projection, MLP, final norm, head) runs on the selected rows alone,
// compacted. A selected row gets the same arithmetic as in the full layer, so its log-prob
// has the same bits (each op treats rows independently; attention_rows.h says so for the
// attention). Backward: the unselected rows' gradients there are exact zeros, so the
// activations' gradients are the full layer's; the weight gradients of the compacted
// products sum fewer (zero) rows, in other blocks of the GEMM, so their bits may differ.
#include <cmath>
#include <cstring>

#include "cpu/attention_rows.h"
#include "model/linear.h"
#include "tx/model/model.h"

namespace tx::model {

namespace {

// dst[r] = src[rows[r]], rows of `width` floats (host).
void gather_rows(const float* src, const std::vector<int32_t>& rows, int64_t width, float* dst) {
  for (size_t r = 0; r < rows.size(); ++r) {
    std::memcpy(dst + static_cast<int64_t>(r) * width, src + static_cast<int64_t>(rows[r]) * width, sizeof(float) * width);
  }
}

}  // namespace

void Model::plan_tail(const int32_t* targets, const int32_t* cu, int64_t n, int64_t seqs) {
  Tail& t = tail_;
  t.on = false;
  t.rows.clear(), t.pos.clear(), t.targets.clear();
  if (targets == nullptr || !place_.host()) return;
  t.cu.assign(static_cast<size_t>(seqs + 1), 0);
  for (int64_t b = 0; b < seqs; ++b) {
    for (int32_t j = cu[b]; j < cu[b + 1]; ++j) {
      if (targets[j] == -100) continue;
      t.rows.push_back(j);
      t.pos.push_back(j - cu[b]);
      t.targets.push_back(targets[j]);
    }
    t.cu[b + 1] = static_cast<int32_t>(t.rows.size());
  }
  const int64_t nr = static_cast<int64_t>(t.rows.size());
  t.on = nr > 0 && nr < n;
}

Status Model::forward_tail(const LayerActs& A, const LayerParams& P, int64_t n, int64_t seqs, const int32_t* cu) {
  const Config& c = cfg_;
  const Place& pl = place_;
  const LinearCtx lc = this->lc();
  const int64_t d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size;
  const int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, hd = c.head_dim();
  const Tail& t = tail_;
  const int64_t nr = static_cast<int64_t>(t.rows.size());
  const TensorView table = fvec(pl, rope_table_.data(), rope_table_.size());
  // Keys and values of every row.
  TX_RETURN_IF_ERROR(rms_norm({fvec(pl, A.x, n * d), fvec(pl, P.ln1, d), n, d, c.rms_norm_eps, fvec(pl, A.h1, n * d), fvec(pl, A.r1, n)}));
  TX_RETURN_IF_ERROR(linear(lc, A.h1, P.wk, P.bk, A.k, n, d, kv));
  TX_RETURN_IF_ERROR(linear(lc, A.h1, P.wv, P.bv, A.v, n, d, kv));
  TX_RETURN_IF_ERROR(tx::rope({fvec(pl, A.k, n * kv), ivec(positions_.data(), n), n, Hkv, hd, c.rope_theta, table, fvec(pl, A.k, n * kv)}));
  // The rest on the selected rows (compacted in the layer's buffers, and in xf_).
  gather_rows(A.h1, t.rows, d, tmp_);
  TX_RETURN_IF_ERROR(linear(lc, tmp_, P.wq, P.bq, A.q, nr, d, q));
  TX_RETURN_IF_ERROR(tx::rope({fvec(pl, A.q, nr * q), ivec(t.pos.data(), nr), nr, H, hd, c.rope_theta, table, fvec(pl, A.q, nr * q)}));
  cpu::AttentionRowsArgs at;
  at.hq = static_cast<int>(H), at.hkv = static_cast<int>(Hkv), at.D = static_cast<int>(hd);
  at.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));  // attention's default scale (native/ops/attention.cpp)
  at.nt = n, at.rows = nr, at.batch = seqs, at.cu = cu, at.rows_cu = t.cu.data(), at.pos = t.pos.data();
  at.q = A.q, at.k = A.k, at.v = A.v, at.out = A.att, at.lse = A.lse;
  cpu::attention_rows(at);
  TX_RETURN_IF_ERROR(linear(lc, A.att, P.wo, nullptr, tmp_, nr, q, d));
  gather_rows(A.x, t.rows, d, A.mid);
  TX_RETURN_IF_ERROR(residual_add({fvec(pl, A.mid, nr * d), fvec(pl, tmp_, nr * d), fvec(pl, A.mid, nr * d)}));
  TX_RETURN_IF_ERROR(rms_norm({fvec(pl, A.mid, nr * d), fvec(pl, P.ln2, d), nr, d, c.rms_norm_eps, fvec(pl, A.h2, nr * d), fvec(pl, A.r2, nr)}));
  TX_RETURN_IF_ERROR(linear(lc, A.h2, P.wg, nullptr, A.g, nr, d, ff));
  TX_RETURN_IF_ERROR(linear(lc, A.h2, P.wu, nullptr, A.u, nr, d, ff));
  TX_RETURN_IF_ERROR(swiglu({fvec(pl, A.g, nr * ff), fvec(pl, A.u, nr * ff), fvec(pl, A.a, nr * ff)}));
  TX_RETURN_IF_ERROR(linear(lc, A.a, P.wd, nullptr, tmp_, nr, ff, d));
  return residual_add({fvec(pl, A.mid, nr * d), fvec(pl, tmp_, nr * d), fvec(pl, xf_, nr * d)});
}

Status Model::backward_tail(const LayerActs& A, const LayerParams& P, const LayerParams& G, int64_t n, int64_t seqs,
                            const int32_t* cu, const BackwardScratch& s) {
  const Config& c = cfg_;
  const Place& pl = place_;
  const LinearCtx lc = this->lc();
  const int64_t d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size;
  const int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, hd = c.head_dim();
  const Tail& t = tail_;
  const int64_t nr = static_cast<int64_t>(t.rows.size());
  const TensorView table = fvec(pl, rope_table_.data(), rope_table_.size());
  // s.gx holds dL/dx_out of the selected rows (compacted).
  TX_RETURN_IF_ERROR(linear_grad_weight(lc, s.gx, A.a, G.wd, nullptr, nr, ff, d));
  TX_RETURN_IF_ERROR(linear_grad_input(lc, s.gx, P.wd, s.ga, nr, ff, d, false));
  TX_RETURN_IF_ERROR(swiglu_backward({fvec(pl, A.g, nr * ff), fvec(pl, A.u, nr * ff), fvec(pl, s.ga, nr * ff), fvec(pl, s.gg, nr * ff), fvec(pl, s.gu, nr * ff)}));
  TX_RETURN_IF_ERROR(linear_grad_weight(lc, s.gg, A.h2, G.wg, nullptr, nr, d, ff));
  TX_RETURN_IF_ERROR(linear_grad_weight(lc, s.gu, A.h2, G.wu, nullptr, nr, d, ff));
  TX_RETURN_IF_ERROR(linear_grad_input(lc, s.gg, P.wg, s.ghid, nr, d, ff, false));
  TX_RETURN_IF_ERROR(linear_grad_input(lc, s.gu, P.wu, s.ghid, nr, d, ff, true));
  TX_RETURN_IF_ERROR(rms_norm_backward({fvec(pl, A.mid, nr * d), fvec(pl, P.ln2, d), fvec(pl, A.r2, nr), fvec(pl, s.ghid, nr * d), nr, d, true,
                                        fvec(pl, s.gtmp, nr * d), fvec(pl, G.ln2, d)}));
  TX_RETURN_IF_ERROR(residual_add({fvec(pl, s.gx, nr * d), fvec(pl, s.gtmp, nr * d), fvec(pl, s.gx, nr * d)}));  // dL/dmid
  TX_RETURN_IF_ERROR(linear_grad_weight(lc, s.gx, A.att, G.wo, nullptr, nr, q, d));
  TX_RETURN_IF_ERROR(linear_grad_input(lc, s.gx, P.wo, s.gatt, nr, q, d, false));
  cpu::AttentionRowsArgs ab;
  ab.hq = static_cast<int>(H), ab.hkv = static_cast<int>(Hkv), ab.D = static_cast<int>(hd);
  ab.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
  ab.nt = n, ab.rows = nr, ab.batch = seqs, ab.cu = cu, ab.rows_cu = t.cu.data(), ab.pos = t.pos.data();
  ab.q = A.q, ab.k = A.k, ab.v = A.v, ab.out = A.att, ab.lse = A.lse, ab.grad_out = s.gatt;
  ab.grad_q = s.gq, ab.grad_k = s.gk, ab.grad_v = s.gv;
  cpu::attention_rows_backward(ab);
  TX_RETURN_IF_ERROR(rope_backward({fvec(pl, s.gq, nr * q), ivec(t.pos.data(), nr), nr, H, hd, c.rope_theta, table, fvec(pl, s.gq, nr * q)}));
  TX_RETURN_IF_ERROR(rope_backward({fvec(pl, s.gk, n * kv), ivec(positions_.data(), n), n, Hkv, hd, c.rope_theta, table, fvec(pl, s.gk, n * kv)}));
  gather_rows(A.h1, t.rows, d, tmp_);
  TX_RETURN_IF_ERROR(linear_grad_weight(lc, s.gq, tmp_, G.wq, G.bq, nr, d, q));
  TX_RETURN_IF_ERROR(linear_grad_weight(lc, s.gk, A.h1, G.wk, G.bk, n, d, kv));
  TX_RETURN_IF_ERROR(linear_grad_weight(lc, s.gv, A.h1, G.wv, G.bv, n, d, kv));
  // dL/dh1: the query path on the selected rows (an unselected row's is exactly 0, as its
  // zero dq gives in the full layer), then the key and value paths on every row, in the
  // full layer's order.
  TX_RETURN_IF_ERROR(linear_grad_input(lc, s.gq, P.wq, tmp_, nr, d, q, false));
  std::memset(s.ghid, 0, sizeof(float) * n * d);
  for (int64_t r = 0; r < nr; ++r) std::memcpy(s.ghid + t.rows[r] * d, tmp_ + r * d, sizeof(float) * d);
  TX_RETURN_IF_ERROR(linear_grad_input(lc, s.gk, P.wk, s.ghid, n, d, kv, true));
  TX_RETURN_IF_ERROR(linear_grad_input(lc, s.gv, P.wv, s.ghid, n, d, kv, true));
  // The selected rows' dL/dmid (s.gx, compacted) moves to s.ga before s.gx takes every row.
  std::memcpy(s.ga, s.gx, sizeof(float) * nr * d);
  TX_RETURN_IF_ERROR(rms_norm_backward({fvec(pl, A.x, n * d), fvec(pl, P.ln1, d), fvec(pl, A.r1, n), fvec(pl, s.ghid, n * d), n, d, true,
                                        fvec(pl, s.gtmp, n * d), fvec(pl, G.ln1, d)}));
  // dL/dx = dL/dmid (zero on unselected rows) + the norm's path, one add per element as the
  // full layer's residual_add (0 + y = y).
  std::memset(s.gx, 0, sizeof(float) * n * d);
  for (int64_t r = 0; r < nr; ++r) std::memcpy(s.gx + t.rows[r] * d, s.ga + r * d, sizeof(float) * d);
  return residual_add({fvec(pl, s.gx, n * d), fvec(pl, s.gtmp, n * d), fvec(pl, s.gx, n * d)});
}

}  // namespace tx::model

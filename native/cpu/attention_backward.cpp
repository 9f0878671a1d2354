// Attention backward on the CPU, from the saved lse (FlashAttention-2's recomputation):
//   P = exp(S - lse), dP = dO V^T, dS = P * (dP - Delta) with Delta_i = dO_i . O_i,
//   dV = P^T dO, dK = scale * dS^T Q, dQ = scale * dS K.
// Deterministic without atomics: dK/dV are owned by one (kv head, sequence, key block) work
// item that sums over its query heads and rows in a fixed order; dQ by one (head, sequence,
// query block) item that walks key blocks in order. Scores are recomputed per tile in both
// passes (never a [T, T] matrix).
#include <cmath>
#include <vector>

#include "cpu/attention_tile.h"
#include "cpu/attention.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

namespace {

using namespace attn;

constexpr int kQueryBlock = 64;

struct Dims {
  int64_t nt;
  int hq, hkv, D, group;
  const int32_t* cu;
  int64_t batch;
};

struct Tile {
  vector<float> kt, vt, s, dp;
  vector<int> valid;
  vector<const float*> q, dout;
  void size(int rows, int D) {
    kt.resize(static_cast<size_t>(D) * kKeyBlock);
    vt.resize(static_cast<size_t>(D) * kKeyBlock);
    s.resize(static_cast<size_t>(rows) * kKeyBlock);
    dp.resize(static_cast<size_t>(rows) * kKeyBlock);
    valid.resize(rows);
  }
};

// For rows (query positions p0.. of one head) against one key block (kt/vt filled):
// s <- P, dp <- dS * scale. Keys a row cannot see get P = 0.
void probabilities_and_grads(Tile& w, int n, int p0, int j0, int nb, bool causal, const float* lse,
                             const float* delta, int D, float scale, const float* kt, const float* vt) {
  scores(w.q.data(), n, kt, D, scale, w.s.data());
  scores(w.dout.data(), n, vt, D, 1.0f, w.dp.data());
  const V16 sc = splat(scale);
  for (int r = 0; r < n; ++r) {
    const int valid = causal ? std::clamp(p0 + r - j0 + 1, 0, nb) : nb;
    w.valid[r] = valid;
    float* s = w.s.data() + r * kKeyBlock;
    float* dp = w.dp.data() + r * kKeyBlock;
    mask_tail(s, valid);
    const V16 l = splat(lse[r]), dl = splat(delta[r]);
    for (int c = 0; c < kKeyVecs; ++c) {
      const V16 p = simd::exp(sub(load(s + c * kLanes), l));
      store(s + c * kLanes, p);
      store(dp + c * kLanes, mul(mul(p, sub(load(dp + c * kLanes), dl)), sc));
    }
  }
}

}  // namespace

void attention_backward(const AttentionBackwardArgs& a, float scale) {
  Dims dm{a.q.shape[0], static_cast<int>(a.q.shape[1]), static_cast<int>(a.k.shape[1]),
          static_cast<int>(a.q.shape[2]), 0, a.cu_seqlens.as<const int32_t>(), a.cu_seqlens.shape[0] - 1};
  dm.group = dm.hq / dm.hkv;
  const int D = dm.D, hq = dm.hq, hkv = dm.hkv;
  const int64_t nt = dm.nt;
  const float* q = a.q.as<const float>();
  const float* k = a.k.as<const float>();
  const float* v = a.v.as<const float>();
  const float* o = a.out.as<const float>();
  const float* dout = a.grad_out.as<const float>();
  const float* lse = a.lse.as<const float>();
  float* dq = a.grad_q.as<float>();
  float* dk = a.grad_k.as<float>();
  float* dv = a.grad_v.as<float>();
  const int64_t kv_stride = static_cast<int64_t>(hkv) * D;

  // Delta[h][t] = dO . O, laid out like lse.
  vector<float> delta(static_cast<size_t>(hq * nt));
  parallel_for(nt * hq, 256, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t t = i / hq, h = i % hq;
      const float* x = o + i * D;
      const float* y = dout + i * D;
      V16 acc = zero();
      for (int d = 0; d < D; d += kLanes) acc = fma(load_n(x + d, D - d), load_n(y + d, D - d), acc);
      delta[h * nt + t] = hsum(acc);
    }
  });

  struct Item {
    int head;  // kv head (pass 1) or query head (pass 2)
    int b;
    int p0;    // first key (pass 1) or query (pass 2) of the block, within the sequence
  };

  // Pass 1: dK, dV.
  vector<Item> key_items;
  for (int g = 0; g < hkv; ++g)
    for (int64_t b = 0; b < dm.batch; ++b)
      for (int j0 = 0; j0 < dm.cu[b + 1] - dm.cu[b]; j0 += kKeyBlock) key_items.push_back({g, static_cast<int>(b), j0});
  parallel_for(static_cast<int64_t>(key_items.size()), 1, [&](int64_t begin, int64_t end) {
    Tile w;
    w.size(kQueryBlock, D);
    vector<float> dk_acc(static_cast<size_t>(kKeyBlock) * D), dv_acc(static_cast<size_t>(kKeyBlock) * D);
    for (int64_t it = begin; it < end; ++it) {
      const Item item = key_items[it];
      const int64_t start = dm.cu[item.b];
      const int len = dm.cu[item.b + 1] - dm.cu[item.b];
      const int j0 = item.p0, nb = std::min(kKeyBlock, len - j0);
      const float* kb = k + ((start + j0) * hkv + item.head) * D;
      const float* vb = v + ((start + j0) * hkv + item.head) * D;
      transpose_block(kb, kv_stride, nb, D, w.kt.data());
      transpose_block(vb, kv_stride, nb, D, w.vt.data());
      std::fill(dk_acc.begin(), dk_acc.end(), 0.0f);
      std::fill(dv_acc.begin(), dv_acc.end(), 0.0f);
      for (int h = item.head * dm.group; h < (item.head + 1) * dm.group; ++h) {
        for (int i0 = a.causal ? j0 : 0; i0 < len; i0 += kQueryBlock) {
          const int n = std::min(kQueryBlock, len - i0);
          w.q.clear();
          w.dout.clear();
          for (int r = 0; r < n; ++r) {
            const int64_t off = ((start + i0 + r) * hq + h) * D;
            w.q.push_back(q + off);
            w.dout.push_back(dout + off);
          }
          const int64_t row0 = h * nt + start + i0;
          probabilities_and_grads(w, n, i0, j0, nb, a.causal, lse + row0, delta.data() + row0, D, scale, w.kt.data(),
                                  w.vt.data());
          accumulate_keys(dv_acc.data(), w.s.data(), w.dout.data(), n, nb, D);
          accumulate_keys(dk_acc.data(), w.dp.data(), w.q.data(), n, nb, D);
        }
      }
      for (int j = 0; j < nb; ++j) {
        const int64_t off = ((start + j0 + j) * hkv + item.head) * D;
        std::copy_n(dk_acc.data() + static_cast<int64_t>(j) * D, D, dk + off);
        std::copy_n(dv_acc.data() + static_cast<int64_t>(j) * D, D, dv + off);
      }
    }
  });

  // Pass 2: dQ. Every (head, query block) item walks the key blocks of its sequence:
  // transpose K and V once for all of them.
  TransposedBlocks kt, vt;
  auto pfor = [](int64_t n, int64_t m, auto body) { parallel_for(n, m, body); };
  transpose_all(k, hkv, D, dm.cu, dm.batch, kt, pfor);
  transpose_all(v, hkv, D, dm.cu, dm.batch, vt, pfor);
  vector<Item> query_items;
  for (int h = 0; h < hq; ++h)
    for (int64_t b = 0; b < dm.batch; ++b)
      for (int p0 = 0; p0 < dm.cu[b + 1] - dm.cu[b]; p0 += kQueryBlock) query_items.push_back({h, static_cast<int>(b), p0});
  parallel_for(static_cast<int64_t>(query_items.size()), 1, [&](int64_t begin, int64_t end) {
    Tile w;
    w.size(kQueryBlock, D);
    vector<float> dq_acc(static_cast<size_t>(kQueryBlock) * D);
    for (int64_t it = begin; it < end; ++it) {
      const Item item = query_items[it];
      const int64_t start = dm.cu[item.b];
      const int len = dm.cu[item.b + 1] - dm.cu[item.b];
      const int p0 = item.p0, n = std::min(kQueryBlock, len - p0);
      const int g = item.head / dm.group;
      w.q.clear();
      w.dout.clear();
      for (int r = 0; r < n; ++r) {
        const int64_t off = ((start + p0 + r) * hq + item.head) * D;
        w.q.push_back(q + off);
        w.dout.push_back(dout + off);
      }
      std::fill(dq_acc.begin(), dq_acc.end(), 0.0f);
      const int64_t row0 = item.head * nt + start + p0;
      const int max_keys = a.causal ? p0 + n : len;
      const float* kseq = k + (start * hkv + g) * D;
      for (int j0 = 0; j0 < max_keys; j0 += kKeyBlock) {
        const int nb = std::min(kKeyBlock, max_keys - j0);
        probabilities_and_grads(w, n, p0, j0, nb, a.causal, lse + row0, delta.data() + row0, D, scale,
                                kt.at(g, item.b, j0 / kKeyBlock), vt.at(g, item.b, j0 / kKeyBlock));
        accumulate_rows(dq_acc.data(), D, w.dp.data(), kseq + j0 * kv_stride, kv_stride, w.valid.data(), n, D);
      }
      for (int r = 0; r < n; ++r) {
        std::copy_n(dq_acc.data() + static_cast<int64_t>(r) * D, D, dq + ((start + p0 + r) * hq + item.head) * D);
      }
    }
  });
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(void, attention_backward, (const AttentionBackwardArgs& a, float scale), (a, scale))
}  // namespace tx::cpu

// Attention backward on the CPU, from the saved lse (FlashAttention-2's recomputation):
//   P = exp(S - lse), dP = dO V^T, dS = P * (dP - Delta) with Delta_i = dO_i . O_i,
//   dV = P^T dO, dK = scale * dS^T Q, dQ = scale * dS K.
// Deterministic without atomics: one (kv head, sequence) work item owns that sequence's dK,
// dV and dQ and sums each in a fixed order; every tile's scores are recomputed once, for all
// three gradients (never a [T, T] matrix): five tile products per tile, not the seven of a
// separate dQ pass.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "cpu/attention_tile.h"
#include "cpu/attention.h"
#include "cpu/attention_rows.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"
#include "cpu/work_pool.h"
#include "tx/runtime.h"

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

// For rows (query positions p0.. of one head, or pos[0..n) when pos is set) against one key
// block (kt/vt filled): s <- P, dp <- dS * scale. Keys a row cannot see get P = 0.
void probabilities_and_grads(Tile& w, int n, int p0, const int32_t* pos, int j0, int nb, bool causal, const float* lse,
                             const float* delta, int D, float scale, const float* kt, const float* vt) {
  scores(w.q.data(), n, kt, D, scale, w.s.data());
  scores(w.dout.data(), n, vt, D, 1.0f, w.dp.data());
  const V16 sc = splat(scale);
  for (int r = 0; r < n; ++r) {
    const int p = pos != nullptr ? pos[r] : p0 + r;
    const int valid = causal ? std::clamp(p - j0 + 1, 0, nb) : nb;
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

  // One work item per (kv head, sequence). It walks the sequence's key blocks in order and,
  // for each, the query blocks that see it (every query head of the group), recomputing the
  // tile once for all three gradients: dK_j and dV_j sum over the group's heads, then query
  // blocks, in order; dQ_i sums over key blocks in order (the order they are walked in). A
  // tile's P and dS do not depend on which item computes them, so the sums are fixed.
  struct Item {
    int g;  // kv head
    int b;  // sequence
  };
  vector<Item> items;
  for (int g = 0; g < hkv; ++g)
    for (int64_t b = 0; b < dm.batch; ++b) items.push_back({g, static_cast<int>(b)});
  // Longest sequences first (cost grows as length^2), claimed dynamically: no thread ends
  // with a long item while the other idles, and a thread that loses its core mid-run leaves
  // the remaining items to the others. Which thread runs an item changes no bit.
  std::stable_sort(items.begin(), items.end(), [&](const Item& x, const Item& y) {
    return dm.cu[x.b + 1] - dm.cu[x.b] > dm.cu[y.b + 1] - dm.cu[y.b];
  });
  std::atomic<int64_t> next{0};
  const int64_t n_items = static_cast<int64_t>(items.size());
  run_shared(n_items > 1 ? cpu_threads() : 1, [&] {
    Tile w;
    w.size(kQueryBlock, D);
    vector<float> dk_acc(static_cast<size_t>(kKeyBlock) * D), dv_acc(static_cast<size_t>(kKeyBlock) * D), dq_acc;
    for (int64_t it = next.fetch_add(1, std::memory_order_relaxed); it < n_items; it = next.fetch_add(1, std::memory_order_relaxed)) {
      const Item item = items[it];
      const int64_t start = dm.cu[item.b];
      const int len = dm.cu[item.b + 1] - dm.cu[item.b];
      const int h0 = item.g * dm.group;
      dq_acc.assign(static_cast<size_t>(dm.group) * len * D, 0.0f);
      const float* kseq = k + (start * hkv + item.g) * D;
      const float* vseq = v + (start * hkv + item.g) * D;
      for (int j0 = 0; j0 < len; j0 += kKeyBlock) {
        const int nb = std::min(kKeyBlock, len - j0);
        transpose_block(kseq + j0 * kv_stride, kv_stride, nb, D, w.kt.data());
        transpose_block(vseq + j0 * kv_stride, kv_stride, nb, D, w.vt.data());
        std::fill(dk_acc.begin(), dk_acc.end(), 0.0f);
        std::fill(dv_acc.begin(), dv_acc.end(), 0.0f);
        for (int h = h0; h < h0 + dm.group; ++h) {
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
            probabilities_and_grads(w, n, i0, nullptr, j0, nb, a.causal, lse + row0, delta.data() + row0, D, scale,
                                    w.kt.data(), w.vt.data());
            accumulate_keys(dv_acc.data(), w.s.data(), w.dout.data(), n, nb, D);
            accumulate_keys(dk_acc.data(), w.dp.data(), w.q.data(), n, nb, D);
            float* dq_rows = dq_acc.data() + (static_cast<int64_t>(h - h0) * len + i0) * D;
            accumulate_rows(dq_rows, D, w.dp.data(), kseq + j0 * kv_stride, kv_stride, w.valid.data(), n, D);
          }
        }
        for (int j = 0; j < nb; ++j) {
          const int64_t off = ((start + j0 + j) * hkv + item.g) * D;
          std::copy_n(dk_acc.data() + static_cast<int64_t>(j) * D, D, dk + off);
          std::copy_n(dv_acc.data() + static_cast<int64_t>(j) * D, D, dv + off);
        }
      }
      for (int h = h0; h < h0 + dm.group; ++h) {
        for (int p = 0; p < len; ++p) {
          std::copy_n(dq_acc.data() + (static_cast<int64_t>(h - h0) * len + p) * D, D, dq + ((start + p) * hq + h) * D);
        }
      }
    }
  });
}

void attention_rows_backward(const AttentionRowsArgs& a) {
  const int D = a.D, hq = a.hq, hkv = a.hkv, group = hq / hkv;
  const int64_t nr = a.rows;
  const int64_t kv_stride = static_cast<int64_t>(hkv) * D;
  // Delta[h][r] = dO . O, laid out like lse.
  vector<float> delta(static_cast<size_t>(hq * nr));
  parallel_for(nr * hq, 256, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t r = i / hq, h = i % hq;
      const float* x = a.out + i * D;
      const float* y = a.grad_out + i * D;
      V16 acc = zero();
      for (int d = 0; d < D; d += kLanes) acc = fma(load_n(x + d, D - d), load_n(y + d, D - d), acc);
      delta[h * nr + r] = hsum(acc);
    }
  });
  // Items as attention_backward's: (kv head, sequence), the most selected rows x keys first.
  struct Item {
    int g;
    int b;
  };
  vector<Item> items;
  for (int g = 0; g < hkv; ++g)
    for (int64_t b = 0; b < a.batch; ++b) items.push_back({g, static_cast<int>(b)});
  auto cost = [&](const Item& x) {
    return static_cast<int64_t>(a.rows_cu[x.b + 1] - a.rows_cu[x.b]) * (a.cu[x.b + 1] - a.cu[x.b]);
  };
  std::stable_sort(items.begin(), items.end(), [&](const Item& x, const Item& y) { return cost(x) > cost(y); });
  std::atomic<int64_t> next{0};
  const int64_t n_items = static_cast<int64_t>(items.size());
  run_shared(n_items > 1 ? cpu_threads() : 1, [&] {
    Tile w;
    w.size(kQueryBlock, D);
    vector<float> dk_acc(static_cast<size_t>(kKeyBlock) * D), dv_acc(static_cast<size_t>(kKeyBlock) * D), dq_acc;
    for (int64_t it = next.fetch_add(1, std::memory_order_relaxed); it < n_items; it = next.fetch_add(1, std::memory_order_relaxed)) {
      const Item item = items[it];
      const int64_t start = a.cu[item.b];
      const int len = a.cu[item.b + 1] - a.cu[item.b];
      const int64_t r_lo = a.rows_cu[item.b], r_hi = a.rows_cu[item.b + 1];
      const int nsel = static_cast<int>(r_hi - r_lo);
      const int h0 = item.g * group;
      dq_acc.assign(static_cast<size_t>(group) * nsel * D, 0.0f);
      const float* kseq = a.k + (start * hkv + item.g) * D;
      const float* vseq = a.v + (start * hkv + item.g) * D;
      int64_t first = r_lo;  // the first selected row that sees key block j0 (positions ascend)
      for (int j0 = 0; j0 < len; j0 += kKeyBlock) {
        const int nb = std::min(kKeyBlock, len - j0);
        while (first < r_hi && a.pos[first] < j0) ++first;
        std::fill(dk_acc.begin(), dk_acc.end(), 0.0f);
        std::fill(dv_acc.begin(), dv_acc.end(), 0.0f);
        if (first < r_hi) {
          transpose_block(kseq + j0 * kv_stride, kv_stride, nb, D, w.kt.data());
          transpose_block(vseq + j0 * kv_stride, kv_stride, nb, D, w.vt.data());
        }
        for (int h = h0; h < h0 + group && first < r_hi; ++h) {
          for (int64_t i0 = first; i0 < r_hi; i0 += kQueryBlock) {
            const int n = static_cast<int>(std::min<int64_t>(kQueryBlock, r_hi - i0));
            w.q.clear();
            w.dout.clear();
            for (int r = 0; r < n; ++r) {
              const int64_t off = ((i0 + r) * hq + h) * D;
              w.q.push_back(a.q + off);
              w.dout.push_back(a.grad_out + off);
            }
            const int64_t row0 = h * nr + i0;
            probabilities_and_grads(w, n, 0, a.pos + i0, j0, nb, true, a.lse + row0, delta.data() + row0, D, a.scale,
                                    w.kt.data(), w.vt.data());
            accumulate_keys(dv_acc.data(), w.s.data(), w.dout.data(), n, nb, D);
            accumulate_keys(dk_acc.data(), w.dp.data(), w.q.data(), n, nb, D);
            float* dq_rows = dq_acc.data() + (static_cast<int64_t>(h - h0) * nsel + (i0 - r_lo)) * D;
            accumulate_rows(dq_rows, D, w.dp.data(), kseq + j0 * kv_stride, kv_stride, w.valid.data(), n, D);
          }
        }
        for (int j = 0; j < nb; ++j) {
          const int64_t off = ((start + j0 + j) * hkv + item.g) * D;
          std::copy_n(dk_acc.data() + static_cast<int64_t>(j) * D, D, a.grad_k + off);
          std::copy_n(dv_acc.data() + static_cast<int64_t>(j) * D, D, a.grad_v + off);
        }
      }
      for (int h = h0; h < h0 + group; ++h) {
        for (int64_t r = r_lo; r < r_hi; ++r) {
          std::copy_n(dq_acc.data() + (static_cast<int64_t>(h - h0) * nsel + (r - r_lo)) * D, D, a.grad_q + (r * hq + h) * D);
        }
      }
    }
  });
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(void, attention_backward, (const AttentionBackwardArgs& a, float scale), (a, scale))
TX_CPU_DISPATCH(void, attention_rows_backward, (const AttentionRowsArgs& a), (a))
}  // namespace tx::cpu

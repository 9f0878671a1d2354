// Attention forward and KV-cache decode on the CPU: FlashAttention's online softmax over
// key blocks of kKeyBlock keys, scores never held beyond one [rows x kKeyBlock] tile.
// Both ops go through attend_rows(), where each query row walks key blocks 0, 1, ... of its
// own keys with the same arithmetic whatever rows share its tile. Hence:
//  - a sequence's output is bit-identical alone or packed with others (batch invariance);
//  - decode (one query per sequence, rows = the query heads of a kv head) reproduces the
//    packed forward's output for the same token and prefix bit for bit;
//  - results do not depend on the thread count (work items are independent).
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/attention_tile.h"
#include "cpu/attention.h"
#include "cpu/attention_rows.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

namespace {

using namespace attn;

// Query rows per forward work item: one key block's worth, so the causal diagonal falls in
// one block and no row computes scores it then throws away.
constexpr int kQueryBlock = 64;

struct Rows {
  vector<const float*> q;  // query row pointers
  vector<float*> out;      // output row pointers
  vector<int> nkeys;       // keys 0..nkeys-1 visible to each row (>= 1)
  float* lse = nullptr;         // lse of row r at lse[r * lse_stride]
  int64_t lse_stride = 1;
};

struct Scratch {
  vector<float> kt, s, acc, m, l, m_new, corr;
  vector<int> valid;
  void size(int rows, int D) {
    kt.resize(static_cast<size_t>(D) * kKeyBlock);
    s.resize(static_cast<size_t>(rows) * kKeyBlock);
    acc.resize(static_cast<size_t>(rows) * D);
    m.resize(rows);
    l.resize(rows);
    m_new.resize(rows);
    corr.resize(rows);
    valid.resize(rows);
  }
};

// Online softmax of rows against keys k_j = k + j * kv_stride (v likewise). kt_blocks, when
// given, holds the key blocks already transposed (consecutive, D * kKeyBlock apart).
void attend_rows(const Rows& rows, const float* k, const float* kt_blocks, const float* v, int64_t kv_stride, int D,
                 float scale, Scratch& w) {
  const int n = static_cast<int>(rows.q.size());
  w.size(n, D);
  int max_keys = 0;
  for (int r = 0; r < n; ++r) max_keys = std::max(max_keys, rows.nkeys[r]);
  std::fill(w.acc.begin(), w.acc.end(), 0.0f);
  std::fill(w.m.begin(), w.m.end(), -std::numeric_limits<float>::infinity());
  std::fill(w.l.begin(), w.l.end(), 0.0f);

  for (int j0 = 0; j0 < max_keys; j0 += kKeyBlock) {
    const int nb = std::min(kKeyBlock, max_keys - j0);
    const float* kt = w.kt.data();
    if (kt_blocks != nullptr) kt = kt_blocks + static_cast<int64_t>(j0) * D;
    else transpose_block(k + j0 * kv_stride, kv_stride, nb, D, w.kt.data());
    scores(rows.q.data(), n, kt, D, scale, w.s.data());
    // Pass 1: block maxima and the rescale factors exp(m_old - m_new), the latter for 16
    // rows per vector exp (the same lane-wise exp as one row at a time: same bits).
    for (int r = 0; r < n; ++r) {
      const int valid = std::clamp(rows.nkeys[r] - j0, 0, nb);
      w.valid[r] = valid;
      if (valid == 0) {
        w.corr[r] = 0.0f;  // unused: the row skips this block
        continue;
      }
      float* s = w.s.data() + r * kKeyBlock;
      mask_tail(s, valid);
      const V16 m4 = max(max(load(s), load(s + kLanes)), max(load(s + 2 * kLanes), load(s + 3 * kLanes)));
      const float m_new = std::max(w.m[r], hmax(m4));
      w.corr[r] = w.m[r] - m_new;  // -inf on the first block: exp gives 0
      w.m_new[r] = m_new;
    }
    for (int r = 0; r < n; r += kLanes) store_n(w.corr.data() + r, simd::exp(load_n(w.corr.data() + r, n - r)), n - r);
    // Pass 2: probabilities, row sums, accumulator rescale.
    for (int r = 0; r < n; ++r) {
      if (w.valid[r] == 0) continue;
      float* s = w.s.data() + r * kKeyBlock;
      const float corr = w.corr[r];
      const V16 mv = splat(w.m_new[r]);
      V16 sv[kKeyVecs];
      for (int c = 0; c < kKeyVecs; ++c) {
        sv[c] = simd::exp(sub(load(s + c * kLanes), mv));
        store(s + c * kLanes, sv[c]);
      }
      const float row_sum = hsum(add(add(sv[0], sv[1]), add(sv[2], sv[3])));
      w.l[r] = std::fma(w.l[r], corr, row_sum);
      w.m[r] = w.m_new[r];
      if (corr != 1.0f) {  // x * 1 == x exactly: skipping changes no bit
        float* a = w.acc.data() + static_cast<int64_t>(r) * D;
        const V16 cv = splat(corr);
        for (int d = 0; d < D; d += kLanes) store_n(a + d, mul(load_n(a + d, D - d), cv), D - d);
      }
    }
    accumulate_rows(w.acc.data(), D, w.s.data(), v + j0 * kv_stride, kv_stride, w.valid.data(), n, D);
  }

  for (int r = 0; r < n; ++r) {
    const float inv = 1.0f / w.l[r];
    const float* a = w.acc.data() + static_cast<int64_t>(r) * D;
    const V16 iv = splat(inv);
    for (int d = 0; d < D; d += kLanes) store_n(rows.out[r] + d, mul(load_n(a + d, D - d), iv), D - d);
    rows.lse[r * rows.lse_stride] = w.m[r] + std::log(w.l[r]);
  }
}

}  // namespace

void attention(const AttentionArgs& a, float scale) {
  const int64_t nt = a.q.shape[0];
  const int hq = static_cast<int>(a.q.shape[1]), hkv = static_cast<int>(a.k.shape[1]);
  const int D = static_cast<int>(a.q.shape[2]);
  const int group = hq / hkv;
  const int32_t* cu = a.cu_seqlens.as<const int32_t>();
  const int64_t batch = a.cu_seqlens.shape[0] - 1;
  const float* q = a.q.as<const float>();
  const float* k = a.k.as<const float>();
  const float* v = a.v.as<const float>();
  float* out = a.out.as<float>();
  float* lse = a.lse.as<float>();

  // Work items (head, sequence, query block), head-major so that each thread's contiguous
  // chunk holds whole heads: equal work per chunk even with causal triangles.
  struct Item {
    int h;
    int b;
    int p0;
  };
  TransposedBlocks kt;
  transpose_all(k, hkv, D, cu, batch, kt, [](int64_t n, int64_t m, auto body) { parallel_for(n, m, body); });
  vector<Item> items;
  for (int h = 0; h < hq; ++h)
    for (int64_t b = 0; b < batch; ++b)
      for (int p0 = 0; p0 < cu[b + 1] - cu[b]; p0 += kQueryBlock) items.push_back({h, static_cast<int>(b), p0});

  parallel_for(static_cast<int64_t>(items.size()), 1, [&](int64_t begin, int64_t end) {
    Scratch w;
    Rows rows;
    for (int64_t i = begin; i < end; ++i) {
      const Item it = items[i];
      const int64_t start = cu[it.b];
      const int len = cu[it.b + 1] - cu[it.b];
      const int p1 = std::min(len, it.p0 + kQueryBlock);
      const int g = it.h / group;
      rows.q.clear();
      rows.out.clear();
      rows.nkeys.clear();
      for (int p = it.p0; p < p1; ++p) {
        const int64_t off = ((start + p) * hq + it.h) * D;
        rows.q.push_back(q + off);
        rows.out.push_back(out + off);
        rows.nkeys.push_back(a.causal ? p + 1 : len);
      }
      rows.lse = lse + it.h * nt + start + it.p0;
      rows.lse_stride = 1;
      attend_rows(rows, k + (start * hkv + g) * D, kt.at(g, it.b, 0), v + (start * hkv + g) * D,
                  static_cast<int64_t>(hkv) * D, D, scale, w);
    }
  });
}

void attention_rows(const AttentionRowsArgs& a) {
  const int hq = a.hq, hkv = a.hkv, D = a.D, group = hq / hkv;
  struct Item {
    int h;
    int b;
    int64_t r0;  // first selected row of the item
  };
  TransposedBlocks kt;
  transpose_all(a.k, hkv, D, a.cu, a.batch, kt, [](int64_t n, int64_t m, auto body) { parallel_for(n, m, body); });
  vector<Item> items;
  for (int h = 0; h < hq; ++h)
    for (int64_t b = 0; b < a.batch; ++b)
      for (int64_t r0 = a.rows_cu[b]; r0 < a.rows_cu[b + 1]; r0 += kQueryBlock) items.push_back({h, static_cast<int>(b), r0});
  parallel_for(static_cast<int64_t>(items.size()), 1, [&](int64_t begin, int64_t end) {
    Scratch w;
    Rows rows;
    for (int64_t i = begin; i < end; ++i) {
      const Item it = items[i];
      const int64_t start = a.cu[it.b];
      const int64_t r1 = std::min<int64_t>(a.rows_cu[it.b + 1], it.r0 + kQueryBlock);
      const int g = it.h / group;
      rows.q.clear();
      rows.out.clear();
      rows.nkeys.clear();
      for (int64_t r = it.r0; r < r1; ++r) {
        const int64_t off = (r * hq + it.h) * D;
        rows.q.push_back(a.q + off);
        rows.out.push_back(a.out + off);
        rows.nkeys.push_back(a.pos[r] + 1);
      }
      rows.lse = a.lse + it.h * a.rows + it.r0;
      rows.lse_stride = 1;
      attend_rows(rows, a.k + (start * hkv + g) * D, kt.at(g, it.b, 0), a.v + (start * hkv + g) * D,
                  static_cast<int64_t>(hkv) * D, D, a.scale, w);
    }
  });
}

void decode_attention(const DecodeAttentionArgs& a, float scale) {
  const int64_t batch = a.q.shape[0];
  const int hq = static_cast<int>(a.q.shape[1]), D = static_cast<int>(a.q.shape[2]);
  const int64_t tmax = a.k_cache.shape[1];
  const int hkv = static_cast<int>(a.k_cache.shape[2]);
  const int group = hq / hkv;
  const int32_t* lengths = a.lengths.as<const int32_t>();
  const float* q = a.q.as<const float>();
  const float* kc = a.k_cache.as<const float>();
  const float* vc = a.v_cache.as<const float>();
  float* out = a.out.as<float>();
  float* lse = a.lse.as<float>();

  // One item per (sequence, kv head): its query heads are the tile's rows, sharing K/V.
  parallel_for(batch * hkv, 1, [&](int64_t begin, int64_t end) {
    Scratch w;
    Rows rows;
    for (int64_t i = begin; i < end; ++i) {
      const int64_t b = i / hkv;
      const int g = static_cast<int>(i % hkv);
      rows.q.clear();
      rows.out.clear();
      rows.nkeys.assign(group, lengths[b]);
      for (int h = g * group; h < (g + 1) * group; ++h) {
        rows.q.push_back(q + (b * hq + h) * D);
        rows.out.push_back(out + (b * hq + h) * D);
      }
      rows.lse = lse + b * hq + g * group;
      rows.lse_stride = 1;
      const int64_t base = (b * tmax * hkv + g) * D;
      attend_rows(rows, kc + base, nullptr, vc + base, static_cast<int64_t>(hkv) * D, D, scale, w);
    }
  });
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(void, attention, (const AttentionArgs& a, float scale), (a, scale))
TX_CPU_DISPATCH(void, decode_attention, (const DecodeAttentionArgs& a, float scale), (a, scale))
TX_CPU_DISPATCH(void, attention_rows, (const AttentionRowsArgs& a), (a))
}  // namespace tx::cpu

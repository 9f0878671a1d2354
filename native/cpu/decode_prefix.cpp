// Shared-prefix decode attention (decode_prefix.h). The per-row arithmetic is attend_rows'
// of attention.cpp, step for step: scores by the tile kernel (a chain over d from 0, times
// the scale), block maxima, rescale factors by the vector exp, probabilities and row sums,
// the accumulator rescale skipped when the factor is 1, V accumulated in key order, and the
// final multiply by 1 / l. Only where a block's keys come from differs (the prompt's shared
// block or the row's own one), which changes no rounding.
#include "cpu/decode_prefix.h"

#include <algorithm>
#include <limits>

#include "cpu/attention_tile.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

namespace {

using namespace attn;
static_assert(kPrefixBlock == kKeyBlock, "the cache layout is the tiles' key block");

struct Tile {
  vector<const float*> q;
  vector<float*> out;
  vector<int> nkeys, valid;
  vector<float> s, acc, m, l, m_new, corr;
  void size(int n, int D) {
    s.resize(static_cast<size_t>(n) * kKeyBlock);
    acc.assign(static_cast<size_t>(n) * D, 0.0f);
    m.assign(n, -std::numeric_limits<float>::infinity());
    l.assign(n, 0.0f);
    m_new.resize(n);
    corr.resize(n);
    valid.resize(n);
  }
};

// One prompt's running rows (their `group` query heads each) against kv head g.
void attend_group(const PrefixDecodeArgs& a, const PrefixGroup& grp, int g, Tile& t) {
  const int D = a.D, group = a.hq / a.hkv;
  const int64_t stride = static_cast<int64_t>(a.hkv) * D;
  const int rows = grp.row_end - grp.row_begin;
  const int n = rows * group;
  t.q.clear(), t.out.clear(), t.nkeys.clear();
  int max_keys = 0;
  for (int r = grp.row_begin; r < grp.row_end; ++r) {
    for (int h = g * group; h < (g + 1) * group; ++h) {
      t.q.push_back(a.q + (static_cast<int64_t>(r) * a.hq + h) * D);
      t.out.push_back(a.out + (static_cast<int64_t>(r) * a.hq + h) * D);
      t.nkeys.push_back(a.nkeys[r]);
    }
    max_keys = std::max(max_keys, a.nkeys[r]);
  }
  t.size(n, D);
  const int64_t block_floats = static_cast<int64_t>(D) * kKeyBlock;
  for (int blk = 0; blk * kKeyBlock < max_keys; ++blk) {
    const int j0 = blk * kKeyBlock;
    const bool shared = blk < grp.full;
    // Scores: one tile of all rows on a shared block, else one tile per row (its heads).
    if (shared) {
      scores(t.q.data(), n, grp.kt + (g * static_cast<int64_t>(grp.full) + blk) * block_floats, D, a.scale, t.s.data());
    } else {
      for (int i = 0; i < rows; ++i) {
        const int r = grp.row_begin + i;
        if (a.nkeys[r] <= j0) continue;  // the row has no key here: skipped below as well
        const float* kt = a.own_kt + ((static_cast<int64_t>(a.slot[r]) * a.hkv + g) * a.own_blocks + (blk - grp.full)) * block_floats;
        scores(t.q.data() + i * group, group, kt, D, a.scale, t.s.data() + static_cast<int64_t>(i) * group * kKeyBlock);
      }
    }
    // Pass 1: block maxima and the rescale factors (attend_rows' pass 1).
    for (int r = 0; r < n; ++r) {
      const int valid = std::clamp(t.nkeys[r] - j0, 0, kKeyBlock);
      t.valid[r] = valid;
      if (valid == 0) {
        t.corr[r] = 0.0f;
        continue;
      }
      float* s = t.s.data() + r * kKeyBlock;
      mask_tail(s, valid);
      const V16 m4 = max(max(load(s), load(s + kLanes)), max(load(s + 2 * kLanes), load(s + 3 * kLanes)));
      const float m_new = std::max(t.m[r], hmax(m4));
      t.corr[r] = t.m[r] - m_new;
      t.m_new[r] = m_new;
    }
    for (int r = 0; r < n; r += kLanes) store_n(t.corr.data() + r, simd::exp(load_n(t.corr.data() + r, n - r)), n - r);
    // Pass 2: probabilities, row sums, accumulator rescale.
    for (int r = 0; r < n; ++r) {
      if (t.valid[r] == 0) continue;
      float* s = t.s.data() + r * kKeyBlock;
      const float corr = t.corr[r];
      const V16 mv = splat(t.m_new[r]);
      V16 sv[kKeyVecs];
      for (int c = 0; c < kKeyVecs; ++c) {
        sv[c] = simd::exp(sub(load(s + c * kLanes), mv));
        store(s + c * kLanes, sv[c]);
      }
      const float row_sum = hsum(add(add(sv[0], sv[1]), add(sv[2], sv[3])));
      t.l[r] = std::fma(t.l[r], corr, row_sum);
      t.m[r] = t.m_new[r];
      if (corr != 1.0f) {
        float* acc = t.acc.data() + static_cast<int64_t>(r) * D;
        const V16 cv = splat(corr);
        for (int d = 0; d < D; d += kLanes) store_n(acc + d, mul(load_n(acc + d, D - d), cv), D - d);
      }
    }
    // V: all rows against the shared block, else each row against its own.
    if (shared) {
      accumulate_rows(t.acc.data(), D, t.s.data(), grp.v + (static_cast<int64_t>(j0) * a.hkv + g) * D, stride, t.valid.data(), n, D);
    } else {
      for (int i = 0; i < rows; ++i) {
        const int r = grp.row_begin + i;
        if (a.nkeys[r] <= j0) continue;
        const int64_t own_pos = j0 - static_cast<int64_t>(grp.full) * kKeyBlock;
        const float* v = a.own_v + ((static_cast<int64_t>(a.slot[r]) * a.own_blocks * kKeyBlock + own_pos) * a.hkv + g) * D;
        const int64_t o = static_cast<int64_t>(i) * group;
        accumulate_rows(t.acc.data() + o * D, D, t.s.data() + o * kKeyBlock, v, stride, t.valid.data() + o, group, D);
      }
    }
  }
  for (int r = 0; r < n; ++r) {
    const V16 iv = splat(1.0f / t.l[r]);
    const float* acc = t.acc.data() + static_cast<int64_t>(r) * D;
    for (int d = 0; d < D; d += kLanes) store_n(t.out[r] + d, mul(load_n(acc + d, D - d), iv), D - d);
  }
}

}  // namespace

void prefix_transpose_block(const float* keys, int64_t stride, int n, int D, float* dst) {
  transpose_block(keys, stride, n, D, dst);
}

void decode_attention_prefix(const PrefixDecodeArgs& a) {
  // Work items (prompt group, kv head): independent, so any thread count gives the same bits.
  parallel_for(a.ngroups * a.hkv, 1, [&](int64_t begin, int64_t end) {
    Tile t;
    for (int64_t i = begin; i < end; ++i) attend_group(a, a.groups[i / a.hkv], static_cast<int>(i % a.hkv), t);
  });
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(void, decode_attention_prefix, (const PrefixDecodeArgs& a), (a))
TX_CPU_DISPATCH(void, prefix_transpose_block, (const float* keys, int64_t stride, int n, int D, float* dst),
                (keys, stride, n, D, dst))
}  // namespace tx::cpu

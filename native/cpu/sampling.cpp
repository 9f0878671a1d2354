// Token sampling on the CPU, a row per task: temperature, top-k and top-p as thresholds on
// the f32 key of z = logit / T, then Gumbel-max with one Philox draw per vocabulary entry
// (common/philox.h), its double-precision noise computed only where it can decide the draw
// (below). The rules match the CUDA twin's radix selection exactly (see ops.h).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "common/philox.h"
#include "cpu/sampling.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

namespace {

constexpr int64_t kNone = std::numeric_limits<int64_t>::max();

// Gumbel-max draws, done in two passes so that the double-precision noise
// -log(-log u) (two libm logs, the costly part) is evaluated only for the entries that can
// win, and the winner is still exactly the one a single exact pass picks:
//  1. every kept entry's Philox bits and an f32 estimate z + g~ of its score, within
//     estimate_error of the exact one (below);
//  2. the exact score, in index order with the same strict comparison, only for entries
//     whose estimate's error interval reaches the best estimate's. Any other entry's exact
//     score is below the best estimate's entry's exact score, so it neither wins nor ties.
// The estimate: e = -log u from u (or, for u > 1/2, from 1 - u, taken exactly from the
// integer bits so that it keeps its precision; a series below 1/16), g~ = -log e, with a
// log good to about 1e-7 relative. g~ is within 1e-5 of the exact noise (e's relative error
// and the logs' rounding, a few 1e-7 each, over g's range -3.2 .. 22.9); kEstimateError
// leaves a margin of 100x over that.
constexpr float kEstimateError = 1.0f / 1024;

// c ? a : b by bit masks: a select the compiler vectorises (a float ?: can leave a branch
// under the default -ftrapping-math, and then the loop stays scalar).
inline float pick(bool c, float a, float b) {
  uint32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  const uint32_t m = 0u - static_cast<uint32_t>(c);
  const uint32_t r = (ia & m) | (ib & ~m);
  float f;
  std::memcpy(&f, &r, 4);
  return f;
}

// Natural log of a positive normal float (error about 1e-7 relative): x = m 2^k with m in
// [sqrt(1/2), sqrt(2)), log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its
// series to s^9. Branch-free, so that loops over it vectorise.
inline float log_estimate(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  const int k = static_cast<int>(b >> 23) - 127;
  b = (b & 0x7fffffu) | 0x3f800000u;
  float m;
  std::memcpy(&m, &b, 4);
  const bool high = m > 1.41421356f;
  m = pick(high, m * 0.5f, m);
  const float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
  const float series = t * (2.0f + t2 * (2.0f / 3 + t2 * (2.0f / 5 + t2 * (2.0f / 7 + t2 * (2.0f / 9)))));
  return static_cast<float>(k + (high ? 1 : 0)) * 0.693147181f + series;
}

// The estimate of -log(-log u) for u = (bits + 0.5) / 2^32 (sample_uniform's map).
inline float gumbel_estimate(uint32_t bits) {
  // -log u: from u when u < 1/2; else from t = 1 - u, formed from the integer bits so it
  // keeps its precision near u = 1: a series when t < 1/16, else -log(1 - t). (u and t are
  // formed for every bits value, each meaningful in its own case.)
  const bool low = bits < 0x80000000u;
  const float u = (static_cast<float>(static_cast<int32_t>(bits & 0x7fffffffu)) + 0.5f) * (1.0f / 4294967296.0f);
  const float t = (static_cast<float>(static_cast<int32_t>(0x7fffffffu - (bits & 0x7fffffffu))) + 0.5f) * (1.0f / 4294967296.0f);
  const float series = t * (1 + t * (0.5f + t * (1.0f / 3 + t * (0.25f + t * (0.2f + t * (1.0f / 6 + t * (1.0f / 7)))))));
  const float from_log = -log_estimate(pick(low, u, 1.0f - t));
  const bool use_series = !low & (t < 0.0625f);
  return -log_estimate(pick(use_series, series, from_log));
}

// float_key's inverse.
inline float key_float(uint32_t k) {
  const uint32_t u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// How far a score estimate x can be from the exact score: g~'s error (kEstimateError) and
// the f32 sum's rounding (half an ulp, 2^-24 |x|) with the exact score's own (2^-53 |x|),
// bounded by 2^-22 |x|.
inline float estimate_error(float x) { return kEstimateError + std::fabs(x) * 0x1p-22f; }

// Philox4x32-10's first word for counters (index0 + j, pos, seq, 0), j < n: sample_uniform's
// bits, in lanes the compiler can vectorise (integer arithmetic: the same bits in every set).
inline void philox_words(uint32_t index0, int n, uint32_t pos, uint32_t seq, uint64_t seed, uint32_t* out) {
  constexpr int kLanesMax = 64;
  uint32_t c0[kLanesMax], c1[kLanesMax], c2[kLanesMax], c3[kLanesMax];
  for (int j = 0; j < n; ++j) c0[j] = index0 + static_cast<uint32_t>(j), c1[j] = pos, c2[j] = seq, c3[j] = 0u;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    if (r > 0) k0 += 0x9E3779B9u, k1 += 0xBB67AE85u;
    for (int j = 0; j < n; ++j) {
      const uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c0[j], p1 = static_cast<uint64_t>(0xCD9E8D57u) * c2[j];
      const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
      const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
      const uint32_t n0 = hi1 ^ c1[j] ^ k0, n2 = hi0 ^ c3[j] ^ k1;
      c0[j] = n0, c1[j] = lo1, c2[j] = n2, c3[j] = lo0;
    }
  }
  for (int j = 0; j < n; ++j) out[j] = c0[j];
}

struct RowScratch {
  vector<float> z;
  vector<float> est, chunk_best;
  vector<uint32_t> keys, bits;
};

// Returns kNone, or the flat index of a NaN/+Inf logit, or -(row + 1) for a row with no
// finite logit.
int64_t sample_row(const SampleArgs& a, int64_t row, RowScratch& w, int32_t* out) {
  const int64_t V = a.vocab;
  const float* x = a.logits.as<const float>() + row * V;
  // The loops below have no early exit and keep lane-wise maxima (max is exact in any
  // order), so that they vectorise.
  uint32_t bad = 0;  // NaN or +inf: bits (sign cleared) >= +inf's, sign clear for +inf
  for (int64_t i = 0; i < V; ++i) {
    uint32_t b;
    std::memcpy(&b, x + i, 4);
    bad |= static_cast<uint32_t>((b & 0x7fffffffu) > 0x7f800000u) | static_cast<uint32_t>(b == 0x7f800000u);
  }
  if (bad != 0) {
    for (int64_t i = 0; i < V; ++i)
      if (std::isnan(x[i]) || x[i] == INFINITY) return row * V + i;
  }
  if (a.temperature == 0) {  // greedy: first argmax
    int64_t best = -1;
    for (int64_t i = 0; i < V; ++i)
      if (x[i] > -INFINITY && (best < 0 || x[i] > x[best])) best = i;
    if (best < 0) return -(row + 1);
    *out = static_cast<int32_t>(best);
    return kNone;
  }
  // z = x / T (x itself at T = 1: the division is exact there).
  const float* z = x;
  if (a.temperature != 1) {
    float* zt = w.z.data();
    for (int64_t i = 0; i < V; ++i) zt[i] = static_cast<float>(static_cast<double>(x[i]) / a.temperature);
    z = zt;
  }
  float lane_max[16];
  int64_t lane_finite[16];
  for (int j = 0; j < 16; ++j) lane_max[j] = -INFINITY, lane_finite[j] = 0;
  for (int64_t i = 0; i < V; ++i) {
    lane_max[i & 15] = std::max(lane_max[i & 15], z[i]);
    lane_finite[i & 15] += z[i] > -INFINITY;
  }
  float zmax = -INFINITY;
  int64_t finite = 0;
  for (int j = 0; j < 16; ++j) zmax = std::max(zmax, lane_max[j]), finite += lane_finite[j];
  if (finite == 0) return -(row + 1);
  uint32_t thr = 0;  // keep finite z with float_key(z) >= thr
  if (a.top_k > 0 && a.top_k < finite) {
    vector<uint32_t>& keys = w.keys;
    keys.clear();
    for (int64_t i = 0; i < V; ++i)
      if (z[i] > -INFINITY) keys.push_back(float_key(z[i]));
    std::nth_element(keys.begin(), keys.begin() + (a.top_k - 1), keys.end(), std::greater<uint32_t>());
    thr = keys[a.top_k - 1];
  }
  if (a.top_p < 1) {
    double total = 0;
    vector<std::pair<uint32_t, double>> kept;
    for (int64_t i = 0; i < V; ++i) {
      if (z[i] > -INFINITY && float_key(z[i]) >= thr) {
        const double e = std::exp(static_cast<double>(z[i]) - zmax);
        total += e;
        kept.emplace_back(float_key(z[i]), e);
      }
    }
    std::sort(kept.begin(), kept.end(), [](const auto& l, const auto& r) { return l.first > r.first; });
    const double target = a.top_p * total;
    double cum = 0;
    for (const auto& [key, e] : kept) {
      cum += e;
      if (cum >= target) {
        thr = key;
        break;
      }
    }
  }
  const uint32_t seq = static_cast<uint32_t>(a.seq_ids.as<const int32_t>()[row]);
  const uint32_t pos = static_cast<uint32_t>(a.positions.as<const int32_t>()[row]);
  // Pass 1: bits and estimates of the kept entries (the others: -inf), with the best
  // estimate of every 64 entries (pass 2 skips whole chunks by it).
  uint32_t* bits = w.bits.data();
  float* est = w.est.data();
  float* chunk_best = w.chunk_best.data();
  for (int64_t i0 = 0; i0 < V; i0 += 64) {
    const int n = static_cast<int>(std::min<int64_t>(64, V - i0));
    philox_words(static_cast<uint32_t>(i0), n, pos, seq, a.seed, bits + i0);
    float g[64];
    for (int j = 0; j < n; ++j) g[j] = gumbel_estimate(bits[i0 + j]);
    // The chunk's best as the max of float_key (monotone; an integer max, which vectorises).
    uint32_t key_max = 0;
    for (int j = 0; j < n; ++j) {
      const int64_t i = i0 + j;
      const bool kept = (z[i] > -INFINITY) & (float_key(z[i]) >= thr);
      est[i] = pick(kept, z[i] + g[j], -INFINITY);
      key_max = std::max(key_max, float_key(est[i]));
    }
    const float b = key_float(key_max);
    chunk_best[i0 / 64] = b;
  }
  float best_est = -INFINITY;
  for (int64_t c = 0; c * 64 < V; ++c) best_est = std::max(best_est, chunk_best[c]);
  // Pass 2: exact scores where they can matter, as sample_uniform and the single pass
  // compute them. An entry whose estimate's upper bound is below the best estimate's lower
  // bound cannot reach the exact score of the best estimate's entry.
  const float cut = best_est - estimate_error(best_est);
  int64_t best = -1;
  double best_v = -INFINITY;
  for (int64_t i = 0; i < V; ++i) {
    const float cb = chunk_best[i / 64];
    if (!(cb > -INFINITY && cb + estimate_error(cb) >= cut)) {
      i = (i / 64 + 1) * 64 - 1;  // no candidate in this chunk
      continue;
    }
    if (!(est[i] > -INFINITY && est[i] + estimate_error(est[i]) >= cut)) continue;
    const double u = (static_cast<double>(bits[i]) + 0.5) * (1.0 / 4294967296.0);
    const double v = static_cast<double>(z[i]) - std::log(-std::log(u));
    if (v > best_v) {
      best_v = v;
      best = i;
    }
  }
  *out = static_cast<int32_t>(best);
  return kNone;
}

}  // namespace

int64_t sample(const SampleArgs& a, bool* empty_row) {
  const int64_t rows = a.tokens.numel();
  int32_t* out = a.tokens.as<int32_t>();
  std::atomic<int64_t> first{kNone};
  parallel_for(rows, 1, [&](int64_t r0, int64_t r1) {
    RowScratch w;
    w.z.resize(static_cast<size_t>(a.vocab)), w.est.resize(static_cast<size_t>(a.vocab)), w.bits.resize(static_cast<size_t>(a.vocab));
    w.chunk_best.resize(static_cast<size_t>((a.vocab + 63) / 64));
    w.keys.reserve(static_cast<size_t>(a.vocab));
    for (int64_t r = r0; r < r1; ++r) {
      int64_t bad = sample_row(a, r, w, out + r);
      if (bad == kNone) continue;
      // Encode an empty row after every bad logit index: rows * V + row.
      if (bad < 0) bad = rows * a.vocab + (-bad - 1);
      int64_t seen = first.load(std::memory_order_relaxed);
      while (bad < seen && !first.compare_exchange_weak(seen, bad)) {
      }
    }
  });
  const int64_t f = first.load();
  *empty_row = f != kNone && f >= rows * a.vocab;
  if (f == kNone) return -1;
  return *empty_row ? f - rows * a.vocab : f;
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(int64_t, sample, (const SampleArgs& a, bool* empty_row), (a, empty_row))
}  // namespace tx::cpu

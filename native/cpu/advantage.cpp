// Grouped advantage normalization on the CPU: one pass per group for min/max/sum, one
// for the squared deviations (two-pass for accuracy), one to write. Groups are small in
// GRPO (G rollouts per prompt), so the three passes hit L1 and the op streams memory once.
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "common/advantage_math.h"
#include "cpu/advantage.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

namespace {

constexpr int64_t kNoBadIndex = std::numeric_limits<int64_t>::max();

// Reductions run in kLanes independent accumulators indexed by the position inside the
// group (j % kLanes), combined in a fixed order: the compiler vectorises them, and the
// result depends only on the group's own values, never on its address, its neighbours or
// the thread that computes it (batch invariance).
constexpr int kLanes = 8;
constexpr int64_t kSplitGroup = int64_t{1} << 16;
constexpr int64_t kChunk = int64_t{1} << 14;

struct SumMinMax {
  double sum;
  float lo, hi;
};

inline SumMinMax sum_min_max(const float* x, int64_t n) {
  double acc[kLanes] = {};
  float lo[kLanes], hi[kLanes];
  for (int l = 0; l < kLanes; ++l) lo[l] = hi[l] = x[0];
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const float v = x[j + l];
      acc[l] += v;
      lo[l] = v < lo[l] ? v : lo[l];
      hi[l] = v > hi[l] ? v : hi[l];
    }
  }
  for (int l = 0; j + l < n; ++l) {
    const float v = x[j + l];
    acc[l] += v;
    lo[l] = v < lo[l] ? v : lo[l];
    hi[l] = v > hi[l] ? v : hi[l];
  }
  SumMinMax r{0.0, lo[0], hi[0]};
  for (int l = 0; l < kLanes; ++l) {
    r.sum += acc[l];
    r.lo = lo[l] < r.lo ? lo[l] : r.lo;
    r.hi = hi[l] > r.hi ? hi[l] : r.hi;
  }
  return r;
}

inline double sum_sq_dev(const float* x, int64_t n, double mean) {
  double acc[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const double d = static_cast<double>(x[j + l]) - mean;
      acc[l] += d * d;
    }
  }
  for (int l = 0; j + l < n; ++l) {
    const double d = static_cast<double>(x[j + l]) - mean;
    acc[l] += d * d;
  }
  double s = 0.0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

// Eight consecutive groups of the same small size n, laid out back to back: one SIMD lane
// per group, so the per-group work (sqrt, division) is vectorised too. This is GRPO's
// common case (G rollouts per prompt). Each lane sums its group in index order, which is
// exactly what sum_min_max would do for n <= kLanes... so results are written by the
// same formula, and stay independent of which path ran (see the batch-invariance test).
constexpr int kGroupsPerBlock = 8;
constexpr int64_t kBlockMaxSize = kLanes;

bool uniform_sizes(const int32_t* off, int64_t g, int64_t n) {
  for (int b = 1; b < kGroupsPerBlock; ++b)
    if (off[g + b + 1] - off[g + b] != n) return false;
  return true;
}

// Returns false (and does nothing) when a reward in the block is not finite.
bool normalize_block(const GroupedAdvantagesArgs& a, int64_t g, int64_t n) {
  const float* x = a.rewards.as<const float>() + a.group_offsets.as<const int32_t>()[g];
  float* out = a.advantages.as<float>() + (x - a.rewards.as<const float>());
  double sum[kGroupsPerBlock] = {};
  float lo[kGroupsPerBlock], hi[kGroupsPerBlock];
  for (int b = 0; b < kGroupsPerBlock; ++b) lo[b] = hi[b] = x[b * n];
  for (int64_t j = 0; j < n; ++j) {
    for (int b = 0; b < kGroupsPerBlock; ++b) {
      const float v = x[b * n + j];
      sum[b] += v;
      lo[b] = v < lo[b] ? v : lo[b];
      hi[b] = v > hi[b] ? v : hi[b];
    }
  }
  bool finite = true;
  for (int b = 0; b < kGroupsPerBlock; ++b) finite = finite && std::isfinite(sum[b]);
  if (!finite) return false;
  double mean[kGroupsPerBlock], ss[kGroupsPerBlock] = {}, scale[kGroupsPerBlock];
  for (int b = 0; b < kGroupsPerBlock; ++b) mean[b] = lo[b] == hi[b] ? static_cast<double>(lo[b]) : sum[b] / static_cast<double>(n);
  for (int64_t j = 0; j < n; ++j) {
    for (int b = 0; b < kGroupsPerBlock; ++b) {
      const double d = static_cast<double>(x[b * n + j]) - mean[b];
      ss[b] += d * d;
    }
  }
  float* mean_out = a.mean.as<float>() + g;
  float* std_out = a.std.as<float>() + g;
  uint8_t* zv_out = a.zero_variance.as<uint8_t>() + g;
  for (int b = 0; b < kGroupsPerBlock; ++b) {
    GroupStats s;
    s.zero_variance = lo[b] == hi[b];
    s.mean = mean[b];
    s.std = std::sqrt(group_variance(s.zero_variance ? 0.0 : ss[b], n, a.std_kind));
    scale[b] = s.zero_variance ? 0.0 : group_scale(s, n, a.mode, a.eps);
    mean_out[b] = static_cast<float>(s.mean);
    std_out[b] = static_cast<float>(s.std);
    zv_out[b] = s.zero_variance ? 1 : 0;
  }
  for (int b = 0; b < kGroupsPerBlock; ++b) {
    for (int64_t j = 0; j < n; ++j) {
      out[b * n + j] = static_cast<float>((static_cast<double>(x[b * n + j]) - mean[b]) * scale[b]);
    }
  }
  return true;
}

// Normalizes groups [g0, g1); returns the first non-finite reward index seen, or kNoBadIndex.
int64_t normalize_groups(const GroupedAdvantagesArgs& a, int64_t g0, int64_t g1) {
  const float* r = a.rewards.as<const float>();
  const int32_t* off = a.group_offsets.as<const int32_t>();
  float* adv = a.advantages.as<float>();
  float* mean_out = a.mean.as<float>();
  float* std_out = a.std.as<float>();
  uint8_t* zv_out = a.zero_variance.as<uint8_t>();
  int64_t first_bad = kNoBadIndex;

  for (int64_t g = g0; g < g1; ++g) {
    const int64_t lo = off[g], hi = off[g + 1], n = hi - lo;
    if (n > 0 && n <= kBlockMaxSize && g + kGroupsPerBlock <= g1 &&
        off[g + kGroupsPerBlock] - lo == n * kGroupsPerBlock && uniform_sizes(off, g, n) &&
        normalize_block(a, g, n)) {
      g += kGroupsPerBlock - 1;
      continue;
    }
    if (n > kSplitGroup) continue;  // normalized by normalize_large_group, across threads
    if (n == 0) {  // an empty group: no rollouts, no gradient
      mean_out[g] = 0.0f;
      std_out[g] = 0.0f;
      zv_out[g] = 1;
      continue;
    }
    const float* x = r + lo;
    const SumMinMax m = sum_min_max(x, n);
    // NaN and Inf propagate into the sum: only a non-finite sum needs the per-element scan.
    if (!std::isfinite(m.sum)) {
      for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) {
          first_bad = lo + i < first_bad ? lo + i : first_bad;
          break;
        }
      }
      continue;
    }
    GroupStats s;
    s.zero_variance = m.lo == m.hi;
    s.mean = s.zero_variance ? static_cast<double>(m.lo) : m.sum / static_cast<double>(n);
    const double ss = s.zero_variance ? 0.0 : sum_sq_dev(x, n, s.mean);
    s.std = std::sqrt(group_variance(ss, n, a.std_kind));
    float* out = adv + lo;
    if (s.zero_variance) {
      for (int64_t i = 0; i < n; ++i) out[i] = 0.0f;
    } else {
      const double scale = group_scale(s, n, a.mode, a.eps);
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>((static_cast<double>(x[i]) - s.mean) * scale);
    }
    mean_out[g] = static_cast<float>(s.mean);
    std_out[g] = static_cast<float>(s.std);
    zv_out[g] = s.zero_variance ? 1 : 0;
  }
  return first_bad;
}

// A group larger than kSplitGroup (one prompt with a million rollouts, or a whole batch
// normalized as one group) is split into fixed kChunk-sized chunks reduced in parallel and
// combined in chunk order. Chunk boundaries depend only on n, so the result is the same
// for any thread count and whatever else is in the batch.
int64_t normalize_large_group(const GroupedAdvantagesArgs& a, int64_t g) {
  const int32_t* off = a.group_offsets.as<const int32_t>();
  const int64_t lo = off[g], n = off[g + 1] - lo;
  const float* x = a.rewards.as<const float>() + lo;
  float* out = a.advantages.as<float>() + lo;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  auto chunk_len = [&](int64_t c) { return c + 1 < chunks ? kChunk : n - c * kChunk; };

  vector<SumMinMax> parts(static_cast<size_t>(chunks));
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) parts[static_cast<size_t>(c)] = sum_min_max(x + c * kChunk, chunk_len(c));
  });
  SumMinMax m = parts[0];
  for (size_t c = 1; c < parts.size(); ++c) {
    m.sum += parts[c].sum;
    m.lo = parts[c].lo < m.lo ? parts[c].lo : m.lo;
    m.hi = parts[c].hi > m.hi ? parts[c].hi : m.hi;
  }
  if (!std::isfinite(m.sum)) {
    for (int64_t i = 0; i < n; ++i)
      if (!std::isfinite(x[i])) return lo + i;
  }
  GroupStats s;
  s.zero_variance = m.lo == m.hi;
  s.mean = s.zero_variance ? static_cast<double>(m.lo) : m.sum / static_cast<double>(n);
  double ss = 0.0;
  if (!s.zero_variance) {
    vector<double> ss_parts(static_cast<size_t>(chunks));
    parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) ss_parts[static_cast<size_t>(c)] = sum_sq_dev(x + c * kChunk, chunk_len(c), s.mean);
    });
    for (double p : ss_parts) ss += p;
  }
  s.std = std::sqrt(group_variance(ss, n, a.std_kind));
  const double scale = s.zero_variance ? 0.0 : group_scale(s, n, a.mode, a.eps);
  parallel_for(n, kChunk, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) out[i] = static_cast<float>((static_cast<double>(x[i]) - s.mean) * scale);
  });
  a.mean.as<float>()[g] = static_cast<float>(s.mean);
  a.std.as<float>()[g] = static_cast<float>(s.std);
  a.zero_variance.as<uint8_t>()[g] = s.zero_variance ? 1 : 0;
  return kNoBadIndex;
}

void broadcast_to_tokens(const GroupedAdvantagesArgs& a) {
  const int32_t* seq = a.seq_offsets.as<const int32_t>();
  const uint8_t* mask = a.response_mask.defined() ? a.response_mask.as<const uint8_t>() : nullptr;
  const float* adv = a.advantages.as<const float>();
  float* out = a.token_advantages.as<float>();
  const int64_t rows = a.rewards.numel();
  parallel_for(rows, 1024, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float v = adv[i];
      for (int64_t t = seq[i]; t < seq[i + 1]; ++t) out[t] = (mask == nullptr || mask[t]) ? v : 0.0f;
    }
  });
}

}  // namespace

int64_t grouped_advantages(const GroupedAdvantagesArgs& a) {
  const int64_t groups = a.group_offsets.numel() - 1;
  // The smallest bad index over all chunks is the first one overall, whatever the split.
  std::atomic<int64_t> first_bad{kNoBadIndex};
  parallel_for(groups, 4096, [&](int64_t g0, int64_t g1) {
    const int64_t bad = normalize_groups(a, g0, g1);
    int64_t seen = first_bad.load(std::memory_order_relaxed);
    while (bad < seen && !first_bad.compare_exchange_weak(seen, bad)) {
    }
  });
  const int32_t* off = a.group_offsets.as<const int32_t>();
  int64_t bad = first_bad.load();
  for (int64_t g = 0; g < groups; ++g) {
    if (off[g + 1] - off[g] <= kSplitGroup) continue;
    const int64_t b = normalize_large_group(a, g);
    bad = b < bad ? b : bad;
  }
  if (bad != kNoBadIndex) return bad;
  if (a.seq_offsets.defined()) broadcast_to_tokens(a);
  return -1;
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(int64_t, grouped_advantages, (const GroupedAdvantagesArgs& a), (a))
}  // namespace tx::cpu

// Grouped advantage normalization on the CPU: one pass per group for min/max/sum, one
// for the squared deviations (two-pass for accuracy), one to write. Groups are small in
// GRPO (G rollouts per prompt), so the three passes hit L1 and the op streams memory once.
#include <atomic>
#include <cmath>
#include <limits>

#include "common/advantage_math.h"
#include "cpu/cpu_ops.h"
#include "cpu/parallel.h"

namespace tx::cpu {

namespace {

constexpr int64_t kNoBadIndex = std::numeric_limits<int64_t>::max();

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
    if (n == 0) {  // an empty group: no rollouts, no gradient
      mean_out[g] = 0.0f;
      std_out[g] = 0.0f;
      zv_out[g] = 1;
      continue;
    }
    double sum = 0.0;
    float lo_val = r[lo], hi_val = r[lo];
    for (int64_t i = lo; i < hi; ++i) {
      const float x = r[i];
      sum += x;
      lo_val = x < lo_val ? x : lo_val;
      hi_val = x > hi_val ? x : hi_val;
    }
    // NaN and Inf propagate into the sum: only a non-finite sum needs the per-element scan.
    if (!std::isfinite(sum)) {
      for (int64_t i = lo; i < hi; ++i) {
        if (!std::isfinite(r[i])) {
          first_bad = i < first_bad ? i : first_bad;
          break;
        }
      }
      continue;
    }
    GroupStats s;
    s.zero_variance = lo_val == hi_val;
    s.mean = s.zero_variance ? static_cast<double>(lo_val) : sum / static_cast<double>(n);
    double ss = 0.0;
    if (!s.zero_variance) {
      for (int64_t i = lo; i < hi; ++i) {
        const double d = static_cast<double>(r[i]) - s.mean;
        ss += d * d;
      }
    }
    s.std = std::sqrt(group_variance(ss, n, a.std_kind));
    if (s.zero_variance) {
      for (int64_t i = lo; i < hi; ++i) adv[i] = 0.0f;
    } else {
      const double scale = group_scale(s, n, a.mode, a.eps);
      for (int64_t i = lo; i < hi; ++i) adv[i] = static_cast<float>((static_cast<double>(r[i]) - s.mean) * scale);
    }
    mean_out[g] = static_cast<float>(s.mean);
    std_out[g] = static_cast<float>(s.std);
    zv_out[g] = s.zero_variance ? 1 : 0;
  }
  return first_bad;
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
  if (first_bad.load() != kNoBadIndex) return first_bad.load();
  if (a.seq_offsets.defined()) broadcast_to_tokens(a);
  return -1;
}

}  // namespace tx::cpu

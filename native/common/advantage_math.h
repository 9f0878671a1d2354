// The per-element formula of grouped advantages (docs/kernels.md section 1), shared by the CPU
// and CUDA kernels. Statistics are accumulated in double: a group may hold millions of
// rewards, and float sums would drift past the 1e-6 relative contract.
#pragma once
#include <cstdint>

#include "common/hd.h"
#include "tx/ops.h"

namespace tx {

struct GroupStats {
  double mean;
  double std;
  bool zero_variance;  // all rewards equal (or n <= 1): every advantage is exactly 0
};

// var = sum of squared deviations / (n - 1) or / n.
TX_HD double group_variance(double sum_sq_dev, int64_t n, StdKind kind) {
  const double denom = kind == StdKind::kUnbiased ? static_cast<double>(n - 1) : static_cast<double>(n);
  return denom > 0 ? sum_sq_dev / denom : 0.0;
}

// A_i = (r_i - mean) * scale, with the scale fixed per group. Division happens once per
// group, not per reward (it was the op's bottleneck on the CPU).
//   grpo:   1 / (std + eps)
//   drgrpo: 1
//   rloo:   n / (n - 1), since r_i - (S - r_i)/(n-1) = (r_i - m) * n/(n-1)  (n >= 2 here;
//           n = 1 groups are zero-variance)
TX_HD double group_scale(const GroupStats& s, int64_t n, AdvantageMode mode, double eps) {
  switch (mode) {
    case AdvantageMode::kGrpo: return 1.0 / (s.std + eps);
    case AdvantageMode::kDrGrpo: return 1.0;
    case AdvantageMode::kRloo: return static_cast<double>(n) / static_cast<double>(n - 1);
  }
  return 0.0;
}

TX_HD float group_advantage(float r, const GroupStats& s, double scale) {
  if (s.zero_variance) return 0.0f;
  return static_cast<float>((static_cast<double>(r) - s.mean) * scale);
}

}  // namespace tx

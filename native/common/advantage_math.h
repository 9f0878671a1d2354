// The per-element formula of grouped advantages (KERNELS.md section 1), shared by the CPU
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

TX_HD float group_advantage(float r, const GroupStats& s, int64_t n, AdvantageMode mode, double eps) {
  if (s.zero_variance) return 0.0f;
  const double centered = static_cast<double>(r) - s.mean;
  switch (mode) {
    case AdvantageMode::kGrpo:
      return static_cast<float>(centered / (s.std + eps));
    case AdvantageMode::kDrGrpo:
      return static_cast<float>(centered);
    case AdvantageMode::kRloo:
      // r_i - (S - r_i)/(n-1) = (r_i - m) * n/(n-1); n >= 2 here (n = 1 is zero_variance).
      return static_cast<float>(centered * static_cast<double>(n) / static_cast<double>(n - 1));
  }
  return 0.0f;
}

}  // namespace tx

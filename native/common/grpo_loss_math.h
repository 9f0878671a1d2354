// Per-token math of the GRPO policy loss (docs/kernels.md section 4), shared by the CPU and
// CUDA kernels so both twins evaluate the same formula; only reduction order differs.
// Gradients follow torch autograd on verl's compute_policy_loss_vanilla and kl_penalty:
// clamp passes the gradient inside its closed range and blocks it outside.
#pragma once
#include <cmath>
#include <cstdint>

#include "common/hd.h"
#include "tx/ops.h"

namespace tx {

struct GrpoTokenParams {
  double clip_low, clip_high, dual_clip, kl_coef;
  KlType kl_type;
  bool has_ref;
};

// What one masked token contributes (loss and d loss / d logp are unweighted here: the
// aggregation weight multiplies both).
struct GrpoToken {
  double loss;       // policy term + kl_coef * kl
  double grad;       // d loss / d logp
  double ratio;      // r
  double neg_log_ratio;
  double kl;         // KL estimator value (0 without ref)
  int clip_high, clip_low, dual;
};

TX_HD double clamp_d(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

TX_HD GrpoToken grpo_token(double logp, double old_logp, double ref_logp, double adv, const GrpoTokenParams& p) {
  GrpoToken t{};
  const double raw = logp - old_logp;
  const double log_ratio = clamp_d(raw, -20.0, 20.0);
  const double dlr = (raw >= -20.0 && raw <= 20.0) ? 1.0 : 0.0;  // clamp's gradient
  const double r = exp(log_ratio);
  const double lo = 1.0 - p.clip_low, hi = 1.0 + p.clip_high;
  const double rc = clamp_d(r, lo, hi);
  const double l1 = -adv * r, l2 = -adv * rc;
  // max(l1, l2): l2 > l1 only when clipping is active, and then l2 has no gradient.
  double loss = l1, grad = -adv * r * dlr;
  if (l2 > l1) {
    loss = l2;
    grad = 0.0;
    if (adv > 0) t.clip_high = 1;
    else t.clip_low = 1;
  }
  if (p.dual_clip > 0 && adv < 0) {
    const double l3 = -adv * p.dual_clip;
    if (loss > l3) {
      loss = l3;
      grad = 0.0;
      t.dual = 1;
    }
  }
  t.ratio = r;
  t.neg_log_ratio = -log_ratio;
  if (p.has_ref) {
    const double d = logp - ref_logp;
    double kl = 0, dkl = 0;
    switch (p.kl_type) {
      case KlType::kK1: kl = d; dkl = 1.0; break;
      case KlType::kK2: kl = 0.5 * d * d; dkl = d; break;
      case KlType::kK3: {  // verl low_var_kl: clamp(ref - logp, +-20), then clamp(e^x - x - 1, +-10)
        const double x_raw = ref_logp - logp;
        const double x = clamp_d(x_raw, -20.0, 20.0);
        const double dx = (x_raw >= -20.0 && x_raw <= 20.0) ? -1.0 : 0.0;
        const double e = exp(x);
        const double k = e - x - 1.0;
        kl = clamp_d(k, -10.0, 10.0);
        dkl = (k >= -10.0 && k <= 10.0) ? (e - 1.0) * dx : 0.0;
        break;
      }
    }
    t.kl = kl;
    loss += p.kl_coef * kl;
    grad += p.kl_coef * dkl;
  }
  t.loss = loss;
  t.grad = grad;
  return t;
}

// Aggregation weight of every masked token of a sequence with `n` masked tokens.
//   tokens: masked tokens in the batch; seqs: sequences with at least one masked token.
TX_HD double grpo_seq_weight(LossAggregation agg, int64_t n, int64_t tokens, int64_t seqs, double norm) {
  if (n == 0) return 0.0;
  switch (agg) {
    case LossAggregation::kTokenMean: return 1.0 / static_cast<double>(tokens);
    case LossAggregation::kSeqMeanTokenMean:  // verl: per-sequence / (count + 1e-8)
      return 1.0 / ((static_cast<double>(n) + 1e-8) * static_cast<double>(seqs));
    case LossAggregation::kSeqMeanTokenSum: return 1.0 / static_cast<double>(seqs);
    case LossAggregation::kSeqMeanTokenSumNorm: return 1.0 / norm;
  }
  return 0.0;
}

// Per-sequence partial sums (double), reduced on the host in sequence order so the result
// does not depend on threads or launch geometry.
struct GrpoSeqPartial {
  double loss;  // sum of masked token losses (unweighted)
  double ratio, neg_log_ratio, kl;
  double clip_high, clip_low, dual;
};

}  // namespace tx

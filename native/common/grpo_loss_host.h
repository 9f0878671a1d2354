// Host-side halves of the GRPO loss shared by the CPU and CUDA paths: batch totals that
// fix the aggregation weights, and the in-order reduction of per-sequence partials.
#pragma once
#include <cstdint>

#include "common/grpo_loss_math.h"
#include "tx/ops.h"

namespace tx {

struct GrpoTotals {
  int64_t tokens = 0;  // masked tokens
  int64_t seqs = 0;    // sequences with a masked token
  double norm = 1;     // seq-mean-token-sum-norm divisor
};

// counts[s]: masked tokens of sequence s.
inline GrpoTotals grpo_totals(const GrpoLossArgs& a, const int64_t* counts, int64_t seqs) {
  GrpoTotals t;
  const int32_t* off = a.seq_offsets.as<const int32_t>();
  int64_t longest = 0;
  for (int64_t s = 0; s < seqs; ++s) {
    t.tokens += counts[s];
    t.seqs += counts[s] > 0 ? 1 : 0;
    const int64_t len = off[s + 1] - off[s];
    longest = len > longest ? len : longest;
  }
  // verl divides by loss_mask.shape[-1], the padded response length; packed sequences have
  // no padding, so the longest sequence stands in for it unless the caller fixes a constant.
  t.norm = a.has_norm_constant ? a.norm_constant : static_cast<double>(longest > 0 ? longest : 1);
  return t;
}

inline GrpoTokenParams grpo_params(const GrpoLossArgs& a) {
  return {a.clip_low, a.clip_high, a.dual_clip, a.kl_coef, a.kl_type, a.ref_logp.defined()};
}

// Sums partials in sequence order (deterministic for any thread count or grid).
inline void grpo_finish(const GrpoLossArgs& a, const GrpoSeqPartial* parts, const int64_t* counts, int64_t seqs,
                        const GrpoTotals& t, GrpoLossResult* r) {
  *r = GrpoLossResult{};
  r->tokens = t.tokens;
  double ratio = 0, nlr = 0, kl = 0, ch = 0, cl = 0, dual = 0;
  for (int64_t s = 0; s < seqs; ++s) {
    const GrpoSeqPartial& p = parts[s];
    r->loss += grpo_seq_weight(a.aggregation, counts[s], t.tokens, t.seqs, t.norm) * p.loss;
    ratio += p.ratio;
    nlr += p.neg_log_ratio;
    kl += p.kl;
    ch += p.clip_high;
    cl += p.clip_low;
    dual += p.dual;
  }
  if (t.tokens == 0) return;  // nothing masked: loss 0, stats 0
  const double n = static_cast<double>(t.tokens);
  r->ratio_mean = ratio / n;
  r->approx_kl = nlr / n;
  r->kl_mean = kl / n;
  r->clip_frac_high = ch / n;
  r->clip_frac_low = cl / n;
  r->dual_clip_frac = dual / n;
}

}  // namespace tx

// GRPO policy loss on the CPU: one pass counts masked tokens per sequence (the weights of
// every aggregation mode depend on them), one pass writes gradLogp and per-sequence partial
// sums, reduced in sequence order. Work is split by sequence, so results are identical for
// any thread count. Per-token math is in common/grpo_loss_math.h (shared with CUDA).
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "common/grpo_loss_host.h"
#include "cpu/grpo_loss.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

namespace {
constexpr int64_t kNoBad = std::numeric_limits<int64_t>::max();
constexpr int64_t kSeqsPerThread = 64;
}  // namespace

int64_t grpo_loss(const GrpoLossArgs& a, GrpoLossResult* result) {
  const int32_t* off = a.seq_offsets.as<const int32_t>();
  const int64_t seqs = a.seq_offsets.numel() - 1;
  const uint8_t* mask = a.mask.as<const uint8_t>();
  const float* lp = a.logp.as<const float>();
  const float* olp = a.old_logp.as<const float>();
  const float* ref = a.ref_logp.defined() ? a.ref_logp.as<const float>() : nullptr;
  const float* adv = a.advantages.as<const float>();
  float* grad = a.grad_logp.as<float>();

  vector<int64_t> counts(static_cast<size_t>(seqs));
  parallel_for(seqs, kSeqsPerThread, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      int64_t n = 0;
      for (int64_t t = off[s]; t < off[s + 1]; ++t) n += mask[t] != 0;
      counts[s] = n;
    }
  });
  const GrpoTotals totals = grpo_totals(a, counts.data(), seqs);
  const GrpoTokenParams params = grpo_params(a);

  vector<GrpoSeqPartial> parts(static_cast<size_t>(seqs));
  std::atomic<int64_t> first_bad{kNoBad};
  parallel_for(seqs, kSeqsPerThread, [&](int64_t s0, int64_t s1) {
    int64_t bad = kNoBad;
    for (int64_t s = s0; s < s1; ++s) {
      const double w = grpo_seq_weight(a.aggregation, counts[s], totals.tokens, totals.seqs, totals.norm);
      GrpoSeqPartial p{};
      for (int64_t t = off[s]; t < off[s + 1]; ++t) {
        if (!mask[t]) {
          grad[t] = 0.0f;
          continue;
        }
        const float r = params.has_ref ? ref[t] : 0.0f;
        if (!std::isfinite(lp[t]) || !std::isfinite(olp[t]) || !std::isfinite(adv[t]) || !std::isfinite(r)) {
          bad = t < bad ? t : bad;
          grad[t] = 0.0f;
          continue;
        }
        const GrpoToken k = grpo_token(lp[t], olp[t], r, adv[t], params);
        grad[t] = static_cast<float>(w * k.grad);
        p.loss += k.loss;
        p.ratio += k.ratio;
        p.neg_log_ratio += k.neg_log_ratio;
        p.kl += k.kl;
        p.clip_high += k.clip_high;
        p.clip_low += k.clip_low;
        p.dual += k.dual;
      }
      parts[s] = p;
    }
    int64_t seen = first_bad.load(std::memory_order_relaxed);
    while (bad < seen && !first_bad.compare_exchange_weak(seen, bad)) {
    }
  });
  if (first_bad.load() != kNoBad) return first_bad.load();
  grpo_finish(a, parts.data(), counts.data(), seqs, totals, result);
  return -1;
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(int64_t, grpo_loss, (const GrpoLossArgs& a, GrpoLossResult* r), (a, r))
}  // namespace tx::cpu

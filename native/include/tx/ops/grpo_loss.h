// GRPO policy loss, fused forward + backward (docs/kernels.md section 4).
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

enum class KlType : int { kK1 = 0, kK2, kK3 };
enum class LossAggregation : int { kTokenMean = 0, kSeqMeanTokenMean, kSeqMeanTokenSum, kSeqMeanTokenSumNorm };

struct GrpoLossArgs {
  TensorView logp;         // f32[N] current policy
  TensorView old_logp;     // f32[N] behaviour policy
  TensorView ref_logp;     // f32[N] reference policy; needed only when kl_coef > 0
  TensorView advantages;   // f32[N] per token
  TensorView mask;         // u8[N], nonzero = response token
  TensorView seq_offsets;  // i32[B+1], host always (it drives the launch)
  double clip_low = 0.2;
  double clip_high = 0.2;
  double dual_clip = 0;    // 0 = off, else c > 1
  double kl_coef = 0;
  KlType kl_type = KlType::kK3;
  LossAggregation aggregation = LossAggregation::kTokenMean;
  bool has_norm_constant = false;  // seq-mean-token-sum-norm divisor; default: longest sequence
  double norm_constant = 0;
  TensorView grad_logp;    // f32[N] output, on the device of logp
};

struct GrpoLossResult {
  double loss = 0;
  double clip_frac_high = 0;  // A > 0 and r > 1 + clipHigh (clipped from above)
  double clip_frac_low = 0;   // A < 0 and r < 1 - clipLow  (clipped from below)
  double dual_clip_frac = 0;  // A < 0 and the dual clip -A c was taken (verl pg_clipfrac_lower)
  double ratio_mean = 0;      // masked mean of r
  double approx_kl = 0;       // masked mean of -log ratio (verl ppo_kl)
  double kl_mean = 0;         // masked mean of the KL estimator (0 without refLogp)
  int64_t tokens = 0;         // masked tokens
};

Status grpo_loss(const GrpoLossArgs& args, GrpoLossResult* result);
// Input checks only (no outputs needed): lets a caller size its outputs safely first.
Status validate_grpo_loss_inputs(const GrpoLossArgs& args);

}  // namespace tx

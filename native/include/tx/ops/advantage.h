// Grouped advantage normalization (docs/kernels.md section 1): GRPO, Dr. GRPO, RLOO.
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

enum class AdvantageMode : int { kGrpo = 0, kDrGrpo, kRloo };

// Token count accepted from seqOffsets alone (no responseMask): 2^26 tokens, 256 MiB of
// tokenAdvantages. Nothing else bounds that allocation.
constexpr int64_t kMaxUnmaskedTokens = int64_t{1} << 26;
enum class StdKind : int { kUnbiased = 0, kBiased };

struct GroupedAdvantagesArgs {
  TensorView rewards;        // f32[R]
  TensorView group_offsets;  // i32[G+1], host memory always (it drives the launch)
  AdvantageMode mode = AdvantageMode::kGrpo;
  StdKind std_kind = StdKind::kUnbiased;
  double eps = 1e-6;
  // Optional token broadcast (both undefined = off; mask may be undefined = all tokens).
  TensorView seq_offsets;    // i32[R+1], host
  TensorView response_mask;  // u8[N], N = seq_offsets[R]
  // Outputs, on the device of `rewards`.
  TensorView advantages;     // f32[R]
  TensorView mean;           // f32[G]
  TensorView std;            // f32[G]
  TensorView zero_variance;  // u8[G]
  TensorView token_advantages;  // f32[N] when seq_offsets is given
};

Status grouped_advantages(const GroupedAdvantagesArgs& args);
// Input checks only (no outputs needed): lets a caller size its outputs safely first.
Status validate_grouped_advantages_inputs(const GroupedAdvantagesArgs& args);
// Token count N of the broadcast output (0 without seq_offsets); call after validation.
int64_t grouped_advantages_tokens(const GroupedAdvantagesArgs& args);

}  // namespace tx

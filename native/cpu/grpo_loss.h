// CPU kernel of GRPO loss (grpo_loss.cpp).
// Arguments are already checked by native/ops/grpo_loss.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/grpo_loss.h"

namespace tx::cpu {

// Writes gradLogp and *result; returns the first masked token with a non-finite input, or -1.
int64_t grpo_loss(const GrpoLossArgs& args, GrpoLossResult* result);

}  // namespace tx::cpu

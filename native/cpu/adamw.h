// CPU kernel of AdamW (adamw.cpp).
// Arguments are already checked by native/ops/adamw.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/adamw.h"

namespace tx::cpu {

// Fills result->grad_norm; returns false (nothing updated) when the norm is not finite.
bool adamw_step(const AdamWArgs& args, AdamWResult* result);

}  // namespace tx::cpu

// CPU kernel of residual add (residual.cpp).
// Arguments are already checked by native/ops/residual.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/residual.h"

namespace tx::cpu {

void residual_add(const ResidualAddArgs& args);

}  // namespace tx::cpu

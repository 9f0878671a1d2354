// CPU kernel of grouped advantages (advantage.cpp).
// Arguments are already checked by native/ops/advantage.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/advantage.h"

namespace tx::cpu {

// Returns the index of the first non-finite reward, or -1 when all are finite.
int64_t grouped_advantages(const GroupedAdvantagesArgs& args);

}  // namespace tx::cpu

// CPU kernel of token sampling (sampling.cpp).
// Arguments are already checked by native/ops/sampling.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/sampling.h"

namespace tx::cpu {

// Writes tokens. Returns -1, or the flat index of the first NaN/+Inf logit, or (with
// *empty_row set) the first row without a finite logit.
int64_t sample(const SampleArgs& args, bool* empty_row);

}  // namespace tx::cpu

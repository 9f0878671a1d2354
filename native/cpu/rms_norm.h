// CPU kernel of RMSNorm (rms_norm.cpp).
// Arguments are already checked by native/ops/rms_norm.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/rms_norm.h"

namespace tx::cpu {

void rms_norm(const RmsNormArgs& args);
void rms_norm_backward(const RmsNormBackwardArgs& args);

}  // namespace tx::cpu

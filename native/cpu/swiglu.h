// CPU kernel of SwiGLU (swiglu.cpp).
// Arguments are already checked by native/ops/swiglu.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/swiglu.h"

namespace tx::cpu {

void swiglu(const SwigluArgs& args);
void swiglu_backward(const SwigluBackwardArgs& args);

}  // namespace tx::cpu

// CPU kernel of GEMM (gemm.cpp).
// Arguments are already checked by native/ops/gemm.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/gemm.h"

namespace tx::cpu {

void gemm(const GemmArgs& args);

}  // namespace tx::cpu

// CPU kernel of RoPE (rope.cpp).
// Arguments are already checked by native/ops/rope.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/rope.h"

namespace tx::cpu {

void rope(const RopeArgs& args, bool inverse);
// The (cos, sin) pair of rope position p, frequency i: shared by the table and the kernels.
void rope_angle(double theta, int64_t head_dim, int64_t p, int64_t i, float* c, float* s);

}  // namespace tx::cpu

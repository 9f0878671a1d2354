// CPU kernel of GEMM (gemm.cpp).
// Arguments are already checked by native/ops/gemm.cpp; kernels only compute.
#pragma once
#include <cstdint>

#include "tx/ops/gemm.h"

namespace tx::cpu {

void gemm(const GemmArgs& args);

// A matrix op(B) [k x n] packed once for many GEMMs against it (generation's decode steps
// reuse every weight matrix for each step): the layout gemm() packs op(B) into per call, so
// gemm_prepacked gives the same bits as gemm. gemm_packed_b_floats: its size in floats.
int64_t gemm_packed_b_floats(int64_t n, int64_t k);
void gemm_pack_b(const float* b, bool trans_b, int64_t n, int64_t k, float* out);
// gemm(args) with op(B) from `packed_b` (args.b, args.trans_b are not read; the packing's
// n and k must be args'). Dispatched to the same kernel set as the packing.
void gemm_prepacked(const GemmArgs& args, const float* packed_b);

}  // namespace tx::cpu

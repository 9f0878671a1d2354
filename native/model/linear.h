// The three GEMMs of a Linear layer (PyTorch layout W [out, in], y = x W^T + b) on the
// model's place. All GEMMs run with alpha 1 and beta 0 or 1, the combinations for which
// the engine's GEMM gives each row of C the same bits whatever the number of rows (batch
// invariance). On CUDA that holds for the engine's own kernels (GemmBackend::kOwn, the
// model's default there), not for cuBLAS, which picks its algorithm by shape.
#pragma once
#include <cstdint>

#include "tx/model/storage.h"
#include "tx/ops.h"

namespace tx::model {

// Where the Linear layers run: the place, the GEMM backend used there, and optionally bf16
// copies of the weights (CUDA): then linear() rounds x to bf16 and multiplies it by the
// bf16 copy of W (tensor cores, f32 accumulation). W's bf16 copy is found by its offset
// from `master` (the f32 parameter buffer) in `bf16`. The backward GEMMs stay f32 against
// the master weights (linear.cpp says why).
struct LinearCtx {
  Place place;
  GemmBackend backend = GemmBackend::kAuto;
  const float* master = nullptr;      // f32 parameters (start of the flat buffer)
  const uint16_t* bf16 = nullptr;     // bf16 copy of the same buffer, or nullptr (f32 GEMMs)
  Storage* scratch = nullptr;         // bf16 rows of x (grown as needed)
};

// y[n, out] = x[n, in] W^T (+ bias per row).
Status linear(const LinearCtx& lc, const float* x, const float* w, const float* bias, float* y, int64_t n, int64_t in, int64_t out);
// dx[n, in] (= or +=) dy[n, out] W.
Status linear_grad_input(const LinearCtx& lc, const float* dy, const float* w, float* dx, int64_t n, int64_t in, int64_t out,
                         bool accumulate);
// dW[out, in] += dy^T x; dbias[out] += column sums of dy (when dbias is set).
Status linear_grad_weight(const LinearCtx& lc, const float* dy, const float* x, float* dw, float* dbias, int64_t n, int64_t in,
                          int64_t out);

}  // namespace tx::model

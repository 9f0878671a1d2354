// Thin wrappers over the engine's public ops for the model: views of raw pointers and the
// three GEMMs of a Linear layer (PyTorch layout W [out, in], y = x W^T + b). All GEMMs run
// with alpha 1 and beta 0 or 1, the combinations for which the engine's GEMM gives each
// row of C the same bits whatever the number of rows (batch invariance).
#pragma once
#include <cstdint>

#include "tx/ops.h"

namespace tx::model {

inline TensorView fvec(const float* p, int64_t n) {
  return TensorView::contiguous(const_cast<float*>(p), {n}, DType::kF32);
}
inline TensorView ivec(const int32_t* p, int64_t n) {
  return TensorView::contiguous(const_cast<int32_t*>(p), {n}, DType::kI32);
}
inline TensorView fmat(const float* p, int64_t r, int64_t c) {
  return TensorView::contiguous(const_cast<float*>(p), {r, c}, DType::kF32);
}
inline TensorView f3(const float* p, int64_t a, int64_t b, int64_t c) {
  return TensorView::contiguous(const_cast<float*>(p), {a, b, c}, DType::kF32);
}
inline TensorView f4(const float* p, int64_t a, int64_t b, int64_t c, int64_t d) {
  return TensorView::contiguous(const_cast<float*>(p), {a, b, c, d}, DType::kF32);
}

// y[n, out] = x[n, in] W^T (+ bias per row).
Status linear(const float* x, const float* w, const float* bias, float* y, int64_t n, int64_t in, int64_t out);
// dx[n, in] (= or +=) dy[n, out] W.
Status linear_grad_input(const float* dy, const float* w, float* dx, int64_t n, int64_t in, int64_t out, bool accumulate);
// dW[out, in] += dy^T x; dbias[out] += column sums of dy (when dbias is set).
Status linear_grad_weight(const float* dy, const float* x, float* dw, float* dbias, int64_t n, int64_t in, int64_t out);

}  // namespace tx::model

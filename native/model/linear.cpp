#include "model/linear.h"

#include "cpu/parallel.h"

namespace tx::model {

Status linear(const float* x, const float* w, const float* bias, float* y, int64_t n, int64_t in, int64_t out) {
  GemmArgs g;
  g.a = fvec(x, n * in), g.b = fvec(w, out * in), g.c = fvec(y, n * out);
  g.m = n, g.n = out, g.k = in, g.trans_b = true;
  TX_RETURN_IF_ERROR(gemm(g));
  if (bias != nullptr) {
    cpu::parallel_for(n, 64, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t j = 0; j < out; ++j) y[r * out + j] += bias[j];
    });
  }
  return Status::ok();
}

Status linear_grad_input(const float* dy, const float* w, float* dx, int64_t n, int64_t in, int64_t out, bool accumulate) {
  GemmArgs g;
  g.a = fvec(dy, n * out), g.b = fvec(w, out * in), g.c = fvec(dx, n * in);
  g.m = n, g.n = in, g.k = out, g.beta = accumulate ? 1 : 0;
  return gemm(g);
}

Status linear_grad_weight(const float* dy, const float* x, float* dw, float* dbias, int64_t n, int64_t in, int64_t out) {
  GemmArgs g;
  g.a = fvec(dy, n * out), g.b = fvec(x, n * in), g.c = fvec(dw, out * in);
  g.m = out, g.n = in, g.k = n, g.trans_a = true, g.beta = 1;
  TX_RETURN_IF_ERROR(gemm(g));
  if (dbias != nullptr) {
    // Columns split across threads; each column sums its rows in order (deterministic).
    cpu::parallel_for(out, 16, [&](int64_t j0, int64_t j1) {
      for (int64_t r = 0; r < n; ++r)
        for (int64_t j = j0; j < j1; ++j) dbias[j] += dy[r * out + j];
    });
  }
  return Status::ok();
}

}  // namespace tx::model

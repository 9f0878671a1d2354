#include "model/linear.h"

#include "cpu/gemm.h"
#include "cpu/parallel.h"
#include "tx/platform.h"
#ifdef TX_HAVE_CUDA
#include "cuda/model_glue.h"
#endif

namespace tx::model {

namespace {

#ifndef TX_HAVE_CUDA
Status no_cuda() { return {Code::kDevice, "the model is on CUDA but this build has no CUDA support"}; }
#endif

GemmArgs gemm_args(const LinearCtx& lc) {
  GemmArgs g;
  g.backend = lc.backend;
  return g;
}

// y[r] += bias, rows split across threads (host).
void add_bias_rows(float* y, const float* bias, int64_t n, int64_t out) {
  cpu::parallel_for(n, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t j = 0; j < out; ++j) y[r * out + j] += bias[j];
  });
}

TensorView bf16_vec(const Place& pl, const uint16_t* p, int64_t n) {
  return TensorView::contiguous(const_cast<uint16_t*>(p), {n}, DType::kBF16, pl.device, pl.index);
}

}  // namespace

Status linear(const LinearCtx& lc, const float* x, const float* w, const float* bias, float* y, int64_t n, int64_t in, int64_t out) {
  const Place& pl = lc.place;
  GemmArgs g = gemm_args(lc);
  g.m = n, g.n = out, g.k = in, g.trans_b = true;
  g.c = fvec(pl, y, n * out);
  if (lc.bf16 != nullptr) {
    // Forward GEMMs with bf16 weights: x rounded to bf16 (the GEMM takes one input dtype).
    TX_RETURN_IF_ERROR(lc.scratch->grow(pl, (n * in + 1) / 2));
    uint16_t* x16 = reinterpret_cast<uint16_t*>(lc.scratch->data());
    TX_RETURN_IF_ERROR(round_to_bf16(pl, x, x16, n * in));
    g.a = bf16_vec(pl, x16, n * in), g.b = bf16_vec(pl, lc.bf16 + (w - lc.master), out * in);
  } else {
    g.a = fvec(pl, x, n * in), g.b = fvec(pl, w, out * in);
  }
  TX_RETURN_IF_ERROR(gemm(g));
  if (bias == nullptr) return Status::ok();
  if (!pl.host()) {
#ifdef TX_HAVE_CUDA
    return cuda::bias_add(y, bias, n, out, nullptr);
#else
    return no_cuda();
#endif
  }
  add_bias_rows(y, bias, n, out);
  return Status::ok();
}

void PackedWeights::Free::operator()(float* p) const { platform::aligned_free(p); }

Status PackedWeights::add(const float* w, int64_t in, int64_t out, int* index) {
  if (used_ == bufs_.size()) bufs_.emplace_back();
  Buf& b = bufs_[used_];
  // y = x W^T: op(B) = W^T, [in x out], from W stored [out, in] (trans_b).
  const int64_t floats = cpu::gemm_packed_b_floats(out, in);
  if (floats > b.cap) {
    const size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
    b.p.reset(static_cast<float*>(platform::aligned_alloc_bytes(64, bytes)));
    b.cap = b.p ? floats : 0;
    if (!b.p) return {Code::kOom, "out of host memory for the packed weights of generation"};
  }
  cpu::gemm_pack_b(w, true, out, in, b.p.get());
  *index = static_cast<int>(used_++);
  return Status::ok();
}

Status linear_packed(const float* x, const float* packed_w, const float* bias, float* y, int64_t n, int64_t in, int64_t out) {
  const Place host;
  GemmArgs g;
  g.m = n, g.n = out, g.k = in, g.trans_b = true;
  g.a = fvec(host, x, n * in), g.c = fvec(host, y, n * out);
  cpu::gemm_prepacked(g, packed_w);
  if (bias != nullptr) add_bias_rows(y, bias, n, out);
  return Status::ok();
}

// The backward GEMMs run in f32 against the master weights even with bf16 forward
// weights: the gradients keep f32 precision (the bf16 rounding of W and x is treated as
// part of the forward's noise, not differentiated), and the f32 parameters they update
// are the ones AdamW keeps.
Status linear_grad_input(const LinearCtx& lc, const float* dy, const float* w, float* dx, int64_t n, int64_t in, int64_t out,
                         bool accumulate) {
  const Place& pl = lc.place;
  GemmArgs g = gemm_args(lc);
  g.a = fvec(pl, dy, n * out), g.b = fvec(pl, w, out * in), g.c = fvec(pl, dx, n * in);
  g.m = n, g.n = in, g.k = out, g.beta = accumulate ? 1 : 0;
  return gemm(g);
}

Status linear_grad_weight(const LinearCtx& lc, const float* dy, const float* x, float* dw, float* dbias, int64_t n, int64_t in,
                          int64_t out) {
  const Place& pl = lc.place;
  GemmArgs g = gemm_args(lc);
  g.a = fvec(pl, dy, n * out), g.b = fvec(pl, x, n * in), g.c = fvec(pl, dw, out * in);
  g.m = out, g.n = in, g.k = n, g.trans_a = true, g.beta = 1;
  TX_RETURN_IF_ERROR(gemm(g));
  if (dbias == nullptr) return Status::ok();
  if (!pl.host()) {
#ifdef TX_HAVE_CUDA
    return cuda::bias_grad(dy, dbias, n, out, nullptr);
#else
    return no_cuda();
#endif
  }
  // Columns split across threads; each column sums its rows in order (deterministic).
  cpu::parallel_for(out, 16, [&](int64_t j0, int64_t j1) {
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = j0; j < j1; ++j) dbias[j] += dy[r * out + j];
  });
  return Status::ok();
}

}  // namespace tx::model

// RoPE (docs/kernels.md section 9): argument checks, each message naming the
// argument as the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/rope.h"

#include <cmath>
#include <string>

#include "check.h"
#include "cpu/rope.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/model_ops.h"
#endif

namespace tx {

Status validate_rope_inputs(const RopeArgs& a) {
  TX_RETURN_IF_ERROR(check::dim(a.tokens, "tokens", 0));
  TX_RETURN_IF_ERROR(check::dim(a.heads, "heads", 1));
  TX_RETURN_IF_ERROR(check::dim(a.head_dim, "headDim", 2));
  if (a.head_dim % 2 != 0) return {Code::kRange, "headDim must be even, got " + std::to_string(a.head_dim)};
  TX_RETURN_IF_ERROR(check::product(a.tokens, a.heads * a.head_dim, "tokens * heads * headDim"));
  TX_RETURN_IF_ERROR(check::vector(a.x, a.x_name, DType::kF32, a.tokens * a.heads * a.head_dim));
  if (!(a.theta > 1) || !std::isfinite(a.theta)) return {Code::kRange, "opts.theta must be a finite number > 1, got " + std::to_string(a.theta)};
  int64_t limit = INT32_MAX;
  if (a.table.defined()) {
    TX_RETURN_IF_ERROR(check::f32_like(a.table, "table", -1, a.x, a.x_name));
    if (a.table.numel() % a.head_dim != 0) return {Code::kShape, "table length must be a multiple of headDim"};
    limit = a.table.numel() / a.head_dim;
  }
  TX_RETURN_IF_ERROR(check::indices(a.positions, "positions", a.tokens, 0, limit, a.table.defined() ? "the table's positions" : "2^31-1"));
  return ops::usable_device(a.x, a.x_name);
}

Status rope_table(double theta, int64_t head_dim, int64_t positions, const TensorView& table) {
  if (head_dim < 2 || head_dim % 2 != 0) return {Code::kRange, "headDim must be even and >= 2"};
  if (!(theta > 1) || !std::isfinite(theta)) return {Code::kRange, "theta must be a finite number > 1"};
  TX_RETURN_IF_ERROR(check::vector(table, "table", DType::kF32, positions * head_dim));
  TX_RETURN_IF_ERROR(check::on_host(table, "table"));
  float* t = table.as<float>();
  const int64_t half = head_dim / 2;
  for (int64_t p = 0; p < positions; ++p) {
    for (int64_t i = 0; i < half; ++i) cpu::rope_angle(theta, head_dim, p, i, &t[p * head_dim + i], &t[p * head_dim + half + i]);
  }
  return Status::ok();
}

namespace {
Status rope_run(const RopeArgs& a, bool inverse) {
  TX_RETURN_IF_ERROR(validate_rope_inputs(a));
  TX_RETURN_IF_ERROR(check::f32_like(a.out, "out", a.x.numel(), a.x, a.x_name));
  return ops::dispatch(a.x, a.x_name, [&] { cpu::rope(a, inverse); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::rope(a, inverse, nullptr)); });
}
}  // namespace

Status rope(const RopeArgs& a) { return rope_run(a, false); }
Status rope_backward(const RopeArgs& a) { return rope_run(a, true); }

}  // namespace tx

// GEMM (docs/kernels.md section 7): argument checks, each message naming the argument as
// the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/gemm.h"

#include <climits>
#include <cmath>
#include <string>

#include "check.h"
#include "cpu/gemm.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/gemm.h"
#endif

namespace tx {

namespace {

// Device GEMM checks: a and b f32 or bf16 (the same), c f32, all on a's CUDA device.
Status validate_device_gemm(const GemmArgs& g) {
  const DType in = g.a.dtype;
  if (in != DType::kF32 && in != DType::kBF16) {
    return {Code::kDtype, std::string("a must be float32 or bfloat16 on CUDA, got ") + dtype_name(in)};
  }
  TX_RETURN_IF_ERROR(check::vector(g.a, "a", in, g.m * g.k));
  TX_RETURN_IF_ERROR(check::vector(g.b, "b", in, g.k * g.n));
  TX_RETURN_IF_ERROR(check::vector(g.c, "c", DType::kF32, g.m * g.n));
  TX_RETURN_IF_ERROR(check::same_device(g.b, "b", g.a, "a"));
  TX_RETURN_IF_ERROR(check::same_device(g.c, "c", g.a, "a"));
  // cuBLAS and the kernels index with int: keep every dimension and leading dimension in range.
  if (g.m > INT32_MAX || g.n > INT32_MAX || g.k > INT32_MAX) return {Code::kRange, "m, n and k must be < 2^31 on CUDA"};
  return Status::ok();
}

// Host GEMM checks: a, b and c f32 in host memory.
Status validate_host_gemm(const GemmArgs& g) {
  TX_RETURN_IF_ERROR(check::vector(g.a, "a", DType::kF32, g.m * g.k));
  TX_RETURN_IF_ERROR(check::vector(g.b, "b", DType::kF32, g.k * g.n));
  TX_RETURN_IF_ERROR(check::vector(g.c, "c", DType::kF32, g.m * g.n));
  TX_RETURN_IF_ERROR(check::on_host(g.a, "a"));
  TX_RETURN_IF_ERROR(check::on_host(g.b, "b"));
  return check::on_host(g.c, "c");
}

}  // namespace

Status gemm(const GemmArgs& g) {
  if (g.m < 0 || g.n < 0 || g.k < 0) return {Code::kRange, "m, n and k must be >= 0"};
  if (!std::isfinite(g.alpha)) return {Code::kRange, "opts.alpha must be finite"};
  if (!std::isfinite(g.beta)) return {Code::kRange, "opts.beta must be finite"};
  TX_RETURN_IF_ERROR(g.a.device == Device::kCuda ? validate_device_gemm(g) : validate_host_gemm(g));
  return ops::dispatch(g.a, "a", [&] { cpu::gemm(g); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::gemm(g, nullptr)); });
}

const char* gemm_cublas_library() {
#ifdef TX_HAVE_CUDA
  return cuda::gemm_cublas_library();
#else
  return "";
#endif
}

}  // namespace tx

// Residual add (docs/kernels.md section 12): argument checks, each message naming the
// argument as the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/residual.h"

#include <cmath>
#include <string>

#include "check.h"
#include "cpu/residual.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/model_ops.h"
#endif

namespace tx {

Status validate_residual_add_inputs(const ResidualAddArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.a, "a", DType::kF32));
  TX_RETURN_IF_ERROR(check::f32_like(a.b, "b", a.a.numel(), a.a, "a"));
  return ops::usable_device(a.a, "a");
}

Status residual_add(const ResidualAddArgs& a) {
  TX_RETURN_IF_ERROR(validate_residual_add_inputs(a));
  TX_RETURN_IF_ERROR(check::f32_like(a.out, "out", a.a.numel(), a.a, "a"));
  return ops::dispatch(a.a, "a", [&] { cpu::residual_add(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::residual_add(a, nullptr)); });
}

}  // namespace tx

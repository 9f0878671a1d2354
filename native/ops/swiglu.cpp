// SwiGLU (docs/kernels.md section 10): argument checks, each message naming the
// argument as the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/swiglu.h"

#include <cmath>
#include <string>

#include "check.h"
#include "cpu/swiglu.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/model_ops.h"
#endif

namespace tx {

Status validate_swiglu_inputs(const SwigluArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.gate, "gate", DType::kF32));
  TX_RETURN_IF_ERROR(check::f32_like(a.up, "up", a.gate.numel(), a.gate, "gate"));
  return ops::usable_device(a.gate, "gate");
}

Status swiglu(const SwigluArgs& a) {
  TX_RETURN_IF_ERROR(validate_swiglu_inputs(a));
  TX_RETURN_IF_ERROR(check::f32_like(a.out, "out", a.gate.numel(), a.gate, "gate"));
  return ops::dispatch(a.gate, "gate", [&] { cpu::swiglu(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::swiglu(a, nullptr)); });
}

Status validate_swiglu_backward_inputs(const SwigluBackwardArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.gate, "gate", DType::kF32));
  TX_RETURN_IF_ERROR(check::f32_like(a.up, "up", a.gate.numel(), a.gate, "gate"));
  TX_RETURN_IF_ERROR(check::f32_like(a.grad_out, "gradOut", a.gate.numel(), a.gate, "gate"));
  return ops::usable_device(a.gate, "gate");
}

Status swiglu_backward(const SwigluBackwardArgs& a) {
  TX_RETURN_IF_ERROR(validate_swiglu_backward_inputs(a));
  TX_RETURN_IF_ERROR(check::f32_like(a.grad_gate, "gradGate", a.gate.numel(), a.gate, "gate"));
  TX_RETURN_IF_ERROR(check::f32_like(a.grad_up, "gradUp", a.gate.numel(), a.gate, "gate"));
  return ops::dispatch(a.gate, "gate", [&] { cpu::swiglu_backward(a); return Status::ok(); },
                       [&] { return TX_CUDA(cuda::swiglu_backward(a, nullptr)); });
}

}  // namespace tx

// The one dispatch shape of native/ops/: every op checks its arguments, then runs on the
// device of one named tensor through dispatch(). native/ops/ is the only place that picks
// between native/cpu/ and native/cuda/ for an op; native/model/ calls these checked ops for
// every op of docs/kernels.md, and reaches cpu/ or cuda/ directly only for helpers that are
// not ops (bias add and its gradient in model/linear.cpp, device buffers in model/storage.cpp).
#pragma once
#include "tx/status.h"
#include "tx/tensor.h"

// TX_CUDA(expr): the CUDA launch `expr` in a CUDA build; elsewhere a stand-in Status that
// dispatch() never reaches (usable_device() has already refused a CUDA tensor).
#ifdef TX_HAVE_CUDA
#define TX_CUDA(...) __VA_ARGS__
#else
#define TX_CUDA(...) ::tx::ops::no_cuda_build()
#endif

namespace tx::ops {

// OK for a host tensor. For a CUDA tensor, OK when this build has CUDA and a device is
// usable; else E_DEVICE "<name> is on CUDA but ..." with the reason.
Status usable_device(const TensorView& t, const char* name);

Status no_cuda_build();

// Runs `cpu()` or `cuda()` (each returning a Status) on the device of `on`, after
// usable_device(on, name).
template <typename CpuFn, typename CudaFn>
Status dispatch(const TensorView& on, const char* name, CpuFn&& cpu, CudaFn&& cuda) {
  TX_RETURN_IF_ERROR(usable_device(on, name));
  if (on.device == Device::kCuda) return cuda();
  return cpu();
}

}  // namespace tx::ops

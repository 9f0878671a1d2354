#include "ops/dispatch.h"

#include <string>

#include "tx/device.h"

namespace tx::ops {

Status no_cuda_build() { return {Code::kDevice, "this build has no CUDA support"}; }

Status usable_device(const TensorView& t, const char* name) {
  if (t.device != Device::kCuda) return Status::ok();
#ifdef TX_HAVE_CUDA
  const CudaReport& r = cuda_report();
  if (!r.usable) return {Code::kDevice, std::string(name) + " is on CUDA but CUDA is not usable: " + r.reason};
  return Status::ok();
#else
  return {Code::kDevice, std::string(name) + " is on CUDA but this build has no CUDA support"};
#endif
}

}  // namespace tx::ops

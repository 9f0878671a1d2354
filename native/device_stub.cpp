// Device runtime for builds without CUDA: everything reports "not compiled".
#include "tx/device.h"

namespace tx {

const CudaReport& cuda_report() {
  static const CudaReport report = [] {
    CudaReport r;
    r.reason = "this build has no CUDA support (nvcc not found at build time, or TX_CUDA=OFF)";
    return r;
  }();
  return report;
}

namespace {
Status not_compiled() { return {Code::kDevice, "CUDA is not compiled into this build"}; }
}  // namespace

Status cuda_malloc(void** ptr, size_t, int) {
  *ptr = nullptr;
  return not_compiled();
}
void cuda_free(void*, int) {}
Status cuda_copy_to_device(void*, const void*, size_t, int) { return not_compiled(); }
Status cuda_copy_to_host(void*, const void*, size_t, int) { return not_compiled(); }
Status cuda_copy_on_device(void*, const void*, size_t, int) { return not_compiled(); }

}  // namespace tx

// cuBLAS through dlopen (see cublas_dl.h). One handle per device, created on first use and
// kept for the process; a mutex per device serialises (set stream, gemm) pairs, since a
// handle's stream is state shared by every caller.
#include "cuda/cublas_dl.h"

#include "tx/platform.h"

#include <mutex>
#include <string>

namespace tx::cuda::cublas {

namespace {

// The values from cublas_api.h / library_types.h that this file passes (stable ABI).
using Handle = void*;
constexpr int kOpN = 0, kOpT = 1;                 // cublasOperation_t
constexpr int kR32F = 0, kR16BF = 14;             // cudaDataType_t: CUDA_R_32F, CUDA_R_16BF
constexpr int kCompute32F = 68;                   // cublasComputeType_t: CUBLAS_COMPUTE_32F
constexpr int kGemmDefault = -1;                  // cublasGemmAlgo_t: CUBLAS_GEMM_DEFAULT
constexpr int kSuccess = 0;                       // CUBLAS_STATUS_SUCCESS

using CreateFn = int (*)(Handle*);
using DestroyFn = int (*)(Handle);
using SetStreamFn = int (*)(Handle, cudaStream_t);
using SgemmFn = int (*)(Handle, int, int, int, int, int, const float*, const float*, int, const float*, int,
                        const float*, float*, int);
using GemmExFn = int (*)(Handle, int, int, int, int, int, const void*, const void*, int, int, const void*, int, int,
                         const void*, void*, int, int, int, int);

struct Api {
  std::string name;
  CreateFn create = nullptr;
  DestroyFn destroy = nullptr;
  SetStreamFn set_stream = nullptr;
  SgemmFn sgemm = nullptr;
  GemmExFn gemm_ex = nullptr;
  bool ok() const { return create && destroy && set_stream && sgemm && gemm_ex; }
};

Api load() {
  Api api;
#if defined(_WIN32)
  for (const char* name : {"cublas64_13.dll", "cublas64_12.dll"}) {
#else
  for (const char* name : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"}) {
#endif
    void* h = platform::dl_open(name);
    if (h == nullptr) continue;
    api.create = reinterpret_cast<CreateFn>(platform::dl_sym(h, "cublasCreate_v2"));
    api.destroy = reinterpret_cast<DestroyFn>(platform::dl_sym(h, "cublasDestroy_v2"));
    api.set_stream = reinterpret_cast<SetStreamFn>(platform::dl_sym(h, "cublasSetStream_v2"));
    api.sgemm = reinterpret_cast<SgemmFn>(platform::dl_sym(h, "cublasSgemm_v2"));
    api.gemm_ex = reinterpret_cast<GemmExFn>(platform::dl_sym(h, "cublasGemmEx"));
    if (api.ok()) {
      api.name = name;  // the library stays loaded for the process
      return api;
    }
    platform::dl_close(h);
    api = Api{};
  }
  return api;
}

const Api& api() {
  static const Api a = load();  // thread-safe, once
  return a;
}

constexpr int kMaxDevices = 64;
struct PerDevice {
  std::mutex mu;
  Handle handle = nullptr;
};
PerDevice g_devices[kMaxDevices];

Status status(int code, const char* what) {
  if (code == kSuccess) return Status::ok();
  return {code == 3 ? Code::kOom : Code::kDevice, std::string(what) + " failed: cublasStatus " + std::to_string(code)};
}

// Runs fn(handle) with the device's handle bound to `stream`, under the device's mutex.
template <typename Fn>
Status with_handle(int device, cudaStream_t stream, Fn fn) {
  if (!available()) return {Code::kDevice, "cuBLAS is not available"};
  if (device < 0 || device >= kMaxDevices) return {Code::kDevice, "device index out of range"};
  PerDevice& d = g_devices[device];
  std::lock_guard<std::mutex> lock(d.mu);
  const cudaError_t err = cudaSetDevice(device);
  if (err != cudaSuccess) return {Code::kDevice, std::string("cudaSetDevice: ") + cudaGetErrorString(err)};
  if (d.handle == nullptr) TX_RETURN_IF_ERROR(status(api().create(&d.handle), "cublasCreate_v2"));
  TX_RETURN_IF_ERROR(status(api().set_stream(d.handle, stream), "cublasSetStream_v2"));
  return fn(d.handle);
}

}  // namespace

bool available() { return api().ok(); }
const char* library() { return api().name.c_str(); }

Status sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
             int ldb, float beta, float* c, int ldc, int device, cudaStream_t stream) {
  return with_handle(device, stream, [&](Handle h) {
    return status(api().sgemm(h, trans_a ? kOpT : kOpN, trans_b ? kOpT : kOpN, m, n, k, &alpha, a, lda, b, ldb, &beta,
                              c, ldc),
                  "cublasSgemm_v2");
  });
}

Status gemm_bf16(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const void* a, int lda, const void* b,
                 int ldb, float beta, float* c, int ldc, int device, cudaStream_t stream) {
  return with_handle(device, stream, [&](Handle h) {
    return status(api().gemm_ex(h, trans_a ? kOpT : kOpN, trans_b ? kOpT : kOpN, m, n, k, &alpha, a, kR16BF, lda, b,
                                kR16BF, ldb, &beta, c, kR32F, ldc, kCompute32F, kGemmDefault),
                  "cublasGemmEx");
  });
}

}  // namespace tx::cuda::cublas

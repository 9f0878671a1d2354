// The three GEMMs of a Linear layer (PyTorch layout W [out, in], y = x W^T + b) on the
// model's place. All GEMMs run with alpha 1 and beta 0 or 1, the combinations for which
// the engine's GEMM gives each row of C the same bits whatever the number of rows (batch
// invariance). On CUDA that holds for the engine's own kernels (GemmBackend::kOwn, the
// model's default there), not for cuBLAS, which picks its algorithm by shape.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "tx/model/storage.h"
#include "tx/ops.h"

namespace tx::model {

// Where the Linear layers run: the place, the GEMM backend used there, and optionally bf16
// copies of the weights (CUDA): then linear() rounds x to bf16 and multiplies it by the
// bf16 copy of W (tensor cores, f32 accumulation). W's bf16 copy is found by its offset
// from `master` (the f32 parameter buffer) in `bf16`. The backward GEMMs stay f32 against
// the master weights (linear.cpp says why).
struct LinearCtx {
  Place place;
  GemmBackend backend = GemmBackend::kAuto;
  const float* master = nullptr;      // f32 parameters (start of the flat buffer)
  const uint16_t* bf16 = nullptr;     // bf16 copy of the same buffer, or nullptr (f32 GEMMs)
  Storage* scratch = nullptr;         // bf16 rows of x (grown as needed)
};

// y[n, out] = x[n, in] W^T (+ bias per row).
Status linear(const LinearCtx& lc, const float* x, const float* w, const float* bias, float* y, int64_t n, int64_t in, int64_t out);
// dx[n, in] (= or +=) dy[n, out] W.
Status linear_grad_input(const LinearCtx& lc, const float* dy, const float* w, float* dx, int64_t n, int64_t in, int64_t out,
                         bool accumulate);
// dW[out, in] += dy^T x; dbias[out] += column sums of dy (when dbias is set).
Status linear_grad_weight(const LinearCtx& lc, const float* dy, const float* x, float* dw, float* dbias, int64_t n, int64_t in,
                          int64_t out);

// Host only: weight matrices packed once for the many small GEMMs of generation's decode
// steps, where packing W again per call costs as much as the multiply (M = the running
// rows). linear_packed gives linear()'s bits (cpu/gemm.h).
class PackedWeights {
 public:
  void clear() { used_ = 0; }
  // Packs W [out, in] as matrix *index. Buffers are kept for the next round of add()s.
  Status add(const float* w, int64_t in, int64_t out, int* index);
  const float* at(int i) const { return bufs_[static_cast<size_t>(i)].p.get(); }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  struct Buf {
    std::unique_ptr<float, Free> p;  // 64-byte aligned: the micro-kernels load it aligned
    int64_t cap = 0;
  };
  std::vector<Buf> bufs_;
  size_t used_ = 0;
};

// linear() on the host with W packed by PackedWeights.
Status linear_packed(const float* x, const float* packed_w, const float* bias, float* y, int64_t n, int64_t in, int64_t out);

}  // namespace tx::model

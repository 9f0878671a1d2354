// GEMM floor for the benchmarks (tx::bench::sgemm_floor): the FLOP rate attention is
// compared with until the engine's own GEMM lands. A textbook blocked SGEMM: B packed in
// KC x 32 panels, an 8 x 32 register micro-kernel (16 accumulators), threads over row
// blocks. It is a measurement floor, not an engine op; it needs m % 8 == 0, n % 32 == 0.
#include <algorithm>
#include <vector>

#include "cpu/parallel.h"
#include "cpu/simd16.h"
#include "tx/bench.h"

namespace tx::bench {

namespace {

using namespace tx::cpu::simd;

constexpr int kMr = 8, kNr = 32, kKc = 256;

// c[8][32] += a[8][kc] (row stride lda) * bp[kc][32]
inline void micro_kernel(const float* a, int lda, const float* bp, int kc, float* c, int ldc) {
  V16 acc[kMr][2];
  for (int r = 0; r < kMr; ++r) {
    acc[r][0] = load(c + r * ldc);
    acc[r][1] = load(c + r * ldc + 16);
  }
  for (int p = 0; p < kc; ++p) {
    const V16 b0 = load(bp + p * kNr), b1 = load(bp + p * kNr + 16);
    for (int r = 0; r < kMr; ++r) {
      const V16 x = splat(a[r * lda + p]);
      acc[r][0] = fma(x, b0, acc[r][0]);
      acc[r][1] = fma(x, b1, acc[r][1]);
    }
  }
  for (int r = 0; r < kMr; ++r) {
    store(c + r * ldc, acc[r][0]);
    store(c + r * ldc + 16, acc[r][1]);
  }
}

}  // namespace

void sgemm_floor(const float* a, const float* b, float* c, int m, int n, int k) {
  std::fill(c, c + static_cast<int64_t>(m) * n, 0.0f);
  std::vector<float> packed(static_cast<size_t>(kKc) * n);
  for (int p0 = 0; p0 < k; p0 += kKc) {
    const int kc = std::min(kKc, k - p0);
    // Panel j holds B[p0.., 32j..32j+31] contiguously: the micro-kernel streams it.
    cpu::parallel_for(n / kNr, 4, [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j)
        for (int p = 0; p < kc; ++p)
          std::copy_n(b + static_cast<int64_t>(p0 + p) * n + j * kNr, kNr, packed.data() + (j * kc + p) * kNr);
    });
    cpu::parallel_for(m / kMr, 1, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i)
        for (int j = 0; j < n / kNr; ++j)
          micro_kernel(a + i * kMr * k + p0, k, packed.data() + static_cast<int64_t>(j) * kc * kNr, kc,
                       c + i * kMr * n + j * kNr, n);
    });
  }
}

}  // namespace tx::bench

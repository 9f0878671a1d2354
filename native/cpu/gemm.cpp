// CPU SGEMM, GotoBLAS/BLIS structure: B is packed per (KC x NC) panel into NR-wide strips,
// A per (MC x KC) block into MR-tall strips (packing absorbs every transpose, so one
// micro-kernel serves all four combinations), and an MR x NR register-tiled micro-kernel
// runs over the packed strips. Threads split the M blocks of a panel; each packs its own A.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/cpu_ops.h"
#include "cpu/parallel.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace tx::cpu {

namespace {

#if defined(__AVX512F__)
constexpr int64_t kMR = 12, kNR = 32;  // 24 zmm accumulators of the 32: two loads + one broadcast per row
#else
constexpr int64_t kMR = 6, kNR = 16;   // portable: the compiler vectorises the fixed-size loops
#endif
constexpr int64_t kKC = 256;   // A strip (MR x KC) + B strip (KC x NR) stay in L1/L2
constexpr int64_t kMC = 144;   // A block (MC x KC) ~ 147 KiB: L2
constexpr int64_t kNC = 4096;  // B panel (KC x NC) 4 MiB: L3

struct Mat {
  const float* p;
  int64_t rows, cols;  // logical (after op)
  bool trans;
  int64_t ld;          // stored row length
  float at(int64_t r, int64_t c) const { return trans ? p[c * ld + r] : p[r * ld + c]; }
};

// Packs rows [r0, r0+mc) x cols [k0, k0+kc) of op(A) as MR-tall strips, k-major, zero padded.
void pack_a(const Mat& a, int64_t r0, int64_t mc, int64_t k0, int64_t kc, float* out) {
  for (int64_t s = 0; s < mc; s += kMR) {
    const int64_t h = std::min(kMR, mc - s);
    for (int64_t k = 0; k < kc; ++k) {
      for (int64_t i = 0; i < h; ++i) out[i] = a.at(r0 + s + i, k0 + k);
      for (int64_t i = h; i < kMR; ++i) out[i] = 0.0f;
      out += kMR;
    }
  }
}

// Packs rows [k0, k0+kc) x cols [c0, c0+nc) of op(B) as NR-wide strips, k-major, zero padded.
void pack_b_strip(const Mat& b, int64_t k0, int64_t kc, int64_t c0, int64_t w, float* out) {
  for (int64_t k = 0; k < kc; ++k) {
    if (!b.trans && w == kNR) {
      std::memcpy(out, b.p + (k0 + k) * b.ld + c0, sizeof(float) * kNR);
    } else {
      for (int64_t j = 0; j < w; ++j) out[j] = b.at(k0 + k, c0 + j);
      for (int64_t j = w; j < kNR; ++j) out[j] = 0.0f;
    }
    out += kNR;
  }
}

// acc = Ap (MR x kc) * Bp (kc x NR); then C[0:h, 0:w] = alpha acc + beta C.
void micro_kernel(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int64_t h, int64_t w,
                  float alpha, float beta) {
  alignas(64) float acc[kMR * kNR];
#if defined(__AVX512F__)
  __m512 r[kMR][2];
  for (int i = 0; i < kMR; ++i) r[i][0] = r[i][1] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
    for (int i = 0; i < kMR; ++i) {
      const __m512 av = _mm512_set1_ps(ap[i]);
      r[i][0] = _mm512_fmadd_ps(av, b0, r[i][0]);
      r[i][1] = _mm512_fmadd_ps(av, b1, r[i][1]);
    }
    ap += kMR;
    bp += kNR;
  }
  if (h == kMR && w == kNR) {  // full tile: update C directly
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int i = 0; i < kMR; ++i) {
      for (int half = 0; half < 2; ++half) {
        float* cp = c + i * ldc + half * 16;
        __m512 v = _mm512_mul_ps(va, r[i][half]);
        if (beta != 0.0f) v = _mm512_fmadd_ps(vb, _mm512_loadu_ps(cp), v);
        _mm512_storeu_ps(cp, v);
      }
    }
    return;
  }
  for (int i = 0; i < kMR; ++i) {
    _mm512_store_ps(acc + i * kNR, r[i][0]);
    _mm512_store_ps(acc + i * kNR + 16, r[i][1]);
  }
#else
  std::fill(acc, acc + kMR * kNR, 0.0f);
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kMR; ++i)
      for (int j = 0; j < kNR; ++j) acc[i * kNR + j] += ap[i] * bp[j];
    ap += kMR;
    bp += kNR;
  }
#endif
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) {
      float& out = c[i * ldc + j];
      out = beta != 0.0f ? alpha * acc[i * kNR + j] + beta * out : alpha * acc[i * kNR + j];
    }
  }
}

}  // namespace

void gemm(const GemmArgs& g) {
  const Mat a{g.a.as<const float>(), g.m, g.k, g.trans_a, g.trans_a ? g.m : g.k};
  const Mat b{g.b.as<const float>(), g.k, g.n, g.trans_b, g.trans_b ? g.k : g.n};
  float* c = g.c.as<float>();
  const float alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0 || alpha == 0.0f) {  // C = beta C (beta 0 clears, NaN included)
    for (int64_t i = 0; i < g.m * g.n; ++i) c[i] = beta == 0.0f ? 0.0f : beta * c[i];
    return;
  }
  std::vector<float> bpack(static_cast<size_t>(kKC * ((std::min(kNC, g.n) + kNR - 1) / kNR) * kNR));
  const int64_t mblocks = (g.m + kMC - 1) / kMC;
  for (int64_t jc = 0; jc < g.n; jc += kNC) {
    const int64_t nc = std::min(kNC, g.n - jc);
    const int64_t strips = (nc + kNR - 1) / kNR;
    for (int64_t pc = 0; pc < g.k; pc += kKC) {
      const int64_t kc = std::min(kKC, g.k - pc);
      const float beta_here = pc == 0 ? beta : 1.0f;  // later K blocks accumulate
      parallel_for(strips, 8, [&](int64_t s0, int64_t s1) {
        for (int64_t s = s0; s < s1; ++s)
          pack_b_strip(b, pc, kc, jc + s * kNR, std::min(kNR, nc - s * kNR), bpack.data() + s * kc * kNR);
      });
      // Threads take M blocks; when M is short, split the N strips of each block instead.
      const int64_t units = mblocks * (mblocks >= cpu_threads() ? 1 : cpu_threads());
      const int64_t per_block = units / mblocks;
      parallel_for(units, 1, [&](int64_t u0, int64_t u1) {
        std::vector<float> apack(static_cast<size_t>(kMC * kKC));
        int64_t packed = -1;
        for (int64_t u = u0; u < u1; ++u) {
          const int64_t ib = u / per_block, part = u % per_block;
          const int64_t ic = ib * kMC, mc = std::min(kMC, g.m - ic);
          if (packed != ib) {
            pack_a(a, ic, mc, pc, kc, apack.data());
            packed = ib;
          }
          const int64_t s_lo = strips * part / per_block, s_hi = strips * (part + 1) / per_block;
          for (int64_t s = s_lo; s < s_hi; ++s) {
            const int64_t j = jc + s * kNR, w = std::min(kNR, nc - s * kNR);
            for (int64_t ir = 0; ir < mc; ir += kMR) {
              micro_kernel(kc, apack.data() + ir * kc, bpack.data() + s * kc * kNR, c + (ic + ir) * g.n + j, g.n,
                           std::min(kMR, mc - ir), w, pc == 0 ? alpha : alpha, beta_here);
            }
          }
        }
      });
    }
  }
}

}  // namespace tx::cpu

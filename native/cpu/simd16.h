// A 16-lane float vector: AVX-512 when the build targets it, otherwise a plain array with
// the same per-lane arithmetic (std::fma, the same exp polynomial). Kernels written with it
// compute every output element by one fixed sequence of roundings, whatever the lane or the
// number of rows processed together: that is what makes attention batch-invariant and decode
// equal to the packed forward bit for bit.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#if defined(__AVX512F__)
#include <immintrin.h>
// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_ps is "maybe
// uninitialized" by design) wherever these wrappers inline: a known false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

namespace tx::cpu::simd {

constexpr int kLanes = 16;

#if defined(__AVX512F__)

struct V16 {
  __m512 v;
};
inline __mmask16 lanes(int n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n < 0 ? 0 : n)) - 1u); }
inline V16 load(const float* p) { return {_mm512_loadu_ps(p)}; }
inline V16 load_n(const float* p, int n) { return {_mm512_maskz_loadu_ps(lanes(n), p)}; }
inline void store(float* p, V16 a) { _mm512_storeu_ps(p, a.v); }
inline void store_n(float* p, V16 a, int n) { _mm512_mask_storeu_ps(p, lanes(n), a.v); }
inline V16 splat(float x) { return {_mm512_set1_ps(x)}; }
inline V16 zero() { return {_mm512_setzero_ps()}; }
inline V16 fma(V16 a, V16 b, V16 c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
inline V16 mul(V16 a, V16 b) { return {_mm512_mul_ps(a.v, b.v)}; }
inline V16 add(V16 a, V16 b) { return {_mm512_add_ps(a.v, b.v)}; }
inline V16 sub(V16 a, V16 b) { return {_mm512_sub_ps(a.v, b.v)}; }
inline V16 max(V16 a, V16 b) { return {_mm512_max_ps(a.v, b.v)}; }
inline float hmax(V16 a) { return _mm512_reduce_max_ps(a.v); }  // max is exact in any order
// Horizontal sum in a fixed pairwise order: lanes i and i+8, then i and i+4, i and i+2,
// i and i+1 (the scalar twin below repeats it exactly).
inline float hsum(V16 a) {
  const __m256 h8 = _mm256_add_ps(_mm512_castps512_ps256(a.v),
                                  _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a.v), 1)));
  const __m128 h4 = _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
  const __m128 h2 = _mm_add_ps(h4, _mm_movehl_ps(h4, h4));
  return _mm_cvtss_f32(_mm_add_ss(h2, _mm_movehdup_ps(h2)));
}
// Keeps a value in a register: GCC otherwise re-loads a vector operand from memory for
// every FMA that uses it, which makes the register-tiled kernels load-port bound.
inline void keep(V16& a) { asm("" : "+v"(a.v)); }
// exp(x) for x <= 0 range use (scores minus a running max); exactly 0 below -87.
inline V16 exp(V16 x) {
  const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
  const __m512 ln2_hi = _mm512_set1_ps(0.693359375f), ln2_lo = _mm512_set1_ps(-2.12194440e-4f);
  const __mmask16 tiny = _mm512_cmp_ps_mask(x.v, _mm512_set1_ps(-87.0f), _CMP_LT_OQ);
  __m512 xc = _mm512_min_ps(_mm512_max_ps(x.v, _mm512_set1_ps(-87.0f)), _mm512_set1_ps(88.0f));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(xc, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, ln2_hi, xc);
  r = _mm512_fnmadd_ps(n, ln2_lo, r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
  p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
  __m512 y = _mm512_scalef_ps(p, n);
  return {_mm512_mask_mov_ps(y, tiny, _mm512_setzero_ps())};
}

#else  // scalar twin: same roundings lane by lane

struct V16 {
  float v[16];
};
inline V16 load(const float* p) { V16 r; for (int i = 0; i < 16; ++i) r.v[i] = p[i]; return r; }
inline V16 load_n(const float* p, int n) { V16 r; for (int i = 0; i < 16; ++i) r.v[i] = i < n ? p[i] : 0.0f; return r; }
inline void store(float* p, V16 a) { for (int i = 0; i < 16; ++i) p[i] = a.v[i]; }
inline void store_n(float* p, V16 a, int n) { for (int i = 0; i < 16 && i < n; ++i) p[i] = a.v[i]; }
inline V16 splat(float x) { V16 r; for (float& e : r.v) e = x; return r; }
inline V16 zero() { return splat(0.0f); }
inline V16 fma(V16 a, V16 b, V16 c) { V16 r; for (int i = 0; i < 16; ++i) r.v[i] = std::fma(a.v[i], b.v[i], c.v[i]); return r; }
inline V16 mul(V16 a, V16 b) { V16 r; for (int i = 0; i < 16; ++i) r.v[i] = a.v[i] * b.v[i]; return r; }
inline V16 add(V16 a, V16 b) { V16 r; for (int i = 0; i < 16; ++i) r.v[i] = a.v[i] + b.v[i]; return r; }
inline V16 sub(V16 a, V16 b) { V16 r; for (int i = 0; i < 16; ++i) r.v[i] = a.v[i] - b.v[i]; return r; }
inline V16 max(V16 a, V16 b) { V16 r; for (int i = 0; i < 16; ++i) r.v[i] = a.v[i] > b.v[i] ? a.v[i] : b.v[i]; return r; }
inline float hmax(V16 a) { float m = a.v[0]; for (int i = 1; i < 16; ++i) m = a.v[i] > m ? a.v[i] : m; return m; }
inline void keep(V16&) {}
inline float hsum(V16 a) {
  for (int w = 8; w >= 1; w >>= 1)
    for (int i = 0; i < w; ++i) a.v[i] = a.v[i] + a.v[i + w];
  return a.v[0];
}
inline V16 exp(V16 x) {
  V16 y;
  for (int i = 0; i < 16; ++i) {
    const float xi = x.v[i];
    const float xc = std::fmin(std::fmax(xi, -87.0f), 88.0f);
    const float n = std::nearbyint(xc * 1.44269504088896341f);
    float r = std::fma(-n, 0.693359375f, xc);
    r = std::fma(-n, -2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = std::fma(p, r, 1.3981999507e-3f);
    p = std::fma(p, r, 8.3334519073e-3f);
    p = std::fma(p, r, 4.1665795894e-2f);
    p = std::fma(p, r, 1.6666665459e-1f);
    p = std::fma(p, r, 5.0000001201e-1f);
    p = std::fma(p, r * r, r);
    p = p + 1.0f;
    y.v[i] = xi < -87.0f ? 0.0f : std::ldexp(p, static_cast<int>(n));
  }
  return y;
}

#endif

}  // namespace tx::cpu::simd

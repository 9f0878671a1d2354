// A 16-lane float vector: one zmm register in the avx512 set, two ymm in the avx2 set, four
// q registers in the neon set, otherwise a plain array; every set does the same per-lane
// arithmetic (fused multiply-adds, the same exp polynomial, the same horizontal trees), so
// the sets agree bit for bit on everything written with V16. Kernels written with it
// compute every output element by one fixed sequence of roundings, whatever the lane or the
// number of rows processed together: that is what makes attention batch-invariant and decode
// equal to the packed forward bit for bit.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "cpu/isa_ns.h"

#if defined(TX_ISA_IS_avx512) || defined(TX_ISA_IS_avx2)
#include <immintrin.h>
#elif defined(TX_ISA_IS_neon)
#include <arm_neon.h>
#endif
#if defined(TX_ISA_IS_avx512)
// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_ps is "maybe
// uninitialized" by design) wherever these wrappers inline: a known false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

namespace tx::cpu::TX_ISA_NS::simd {

constexpr int kLanes = 16;

#if defined(TX_ISA_IS_avx512)

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

#elif defined(TX_ISA_IS_avx2)

struct V16 {
  __m256 lo, hi;  // lanes 0-7, 8-15
};
// Lanes [0, n) of an 8-lane half (maskload/maskstore touch no memory outside them).
inline __m256i lanes8(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline V16 load(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
inline V16 load_n(const float* p, int n) {
  return {_mm256_maskload_ps(p, lanes8(n)), _mm256_maskload_ps(p + 8, lanes8(n - 8))};
}
inline void store(float* p, V16 a) {
  _mm256_storeu_ps(p, a.lo);
  _mm256_storeu_ps(p + 8, a.hi);
}
inline void store_n(float* p, V16 a, int n) {
  _mm256_maskstore_ps(p, lanes8(n), a.lo);
  _mm256_maskstore_ps(p + 8, lanes8(n - 8), a.hi);
}
inline V16 splat(float x) { return {_mm256_set1_ps(x), _mm256_set1_ps(x)}; }
inline V16 zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
inline V16 fma(V16 a, V16 b, V16 c) { return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
inline V16 mul(V16 a, V16 b) { return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
inline V16 add(V16 a, V16 b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
inline V16 sub(V16 a, V16 b) { return {_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)}; }
inline V16 max(V16 a, V16 b) { return {_mm256_max_ps(a.lo, b.lo), _mm256_max_ps(a.hi, b.hi)}; }
// The operand order of GCC's _mm512_reduce_max_ps (high half first at each step), so even
// the sign of a zero maximum matches the avx512 set.
inline float hmax(V16 a) {
  const __m256 m8 = _mm256_max_ps(a.hi, a.lo);
  const __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m8, 1), _mm256_castps256_ps128(m8));
  const __m128 m2 = _mm_max_ps(m4, _mm_shuffle_ps(m4, m4, _MM_SHUFFLE(1, 0, 3, 2)));
  return _mm_cvtss_f32(_mm_max_ps(m2, _mm_shuffle_ps(m2, m2, _MM_SHUFFLE(0, 1, 0, 1))));
}
inline float hsum(V16 a) {  // the avx512 set's pairwise order
  const __m256 h8 = _mm256_add_ps(a.lo, a.hi);
  const __m128 h4 = _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
  const __m128 h2 = _mm_add_ps(h4, _mm_movehl_ps(h4, h4));
  return _mm_cvtss_f32(_mm_add_ss(h2, _mm_movehdup_ps(h2)));
}
inline void keep(V16& a) { asm("" : "+x"(a.lo), "+x"(a.hi)); }
inline __m256 exp8(__m256 x) {
  const __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_LT_OQ);
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), xc);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
  p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
  // p * 2^n with n in [-126, 127]: 2^n is a normal float, so one rounding, as scalef.
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  const __m256 y = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
  return _mm256_blendv_ps(y, _mm256_setzero_ps(), tiny);
}
inline V16 exp(V16 x) { return {exp8(x.lo), exp8(x.hi)}; }

#elif defined(TX_ISA_IS_neon)

struct V16 {
  float32x4_t q[4];  // lanes 4i .. 4i+3
};
inline V16 load(const float* p) { return {{vld1q_f32(p), vld1q_f32(p + 4), vld1q_f32(p + 8), vld1q_f32(p + 12)}}; }
inline V16 load_n(const float* p, int n) {
  alignas(16) float t[16];
  for (int i = 0; i < 16; ++i) t[i] = i < n ? p[i] : 0.0f;
  return load(t);
}
inline void store(float* p, V16 a) {
  for (int i = 0; i < 4; ++i) vst1q_f32(p + 4 * i, a.q[i]);
}
inline void store_n(float* p, V16 a, int n) {
  alignas(16) float t[16];
  store(t, a);
  for (int i = 0; i < 16 && i < n; ++i) p[i] = t[i];
}
inline V16 splat(float x) { const float32x4_t v = vdupq_n_f32(x); return {{v, v, v, v}}; }
inline V16 zero() { return splat(0.0f); }
#define TX_NEON_MAP2(expr) \
  V16 r;                   \
  for (int i = 0; i < 4; ++i) r.q[i] = expr; \
  return r
inline V16 fma(V16 a, V16 b, V16 c) { TX_NEON_MAP2(vfmaq_f32(c.q[i], a.q[i], b.q[i])); }
inline V16 mul(V16 a, V16 b) { TX_NEON_MAP2(vmulq_f32(a.q[i], b.q[i])); }
inline V16 add(V16 a, V16 b) { TX_NEON_MAP2(vaddq_f32(a.q[i], b.q[i])); }
inline V16 sub(V16 a, V16 b) { TX_NEON_MAP2(vsubq_f32(a.q[i], b.q[i])); }
// a > b ? a : b lane by lane (vmaxq would return NaN for a NaN in either operand).
inline V16 max(V16 a, V16 b) { TX_NEON_MAP2(vbslq_f32(vcgtq_f32(a.q[i], b.q[i]), a.q[i], b.q[i])); }
inline float32x4_t max4(float32x4_t a, float32x4_t b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
inline float hmax(V16 a) {  // the avx512 set's tree and operand order
  const float32x4_t m4 = max4(max4(a.q[3], a.q[1]), max4(a.q[2], a.q[0]));
  const float32x4_t m2 = max4(m4, vextq_f32(m4, m4, 2));
  const float l0 = vgetq_lane_f32(m2, 0), l1 = vgetq_lane_f32(m2, 1);
  return l0 > l1 ? l0 : l1;
}
inline float hsum(V16 a) {  // lanes i and i+8, then i+4, i+2, i+1
  const float32x4_t s8a = vaddq_f32(a.q[0], a.q[2]), s8b = vaddq_f32(a.q[1], a.q[3]);
  const float32x4_t s4 = vaddq_f32(s8a, s8b);
  const float32x2_t s2 = vadd_f32(vget_low_f32(s4), vget_high_f32(s4));
  return vget_lane_f32(s2, 0) + vget_lane_f32(s2, 1);
}
inline void keep(V16&) {}
inline float32x4_t exp4(float32x4_t x) {
  const uint32x4_t tiny = vcltq_f32(x, vdupq_n_f32(-87.0f));
  // fmax/fmin twins: a NaN x becomes -87 (as the other sets do).
  float32x4_t xc = vbslq_f32(vcgtq_f32(x, vdupq_n_f32(-87.0f)), x, vdupq_n_f32(-87.0f));
  xc = vbslq_f32(vcltq_f32(xc, vdupq_n_f32(88.0f)), xc, vdupq_n_f32(88.0f));
  const float32x4_t n = vrndnq_f32(vmulq_f32(xc, vdupq_n_f32(1.44269504088896341f)));
  float32x4_t r = vfmsq_f32(xc, n, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
  p = vfmaq_f32(r, p, vmulq_f32(r, r));
  p = vaddq_f32(p, vdupq_n_f32(1.0f));
  const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  const float32x4_t y = vmulq_f32(p, vreinterpretq_f32_s32(e));
  return vbslq_f32(tiny, vdupq_n_f32(0.0f), y);
}
inline V16 exp(V16 x) { TX_NEON_MAP2(exp4(x.q[i])); }
#undef TX_NEON_MAP2

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

}  // namespace tx::cpu::TX_ISA_NS::simd

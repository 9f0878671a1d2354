// Row kernels of log-prob gathering on the CPU, shared by the logits path (logprob.cpp)
// and the fused linear path (logprob_linear.cpp).
//
// Batch invariance: a row is cut into chunks of kChunk elements starting at its first
// element, whatever N, tile sizes or threads; element j of a chunk feeds lane j % kLanes of
// the row's state; lanes are merged in a fixed tree at the end. So the arithmetic done on a
// row is a function of that row alone, bit for bit.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "cpu/isa_ns.h"

#if defined(TX_ISA_IS_avx2)
#include <immintrin.h>
#elif defined(TX_ISA_IS_neon)
#include <arm_neon.h>
#endif
#if defined(TX_ISA_IS_avx512)
#include <immintrin.h>
// GCC 12's AVX-512 headers self-initialise a dummy (`__Y = __Y`) in roundscale/reduce and
// warn about it wherever they are inlined; the warning is about the header, not this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

namespace tx::cpu::TX_ISA_NS::lp {

constexpr int64_t kChunk = 256;
constexpr int kLanes = 16;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Online softmax state of one row. For z relative to the running max m:
//   s[l] = sum exp(z - m), w[l] = sum exp(z - m) * (z - m)   (over the elements of lane l)
// so that lse = m + log S and entropy = log S - W / S (S, W: sums over lanes).
struct RowState {
  alignas(64) float s[kLanes];
  alignas(64) float w[kLanes];
  float m;
  void reset() {
    for (int l = 0; l < kLanes; ++l) s[l] = w[l] = 0.0f;
    m = kNegInf;
  }
};

struct RowResult {
  float lse;      // -inf for a row of all -inf
  float entropy;  // 0 for a row of all -inf
};

// exp(d) for d <= 0 (clamped at +88 for safety), exactly 0 below -87.5, NaN for NaN.
inline float exp_nonpos(float d) {
  const float x = d < -87.5f ? -87.5f : (d > 88.0f ? 88.0f : d);
  const float t = x * 1.44269504088896341f;
  const float n = std::nearbyint(t);
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;  // ln2 split (Cephes)
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float e = std::ldexp(p, static_cast<int>(n));
  return d < -87.5f ? 0.0f : e;
}

#if defined(TX_ISA_IS_avx512)
inline __m512 exp_nonpos(__m512 d) {
  const __m512 lo = _mm512_set1_ps(-87.5f);
  // max/min with the constant first keep a NaN in d (they return the second operand).
  const __m512 x = _mm512_min_ps(_mm512_set1_ps(88.0f), _mm512_max_ps(lo, d));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  const __m512 e = _mm512_scalef_ps(p, n);
  const __mmask16 under = _mm512_cmp_ps_mask(d, lo, _CMP_LT_OQ);
  return _mm512_mask_blend_ps(under, e, _mm512_setzero_ps());
}
#endif

#if defined(TX_ISA_IS_avx2)
// The avx512 exp_nonpos on 8 lanes: same operand order, scalef as a multiply by 2^n (a
// normal float for n in [-126, 127], so the same single rounding).
inline __m256 exp_nonpos(__m256 d) {
  const __m256 lo = _mm256_set1_ps(-87.5f);
  const __m256 x = _mm256_min_ps(_mm256_set1_ps(88.0f), _mm256_max_ps(lo, d));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  const __m256 y = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
  const __m256 under = _mm256_cmp_ps(d, lo, _CMP_LT_OQ);
  return _mm256_blendv_ps(y, _mm256_setzero_ps(), under);
}

// max of 16 lanes held as two halves, in _mm512_reduce_max_ps's operand order.
inline float hmax16(__m256 lo, __m256 hi) {
  const __m256 m8 = _mm256_max_ps(hi, lo);
  const __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m8, 1), _mm256_castps256_ps128(m8));
  const __m128 m2 = _mm_max_ps(m4, _mm_shuffle_ps(m4, m4, _MM_SHUFFLE(1, 0, 3, 2)));
  return _mm_cvtss_f32(_mm_max_ps(m2, _mm_shuffle_ps(m2, m2, _MM_SHUFFLE(0, 1, 0, 1))));
}
#endif

#if defined(TX_ISA_IS_neon)
// The avx512 set's vector functions on 4 lanes, x86 operand order (max(a, b) = a > b ? a : b).
inline float32x4_t max4(float32x4_t a, float32x4_t b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
inline float32x4_t min4(float32x4_t a, float32x4_t b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
inline float32x4_t exp_nonpos(float32x4_t d) {
  const float32x4_t lo = vdupq_n_f32(-87.5f);
  const float32x4_t x = min4(vdupq_n_f32(88.0f), max4(lo, d));
  const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
  r = vfmaq_f32(r, n, vdupq_n_f32(2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), vmulq_f32(p, r), r);
  const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  const float32x4_t y = vmulq_f32(p, vreinterpretq_f32_s32(e));
  return vbslq_f32(vcltq_f32(d, lo), vdupq_n_f32(0.0f), y);
}
inline uint32x4_t nonzero4(float32x4_t v) { return vmvnq_u32(vceqq_f32(v, vdupq_n_f32(0.0f))); }  // NaN counts
#endif

// Adds chunk z = x[0..len) * inv_t (len <= kChunk, the chunk starting at a multiple of
// kChunk in its row) to the row state: one read for the max (L1 after that), one for exp.
inline void accumulate_chunk(RowState& st, const float* x, int64_t len, float inv_t) {
  alignas(64) float pad[kChunk];
  if (len < kChunk) {  // the row's last chunk: pad with -inf, which adds exact zeros
    for (int64_t j = 0; j < len; ++j) pad[j] = x[j];
    for (int64_t j = len; j < kChunk; ++j) pad[j] = kNegInf;
    x = pad;
  }
#if defined(TX_ISA_IS_avx512)
  __m512 mx = _mm512_loadu_ps(x);
  for (int64_t j = kLanes; j < kChunk; j += kLanes) mx = _mm512_max_ps(mx, _mm512_loadu_ps(x + j));
  const float chunk_max = _mm512_reduce_max_ps(mx) * inv_t;  // x * (1/T) is monotonic: max commutes
#elif defined(TX_ISA_IS_avx2)
  __m256 mlo = _mm256_loadu_ps(x), mhi = _mm256_loadu_ps(x + 8);
  for (int64_t j = kLanes; j < kChunk; j += kLanes) {
    mlo = _mm256_max_ps(mlo, _mm256_loadu_ps(x + j));
    mhi = _mm256_max_ps(mhi, _mm256_loadu_ps(x + j + 8));
  }
  const float chunk_max = hmax16(mlo, mhi) * inv_t;
#elif defined(TX_ISA_IS_neon)
  float32x4_t mq[4];
  for (int q = 0; q < 4; ++q) mq[q] = vld1q_f32(x + 4 * q);
  for (int64_t j = kLanes; j < kChunk; j += kLanes)
    for (int q = 0; q < 4; ++q) mq[q] = max4(mq[q], vld1q_f32(x + j + 4 * q));
  const float32x4_t m4 = max4(max4(mq[3], mq[1]), max4(mq[2], mq[0]));  // _mm512_reduce_max_ps's tree
  const float32x4_t m2 = max4(m4, vextq_f32(m4, m4, 2));
  const float l0 = vgetq_lane_f32(m2, 0), l1 = vgetq_lane_f32(m2, 1);
  const float chunk_max = (l0 > l1 ? l0 : l1) * inv_t;
#else
  float lane_max[kLanes];
  for (int l = 0; l < kLanes; ++l) lane_max[l] = x[l];
  for (int64_t j = kLanes; j < kChunk; j += kLanes)
    for (int l = 0; l < kLanes; ++l) lane_max[l] = x[j + l] > lane_max[l] ? x[j + l] : lane_max[l];
  float cm = lane_max[0];
  for (int l = 1; l < kLanes; ++l) cm = lane_max[l] > cm ? lane_max[l] : cm;
  const float chunk_max = cm * inv_t;
#endif
  if (!(chunk_max > st.m)) {
    if (st.m == kNegInf && !(chunk_max != chunk_max)) return;  // still all -inf
  } else {
    if (st.m != kNegInf) {
      const float f = exp_nonpos(st.m - chunk_max), shift = st.m - chunk_max;
      for (int l = 0; l < kLanes; ++l) {
        st.w[l] = f * (st.w[l] + shift * st.s[l]);
        st.s[l] = f * st.s[l];
      }
    }
    st.m = chunk_max;
  }
  const float m = st.m;
#if defined(TX_ISA_IS_avx512)
  __m512 s = _mm512_load_ps(st.s), w = _mm512_load_ps(st.w);
  const __m512 vm = _mm512_set1_ps(m), vt = _mm512_set1_ps(inv_t);
  for (int64_t j = 0; j < kChunk; j += kLanes) {
    const __m512 d = _mm512_fmsub_ps(_mm512_loadu_ps(x + j), vt, vm);
    const __m512 e = exp_nonpos(d);
    const __mmask16 live = _mm512_cmp_ps_mask(e, _mm512_setzero_ps(), _CMP_NEQ_UQ);  // -inf adds nothing
    s = _mm512_add_ps(s, e);
    w = _mm512_mask3_fmadd_ps(e, d, w, live);  // w += e * d where e != 0 (0 * -inf is NaN)
  }
  _mm512_store_ps(st.s, s);
  _mm512_store_ps(st.w, w);
#elif defined(TX_ISA_IS_avx2)
  const __m256 vm = _mm256_set1_ps(m), vt = _mm256_set1_ps(inv_t);
  for (int half = 0; half < 2; ++half) {  // lanes 0-7, then 8-15: each lane's order is unchanged
    __m256 s = _mm256_load_ps(st.s + 8 * half), w = _mm256_load_ps(st.w + 8 * half);
    for (int64_t j = 8 * half; j < kChunk; j += kLanes) {
      const __m256 d = _mm256_fmsub_ps(_mm256_loadu_ps(x + j), vt, vm);
      const __m256 e = exp_nonpos(d);
      const __m256 live = _mm256_cmp_ps(e, _mm256_setzero_ps(), _CMP_NEQ_UQ);  // -inf adds nothing
      s = _mm256_add_ps(s, e);
      w = _mm256_blendv_ps(w, _mm256_fmadd_ps(e, d, w), live);  // w += e * d where e != 0
    }
    _mm256_store_ps(st.s + 8 * half, s);
    _mm256_store_ps(st.w + 8 * half, w);
  }
#elif defined(TX_ISA_IS_neon)
  const float32x4_t vnm = vdupq_n_f32(-m), vt = vdupq_n_f32(inv_t);
  for (int q = 0; q < 4; ++q) {  // lanes 4q..4q+3: each lane's order is unchanged
    float32x4_t s = vld1q_f32(st.s + 4 * q), w = vld1q_f32(st.w + 4 * q);
    for (int64_t j = 4 * q; j < kChunk; j += kLanes) {
      const float32x4_t d = vfmaq_f32(vnm, vld1q_f32(x + j), vt);  // fma(x, 1/T, -m)
      const float32x4_t e = exp_nonpos(d);
      s = vaddq_f32(s, e);
      w = vbslq_f32(nonzero4(e), vfmaq_f32(w, e, d), w);  // w += e * d where e != 0
    }
    vst1q_f32(st.s + 4 * q, s);
    vst1q_f32(st.w + 4 * q, w);
  }
#else
  for (int64_t j = 0; j < kChunk; j += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const float d = std::fma(x[j + l], inv_t, -m);
      const float e = exp_nonpos(d);
      st.s[l] += e;
      if (e != 0.0f) st.w[l] = std::fma(e, d, st.w[l]);
    }
  }
#endif
}

// Merges the lanes in a fixed tree and returns lse and entropy.
inline RowResult finish_row(const RowState& st) {
  if (st.m == kNegInf) return {kNegInf, 0.0f};
  float s[kLanes], w[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    s[l] = st.s[l];
    w[l] = st.w[l];
  }
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int l = 0; l < width; ++l) {
      s[l] += s[l + width];
      w[l] += w[l + width];
    }
  }
  const float log_s = std::log(s[0]);
  return {st.m + log_s, log_s - w[0] / s[0]};
}

// lse and entropy of a whole row of logits.
inline RowResult row_stats(const float* x, int64_t v, float inv_t) {
  RowState st;
  st.reset();
  for (int64_t c = 0; c < v; c += kChunk) accumulate_chunk(st, x + c, v - c < kChunk ? v - c : kChunk, inv_t);
  return finish_row(st);
}

// Gradient of one row: g_j = inv_t * (a (1[j = t] - p_j) - b p_j (log p_j + H)), with
// p_j = exp(z_j - lse), a = gradLogp, b = gradEntropy. x and g may alias (in place).
// t is the target's index in this span of the row, or -1 when it lies outside it.
inline void row_gradient(const float* x, float* g, int64_t v, int64_t t, float inv_t, float lse, float a, float b,
                         float entropy) {
  // coef_j = a + b (log p_j + H); g_j = -inv_t * coef_j * p_j; zero where p_j == 0.
  const float base = a + b * entropy;
  int64_t j = 0;
#if defined(TX_ISA_IS_avx512)
  const __m512 vt = _mm512_set1_ps(inv_t), vl = _mm512_set1_ps(lse), vb = _mm512_set1_ps(b),
               vbase = _mm512_set1_ps(base), vneg = _mm512_set1_ps(-inv_t);
  for (; j + kLanes <= v; j += kLanes) {
    const __m512 d = _mm512_fmsub_ps(_mm512_loadu_ps(x + j), vt, vl);
    const __m512 p = exp_nonpos(d);
    const __mmask16 live = _mm512_cmp_ps_mask(p, _mm512_setzero_ps(), _CMP_NEQ_UQ);
    const __m512 coef = _mm512_fmadd_ps(vb, d, vbase);
    const __m512 out = _mm512_mul_ps(_mm512_mul_ps(vneg, coef), p);
    _mm512_storeu_ps(g + j, _mm512_maskz_mov_ps(live, out));
  }
#elif defined(TX_ISA_IS_avx2)
  const __m256 vt = _mm256_set1_ps(inv_t), vl = _mm256_set1_ps(lse), vb = _mm256_set1_ps(b),
               vbase = _mm256_set1_ps(base), vneg = _mm256_set1_ps(-inv_t);
  for (const int64_t vec_end = v / kLanes * kLanes; j < vec_end; j += 8) {  // the avx512 set's vector range
    const __m256 d = _mm256_fmsub_ps(_mm256_loadu_ps(x + j), vt, vl);
    const __m256 p = exp_nonpos(d);
    const __m256 live = _mm256_cmp_ps(p, _mm256_setzero_ps(), _CMP_NEQ_UQ);
    const __m256 coef = _mm256_fmadd_ps(vb, d, vbase);
    const __m256 out = _mm256_mul_ps(_mm256_mul_ps(vneg, coef), p);
    _mm256_storeu_ps(g + j, _mm256_and_ps(live, out));
  }
#elif defined(TX_ISA_IS_neon)
  const float32x4_t vt = vdupq_n_f32(inv_t), vnl = vdupq_n_f32(-lse), vb = vdupq_n_f32(b),
                    vbase = vdupq_n_f32(base), vneg = vdupq_n_f32(-inv_t);
  for (const int64_t vec_end = v / kLanes * kLanes; j < vec_end; j += 4) {  // the avx512 set's vector range
    const float32x4_t d = vfmaq_f32(vnl, vld1q_f32(x + j), vt);
    const float32x4_t p = exp_nonpos(d);
    const float32x4_t out = vmulq_f32(vmulq_f32(vneg, vfmaq_f32(vbase, vb, d)), p);
    vst1q_f32(g + j, vreinterpretq_f32_u32(vandq_u32(nonzero4(p), vreinterpretq_u32_f32(out))));
  }
#endif
  for (; j < v; ++j) {
    const float d = std::fma(x[j], inv_t, -lse);
    const float p = exp_nonpos(d);
    g[j] = p != 0.0f ? (-inv_t * std::fma(b, d, base)) * p : 0.0f;
  }
  if (t >= 0) g[t] += a * inv_t;  // t < 0: the target lies outside this span (fused tiles)
}

}  // namespace tx::cpu::TX_ISA_NS::lp

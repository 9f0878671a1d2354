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

#if defined(__AVX512F__)
#include <immintrin.h>
// GCC 12's AVX-512 headers self-initialise a dummy (`__Y = __Y`) in roundscale/reduce and
// warn about it wherever they are inlined; the warning is about the header, not this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

namespace tx::cpu::lp {

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

#if defined(__AVX512F__)
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

// Adds chunk z = x[0..len) * inv_t (len <= kChunk, the chunk starting at a multiple of
// kChunk in its row) to the row state: one read for the max (L1 after that), one for exp.
inline void accumulate_chunk(RowState& st, const float* x, int64_t len, float inv_t) {
  alignas(64) float pad[kChunk];
  if (len < kChunk) {  // the row's last chunk: pad with -inf, which adds exact zeros
    for (int64_t j = 0; j < len; ++j) pad[j] = x[j];
    for (int64_t j = len; j < kChunk; ++j) pad[j] = kNegInf;
    x = pad;
  }
#if defined(__AVX512F__)
  __m512 mx = _mm512_loadu_ps(x);
  for (int64_t j = kLanes; j < kChunk; j += kLanes) mx = _mm512_max_ps(mx, _mm512_loadu_ps(x + j));
  const float chunk_max = _mm512_reduce_max_ps(mx) * inv_t;  // x * (1/T) is monotonic: max commutes
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
#if defined(__AVX512F__)
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
#if defined(__AVX512F__)
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
#endif
  for (; j < v; ++j) {
    const float d = std::fma(x[j], inv_t, -lse);
    const float p = exp_nonpos(d);
    g[j] = p != 0.0f ? (-inv_t * std::fma(b, d, base)) * p : 0.0f;
  }
  if (t >= 0) g[t] += a * inv_t;  // t < 0: the target lies outside this span (fused tiles)
}

}  // namespace tx::cpu::lp

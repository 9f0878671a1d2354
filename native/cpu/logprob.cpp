// Log-prob gathering on the CPU (docs/kernels.md section 2).
//   logits path: one pass per row (online max / sum-exp / entropy term over fixed chunks,
//                logprob_math.h), rows spread over threads; backward = one read, one write.
//   fused path:  logits = hidden x weight^T computed in [kTileN, kTileV] tiles per thread
//                and fed to the same row state, so [N, V] never exists; backward recomputes
//                the tiles twice (rows own gradHidden, vocabulary tiles own gradWeight), so
//                both are written by one thread each, in a fixed order: no atomics, and
//                results are the same for any thread count.
#include <algorithm>
#include <vector>

#include "cpu/logprob.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/logprob_math.h"
#include "cpu/parallel.h"
#include "tx/platform.h"

namespace tx::cpu::TX_ISA_NS {

namespace {

using lp::kChunk;
using lp::kNegInf;

constexpr int64_t kTileN = 16;   // rows of a fused tile
constexpr int64_t kTileV = 512;  // vocabulary entries of a fused tile (a multiple of kChunk)
static_assert(kTileV % kChunk == 0, "fused V tiles must hold whole chunks (batch invariance)");

bool ignored(int32_t t, int32_t ignore_index) { return t == ignore_index; }

// Rows per thread below which threading costs more than it saves (~64K elements each).
int64_t min_rows(int64_t v) { return std::max<int64_t>(1, 65536 / std::max<int64_t>(v, 1)); }

// Dot product with a fixed accumulation order (64 lanes, fixed tree), the same wherever it
// is called: a logit's bits depend only on its hidden row and weight row.
TX_NOINLINE float dot(const float* a, const float* b, int64_t n) {
  int64_t k = 0;
#if defined(TX_ISA_IS_avx512)
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps(),
         acc3 = _mm512_setzero_ps();
  for (; k + 64 <= n; k += 64) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k), _mm512_loadu_ps(b + k), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k + 16), _mm512_loadu_ps(b + k + 16), acc1);
    acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k + 32), _mm512_loadu_ps(b + k + 32), acc2);
    acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k + 48), _mm512_loadu_ps(b + k + 48), acc3);
  }
  for (; k + 16 <= n; k += 16) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + k), _mm512_loadu_ps(b + k), acc0);
  float total = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
#elif defined(TX_ISA_IS_avx2)
  // The avx512 set's 64 lanes as 8 ymm (acc[q] holds lanes 8q..8q+7), and its reduction tree.
  __m256 acc[8];
  for (__m256& r : acc) r = _mm256_setzero_ps();
  for (; k + 64 <= n; k += 64)
    for (int q = 0; q < 8; ++q) acc[q] = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8 * q), _mm256_loadu_ps(b + k + 8 * q), acc[q]);
  for (; k + 16 <= n; k += 16)
    for (int q = 0; q < 2; ++q) acc[q] = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8 * q), _mm256_loadu_ps(b + k + 8 * q), acc[q]);
  const __m256 lo = _mm256_add_ps(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[4], acc[6]));
  const __m256 hi = _mm256_add_ps(_mm256_add_ps(acc[1], acc[3]), _mm256_add_ps(acc[5], acc[7]));
  const __m256 h8 = _mm256_add_ps(hi, lo);
  const __m128 h4 = _mm_add_ps(_mm256_extractf128_ps(h8, 1), _mm256_castps256_ps128(h8));
  const __m128 h2 = _mm_add_ps(h4, _mm_shuffle_ps(h4, h4, _MM_SHUFFLE(1, 0, 3, 2)));
  float total = _mm_cvtss_f32(_mm_add_ps(h2, _mm_shuffle_ps(h2, h2, _MM_SHUFFLE(0, 1, 0, 1))));
#elif defined(TX_ISA_IS_neon)
  // The avx512 set's 64 lanes as 16 q registers (acc[q] holds lanes 4q..4q+3), and its tree.
  float32x4_t acc[16];
  for (float32x4_t& r : acc) r = vdupq_n_f32(0.0f);
  for (; k + 64 <= n; k += 64)
    for (int q = 0; q < 16; ++q) acc[q] = vfmaq_f32(acc[q], vld1q_f32(a + k + 4 * q), vld1q_f32(b + k + 4 * q));
  for (; k + 16 <= n; k += 16)
    for (int q = 0; q < 4; ++q) acc[q] = vfmaq_f32(acc[q], vld1q_f32(a + k + 4 * q), vld1q_f32(b + k + 4 * q));
  float32x4_t s16[4];
  for (int q = 0; q < 4; ++q) s16[q] = vaddq_f32(vaddq_f32(acc[q], acc[4 + q]), vaddq_f32(acc[8 + q], acc[12 + q]));
  const float32x4_t h4 = vaddq_f32(vaddq_f32(s16[0], s16[2]), vaddq_f32(s16[1], s16[3]));
  const float32x4_t h2 = vaddq_f32(h4, vextq_f32(h4, h4, 2));
  float total = vgetq_lane_f32(h2, 0) + vgetq_lane_f32(h2, 1);
#else
  float acc[64] = {};
  for (; k + 64 <= n; k += 64)
    for (int l = 0; l < 64; ++l) acc[l] = std::fma(a[k + l], b[k + l], acc[l]);
  for (; k + 16 <= n; k += 16)
    for (int l = 0; l < 16; ++l) acc[l] = std::fma(a[k + l], b[k + l], acc[l]);
  for (int width = 32; width > 0; width /= 2)
    for (int l = 0; l < width; ++l) acc[l] += acc[l + width];
  float total = acc[0];
#endif
  for (; k < n; ++k) total = std::fma(a[k], b[k], total);
  return total;
}

// y += alpha * x over n floats (vectorised by the compiler; each y element sees one fma).
inline void axpy(float alpha, const float* x, float* y, int64_t n) {
  for (int64_t k = 0; k < n; ++k) y[k] = std::fma(alpha, x[k], y[k]);
}

void write_row(float* logp, float* entropy, float* lse, int64_t i, float lp_value, float h, float l) {
  logp[i] = lp_value;
  if (entropy != nullptr) entropy[i] = h;
  lse[i] = l;
}

// logp from the target's logit and the row's lse (an all -inf row gives -inf).
float logp_of(float z_t, float lse) { return lse == kNegInf ? kNegInf : z_t - lse; }

}  // namespace

void logprobs(const LogprobsArgs& a) {
  const int64_t n = a.logits.shape[0], v = a.logits.shape[1];
  const float* x = a.logits.as<const float>();
  const int32_t* t = a.targets.as<const int32_t>();
  float* logp = a.logp.as<float>();
  float* entropy = a.entropy.defined() ? a.entropy.as<float>() : nullptr;
  float* lse = a.lse.as<float>();
  const float inv_t = static_cast<float>(1.0 / a.temperature);
  parallel_for(n, min_rows(v), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      if (ignored(t[i], a.ignore_index)) {
        write_row(logp, entropy, lse, i, 0.0f, 0.0f, 0.0f);
        continue;
      }
      const float* row = x + i * v;
      const lp::RowResult r = lp::row_stats(row, v, inv_t);
      write_row(logp, entropy, lse, i, logp_of(row[t[i]] * inv_t, r.lse), r.entropy, r.lse);
    }
  });
}

void logprobs_backward(const LogprobsBackwardArgs& a) {
  const int64_t n = a.logits.shape[0], v = a.logits.shape[1];
  const float* x = a.logits.as<const float>();
  float* g = a.grad_logits.as<float>();
  const int32_t* t = a.targets.as<const int32_t>();
  const float* lse = a.lse.as<const float>();
  const float* glp = a.grad_logp.as<const float>();
  const float* gh = a.grad_entropy.defined() ? a.grad_entropy.as<const float>() : nullptr;
  const float inv_t = static_cast<float>(1.0 / a.temperature);
  parallel_for(n, min_rows(v), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      float* gi = g + i * v;
      if (ignored(t[i], a.ignore_index) || lse[i] == kNegInf) {
        std::fill(gi, gi + v, 0.0f);
        continue;
      }
      const float* xi = x + i * v;
      const float b = gh != nullptr ? gh[i] : 0.0f;
      // The entropy term needs H_i: recomputed by the forward's own row pass (same bits).
      const float h = b != 0.0f ? lp::row_stats(xi, v, inv_t).entropy : 0.0f;
      lp::row_gradient(xi, gi, v, t[i], inv_t, lse[i], glp[i], b, h);
    }
  });
}

namespace {

// Logits of rows rows[0..nr) x vocabulary [j0, j1) into tile (row stride kTileV).
void logit_tile(const float* hidden, const float* weight, int64_t dm, const int64_t* rows, int64_t nr, int64_t j0,
                int64_t j1, float* tile) {
  for (int64_t j = j0; j < j1; ++j) {
    const float* wj = weight + j * dm;
    for (int64_t r = 0; r < nr; ++r) tile[r * kTileV + (j - j0)] = dot(hidden + rows[r] * dm, wj, dm);
  }
}

// Forward over rows [i0, i1): online state per row across vocabulary tiles.
void linear_rows(const LinearLogprobsArgs& a, int64_t i0, int64_t i1, float* tile, lp::RowState* states,
                 float* lse_out, float* entropy_out, float* logp_out) {
  const int64_t v = a.weight.shape[0], dm = a.weight.shape[1];
  const float* hidden = a.hidden.as<const float>();
  const float* weight = a.weight.as<const float>();
  const int32_t* t = a.targets.as<const int32_t>();
  const float inv_t = static_cast<float>(1.0 / a.temperature);
  // Ignored rows are skipped: gather the live ones so tiles hold only useful work.
  int64_t live[kTileN];
  int64_t nl = 0;
  for (int64_t i = i0; i < i1; ++i) {
    if (ignored(t[i], a.ignore_index)) {
      if (logp_out) logp_out[i] = 0.0f;
      if (entropy_out) entropy_out[i] = 0.0f;
      lse_out[i] = 0.0f;
    } else {
      live[nl++] = i;
    }
  }
  if (nl == 0) return;
  for (int64_t r = 0; r < nl; ++r) states[r].reset();
  for (int64_t j0 = 0; j0 < v; j0 += kTileV) {
    const int64_t j1 = std::min(v, j0 + kTileV);
    logit_tile(hidden, weight, dm, live, nl, j0, j1, tile);
    for (int64_t r = 0; r < nl; ++r)
      for (int64_t c = j0; c < j1; c += kChunk)
        lp::accumulate_chunk(states[r], tile + r * kTileV + (c - j0), std::min(kChunk, j1 - c), inv_t);
  }
  for (int64_t r = 0; r < nl; ++r) {
    const int64_t i = live[r];
    const lp::RowResult res = lp::finish_row(states[r]);
    const float z_t = dot(hidden + i * dm, weight + static_cast<int64_t>(t[i]) * dm, dm) * inv_t;
    if (logp_out) logp_out[i] = logp_of(z_t, res.lse);
    if (entropy_out) entropy_out[i] = res.entropy;
    lse_out[i] = res.lse;
  }
}

// Turns a tile of logits (rows rows[0..nr), vocabulary [j0, j1)) into d loss / d logits in place.
void gradient_tile(float* tile, const int64_t* rows, int64_t nr, int64_t j0, int64_t j1, const int32_t* t,
                   const float* lse, const float* glp, const float* gh, const float* entropy, float inv_t) {
  for (int64_t r = 0; r < nr; ++r) {
    const int64_t i = rows[r];
    float* row = tile + r * kTileV;
    const float b = gh != nullptr ? gh[i] : 0.0f;
    const float h = b != 0.0f ? entropy[i] : 0.0f;
    const int64_t tj = t[i] >= j0 && t[i] < j1 ? t[i] - j0 : -1;
    lp::row_gradient(row, row, j1 - j0, tj, inv_t, lse[i], glp[i], b, h);
  }
}

}  // namespace

void linear_logprobs(const LinearLogprobsArgs& a) {
  const int64_t n = a.hidden.shape[0];
  const int64_t tiles = (n + kTileN - 1) / kTileN;
  float* entropy = a.entropy.defined() ? a.entropy.as<float>() : nullptr;
  parallel_for(tiles, 1, [&](int64_t t0, int64_t t1) {
    vector<float> tile(static_cast<size_t>(kTileN * kTileV));
    vector<lp::RowState> states(kTileN);
    for (int64_t tt = t0; tt < t1; ++tt) {
      linear_rows(a, tt * kTileN, std::min(n, (tt + 1) * kTileN), tile.data(), states.data(), a.lse.as<float>(),
                  entropy, a.logp.as<float>());
    }
  });
}

void linear_logprobs_backward(const LinearLogprobsBackwardArgs& a) {
  const int64_t n = a.hidden.shape[0], v = a.weight.shape[0], dm = a.weight.shape[1];
  const float* hidden = a.hidden.as<const float>();
  const float* weight = a.weight.as<const float>();
  const int32_t* t = a.targets.as<const int32_t>();
  const float* lse = a.lse.as<const float>();
  const float* glp = a.grad_logp.as<const float>();
  const float* gh = a.grad_entropy.defined() ? a.grad_entropy.as<const float>() : nullptr;
  float* grad_hidden = a.grad_hidden.as<float>();
  float* grad_weight = a.grad_weight.as<float>();
  const float inv_t = static_cast<float>(1.0 / a.temperature);

  // Rows that carry gradient, ascending (the order gradWeight sums them in).
  vector<int64_t> live;
  for (int64_t i = 0; i < n; ++i)
    if (!ignored(t[i], a.ignore_index) && lse[i] != kNegInf) live.push_back(i);
  // The entropy term needs H_i: one extra forward (O(N) memory).
  vector<float> entropy;
  if (gh != nullptr) {
    entropy.assign(static_cast<size_t>(n), 0.0f);
    vector<float> lse_scratch(static_cast<size_t>(n));
    LinearLogprobsArgs f;
    f.hidden = a.hidden;
    f.weight = a.weight;
    f.targets = a.targets;
    f.temperature = a.temperature;
    f.ignore_index = a.ignore_index;
    const int64_t tiles = (n + kTileN - 1) / kTileN;
    parallel_for(tiles, 1, [&](int64_t t0, int64_t t1) {
      vector<float> tile(static_cast<size_t>(kTileN * kTileV));
      vector<lp::RowState> states(kTileN);
      for (int64_t tt = t0; tt < t1; ++tt)
        linear_rows(f, tt * kTileN, std::min(n, (tt + 1) * kTileN), tile.data(), states.data(), lse_scratch.data(),
                    entropy.data(), nullptr);
    });
  }
  const float* h_i = gh != nullptr ? entropy.data() : nullptr;
  const int64_t nl = static_cast<int64_t>(live.size());

  // gradHidden: each thread owns a run of live rows; sums over the vocabulary in order.
  std::fill(grad_hidden, grad_hidden + n * dm, 0.0f);
  const int64_t row_tiles = (nl + kTileN - 1) / kTileN;
  parallel_for(row_tiles, 1, [&](int64_t t0, int64_t t1) {
    vector<float> tile(static_cast<size_t>(kTileN * kTileV));
    for (int64_t tt = t0; tt < t1; ++tt) {
      const int64_t* rows = live.data() + tt * kTileN;
      const int64_t nr = std::min(kTileN, nl - tt * kTileN);
      for (int64_t j0 = 0; j0 < v; j0 += kTileV) {
        const int64_t j1 = std::min(v, j0 + kTileV);
        logit_tile(hidden, weight, dm, rows, nr, j0, j1, tile.data());
        gradient_tile(tile.data(), rows, nr, j0, j1, t, lse, glp, gh, h_i, inv_t);
        for (int64_t r = 0; r < nr; ++r) {
          float* out = grad_hidden + rows[r] * dm;
          for (int64_t j = j0; j < j1; ++j) axpy(tile[r * kTileV + (j - j0)], weight + j * dm, out, dm);
        }
      }
    }
  });

  // gradWeight: each thread owns vocabulary tiles; sums over the live rows in order.
  const int64_t vocab_tiles = (v + kTileV - 1) / kTileV;
  parallel_for(vocab_tiles, 1, [&](int64_t v0, int64_t v1) {
    vector<float> tile(static_cast<size_t>(kTileN * kTileV));
    for (int64_t vt = v0; vt < v1; ++vt) {
      const int64_t j0 = vt * kTileV, j1 = std::min(v, j0 + kTileV);
      std::fill(grad_weight + j0 * dm, grad_weight + j1 * dm, 0.0f);
      for (int64_t r0 = 0; r0 < nl; r0 += kTileN) {
        const int64_t* rows = live.data() + r0;
        const int64_t nr = std::min(kTileN, nl - r0);
        logit_tile(hidden, weight, dm, rows, nr, j0, j1, tile.data());
        gradient_tile(tile.data(), rows, nr, j0, j1, t, lse, glp, gh, h_i, inv_t);
        for (int64_t j = j0; j < j1; ++j) {
          float* out = grad_weight + j * dm;
          for (int64_t r = 0; r < nr; ++r) axpy(tile[r * kTileV + (j - j0)], hidden + rows[r] * dm, out, dm);
        }
      }
    }
  });
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(void, logprobs, (const LogprobsArgs& a), (a))
TX_CPU_DISPATCH(void, logprobs_backward, (const LogprobsBackwardArgs& a), (a))
TX_CPU_DISPATCH(void, linear_logprobs, (const LinearLogprobsArgs& a), (a))
TX_CPU_DISPATCH(void, linear_logprobs_backward, (const LinearLogprobsBackwardArgs& a), (a))
}  // namespace tx::cpu

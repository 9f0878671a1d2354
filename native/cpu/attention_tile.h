// Building blocks of CPU attention: a tile of query rows against one key block of
// kKeyBlock keys. Every element is produced by one fixed chain of roundings that does not
// depend on how many rows share the tile:
//   score[r][j] = (fma over d = 0..D-1 of q_r[d] * k_j[d], from 0) * scale
//   acc_r[d]    = fma chain over j = 0..n-1 of p[r][j] * v_j[d]
//   acc_j[d]    = fma chain over rows r in order of coef[r][j] * row_r[d]
// Rows are register-blocked by 6 (a small GEMM micro-kernel: 6 rows x 64 keys = 24 zmm
// accumulators, K/V vectors held in registers, row values broadcast) when they share the
// same key count, then by 4, then one at a time; all give the same bits.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "cpu/simd16.h"

namespace tx::cpu::TX_ISA_NS::attn {

// Loops over register-tile rows and vectors must be fully unrolled before GCC decides where
// the V16 accumulators live: otherwise they stay in stack memory (a store per FMA).
#define TX_PRAGMA(x) _Pragma(#x)
#define TX_UNROLL TX_PRAGMA(GCC unroll 16)

using namespace tx::cpu::TX_ISA_NS::simd;

// Keys per block: the unit of the online softmax. Fixed, so a query row walks the same
// blocks whether it comes from a packed batch, a lone sequence or the decode path.
constexpr int kKeyBlock = 64;
constexpr int kKeyVecs = kKeyBlock / kLanes;

// dst[d][j] = src[j][d] for j < n (stride between keys `stride`), zero for n <= j < 64.
inline void transpose_block(const float* src, int64_t stride, int n, int D, float* dst) {
  for (int d = 0; d < D; ++d) {
    float* row = dst + static_cast<int64_t>(d) * kKeyBlock;
    for (int j = 0; j < n; ++j) row[j] = src[j * stride + d];
    for (int j = n; j < kKeyBlock; ++j) row[j] = 0.0f;
  }
}

// Key blocks of one tensor [Nt, H, D], transposed once for every (head, sequence, block):
// the forward and the backward reuse each block for many query tiles, so transposing per
// tile would cost as much as a quarter of the score computation. Copies are exact: the
// scores do not change, only the time.
struct TransposedBlocks {
  // [H][total blocks][D][kKeyBlock]; every element is written by transpose_all, so the
  // buffer is not zero-filled first (a memset of it cost ~5% of the forward).
  std::unique_ptr<float[]> data;
  size_t size = 0;
  vector<int64_t> first_block;  // first block of each sequence
  int64_t total_blocks = 0;
  int D = 0;
  const float* at(int head, int64_t b, int kb) const {
    return data.get() + ((head * total_blocks + first_block[b] + kb) * D) * kKeyBlock;
  }
};

template <typename ParallelFor>
inline void transpose_all(const float* x, int heads, int D, const int32_t* cu, int64_t batch, TransposedBlocks& out,
                          ParallelFor parallel_for) {
  out.D = D;
  out.first_block.assign(batch + 1, 0);
  for (int64_t b = 0; b < batch; ++b) out.first_block[b + 1] = out.first_block[b] + (cu[b + 1] - cu[b] + kKeyBlock - 1) / kKeyBlock;
  out.total_blocks = out.first_block[batch];
  const size_t size = static_cast<size_t>(heads * out.total_blocks) * D * kKeyBlock;
  if (size > out.size) {
    out.data.reset(new float[size]);
    out.size = size;
  }
  parallel_for(heads * batch, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int h = static_cast<int>(i / batch);
      const int64_t b = i % batch;
      const int len = cu[b + 1] - cu[b];
      for (int kb = 0; kb * kKeyBlock < len; ++kb) {
        const int j0 = kb * kKeyBlock;
        transpose_block(x + ((cu[b] + j0) * static_cast<int64_t>(heads) + h) * D, static_cast<int64_t>(heads) * D,
                        std::min(kKeyBlock, len - j0), D, const_cast<float*>(out.at(h, b, kb)));
      }
    }
  });
}

// S[r][0..64) = (row_r . Kt[:, j]) * scale for R rows (R = 1..6).
template <int R>
inline void scores_r(const float* const* rows, const float* kt, int D, float scale, float* s) {
  V16 acc[R][kKeyVecs];
  TX_UNROLL for (int r = 0; r < R; ++r)
    TX_UNROLL for (int c = 0; c < kKeyVecs; ++c) acc[r][c] = zero();
  for (int d = 0; d < D; ++d) {
    V16 k[kKeyVecs];
    TX_UNROLL for (int c = 0; c < kKeyVecs; ++c) {
      k[c] = load(kt + static_cast<int64_t>(d) * kKeyBlock + c * kLanes);
      keep(k[c]);
    }
    TX_UNROLL for (int r = 0; r < R; ++r) {
      const V16 q = splat(rows[r][d]);
      TX_UNROLL for (int c = 0; c < kKeyVecs; ++c) acc[r][c] = fma(q, k[c], acc[r][c]);
    }
  }
  const V16 sc = splat(scale);
  TX_UNROLL for (int r = 0; r < R; ++r)
    TX_UNROLL for (int c = 0; c < kKeyVecs; ++c) store(s + r * kKeyBlock + c * kLanes, mul(acc[r][c], sc));
}

inline void scores(const float* const* rows, int nrows, const float* kt, int D, float scale, float* s) {
  int r = 0;
  for (; r + 6 <= nrows; r += 6) scores_r<6>(rows + r, kt, D, scale, s + r * kKeyBlock);
  for (; r + 4 <= nrows; r += 4) scores_r<4>(rows + r, kt, D, scale, s + r * kKeyBlock);
  for (; r < nrows; ++r) scores_r<1>(rows + r, kt, D, scale, s + r * kKeyBlock);
}

// acc_r[d0..d0+w) += sum over j < n, in order, of p[r][j] * vals_j[d0..d0+w), with NV
// vectors (w <= 16 * NV) known at compile time so the accumulators live in registers.
template <int R, int NV>
inline void accumulate_rows_chunk(float* acc, int64_t acc_stride, const float* p, const float* vals, int64_t stride,
                                  int n, int d0, int w) {
  V16 a[R][NV];
  TX_UNROLL for (int r = 0; r < R; ++r)
    TX_UNROLL for (int c = 0; c < NV; ++c) a[r][c] = load_n(acc + r * acc_stride + d0 + c * kLanes, w - c * kLanes);
  for (int j = 0; j < n; ++j) {
    const float* vj = vals + j * stride + d0;
    V16 vv[NV];
    TX_UNROLL for (int c = 0; c < NV; ++c) {
      vv[c] = load_n(vj + c * kLanes, w - c * kLanes);
      keep(vv[c]);
    }
    TX_UNROLL for (int r = 0; r < R; ++r) {
      const V16 pr = splat(p[r * kKeyBlock + j]);
      TX_UNROLL for (int c = 0; c < NV; ++c) a[r][c] = fma(pr, vv[c], a[r][c]);
    }
  }
  TX_UNROLL for (int r = 0; r < R; ++r)
    TX_UNROLL for (int c = 0; c < NV; ++c) store_n(acc + r * acc_stride + d0 + c * kLanes, a[r][c], w - c * kLanes);
}

// acc_r[0..D) += sum over j < n, in order, of p[r][j] * vals_j (R rows, stride between
// vals rows `stride`, between acc rows `acc_stride`). D is walked in chunks of 4 vectors.
template <int R>
inline void accumulate_rows_r(float* acc, int64_t acc_stride, const float* p, const float* vals, int64_t stride,
                              int n, int D) {
  for (int d0 = 0; d0 < D; d0 += 4 * kLanes) {
    const int w = std::min(4 * kLanes, D - d0);
    switch ((w + kLanes - 1) / kLanes) {
      case 4: accumulate_rows_chunk<R, 4>(acc, acc_stride, p, vals, stride, n, d0, w); break;
      case 3: accumulate_rows_chunk<R, 3>(acc, acc_stride, p, vals, stride, n, d0, w); break;
      case 2: accumulate_rows_chunk<R, 2>(acc, acc_stride, p, vals, stride, n, d0, w); break;
      default: accumulate_rows_chunk<R, 1>(acc, acc_stride, p, vals, stride, n, d0, w); break;
    }
  }
}

// Rows in groups of G (6, then 4): the keys all rows of a group see go through the
// register-blocked kernel, the rest of each row's keys (the causal diagonal) one row at a
// time, continuing the same chain in key order, so every element sees exactly its own keys
// in order.
template <int G>
inline void accumulate_group(float* acc, int64_t acc_stride, const float* p, const float* vals, int64_t stride,
                             const int* n, int D) {
  int common = n[0];
  for (int i = 1; i < G; ++i) common = std::min(common, n[i]);
  if (common > 0) accumulate_rows_r<G>(acc, acc_stride, p, vals, stride, common, D);
  for (int i = 0; i < G; ++i) {
    if (n[i] > common) {
      accumulate_rows_r<1>(acc + i * acc_stride, acc_stride, p + i * kKeyBlock + common, vals + common * stride,
                           stride, n[i] - common, D);
    }
  }
}

inline void accumulate_rows(float* acc, int64_t acc_stride, const float* p, const float* vals, int64_t stride,
                            const int* n, int nrows, int D) {
  int r = 0;
  for (; r + 6 <= nrows; r += 6) accumulate_group<6>(acc + r * acc_stride, acc_stride, p + r * kKeyBlock, vals, stride, n + r, D);
  for (; r + 4 <= nrows; r += 4) accumulate_group<4>(acc + r * acc_stride, acc_stride, p + r * kKeyBlock, vals, stride, n + r, D);
  for (; r < nrows; ++r) {
    if (n[r] > 0) accumulate_rows_r<1>(acc + r * acc_stride, acc_stride, p + r * kKeyBlock, vals, stride, n[r], D);
  }
}

// acc_j[d0..d0+w) += sum over rows r < RR, in order, of coef[r][j] * rows_r, for j < n.
template <int RR, int NV>
inline void accumulate_keys_chunk(float* acc, const float* coef, const float* const* rows, int n, int D, int d0, int w) {
  V16 x[RR][NV];
  TX_UNROLL for (int r = 0; r < RR; ++r)
    TX_UNROLL for (int c = 0; c < NV; ++c) {
      x[r][c] = load_n(rows[r] + d0 + c * kLanes, w - c * kLanes);
      keep(x[r][c]);
    }
  for (int j = 0; j < n; ++j) {
    float* aj = acc + static_cast<int64_t>(j) * D + d0;
    V16 a[NV];
    TX_UNROLL for (int c = 0; c < NV; ++c) a[c] = load_n(aj + c * kLanes, w - c * kLanes);
    TX_UNROLL for (int r = 0; r < RR; ++r) {
      const V16 cr = splat(coef[r * kKeyBlock + j]);
      TX_UNROLL for (int c = 0; c < NV; ++c) a[c] = fma(cr, x[r][c], a[c]);
    }
    TX_UNROLL for (int c = 0; c < NV; ++c) store_n(aj + c * kLanes, a[c], w - c * kLanes);
  }
}

template <int RR>
inline void accumulate_keys_rows(float* acc, const float* coef, const float* const* rows, int n, int D) {
  for (int d0 = 0; d0 < D; d0 += 4 * kLanes) {
    const int w = std::min(4 * kLanes, D - d0);
    switch ((w + kLanes - 1) / kLanes) {
      case 4: accumulate_keys_chunk<RR, 4>(acc, coef, rows, n, D, d0, w); break;
      case 3: accumulate_keys_chunk<RR, 3>(acc, coef, rows, n, D, d0, w); break;
      case 2: accumulate_keys_chunk<RR, 2>(acc, coef, rows, n, D, d0, w); break;
      default: accumulate_keys_chunk<RR, 1>(acc, coef, rows, n, D, d0, w); break;
    }
  }
}

// acc_j[0..D) += sum over rows r < nrows, in order, of coef[r][j] * rows_r, for j < n
// (acc rows contiguous, D apart). Used for dK and dV: accumulation runs over query rows in
// their global order, so the result is fixed whatever the tiling.
inline void accumulate_keys(float* acc, const float* coef, const float* const* rows, int nrows, int n, int D) {
  int r = 0;
  for (; r + 6 <= nrows; r += 6) accumulate_keys_rows<6>(acc, coef + r * kKeyBlock, rows + r, n, D);
  for (; r + 4 <= nrows; r += 4) accumulate_keys_rows<4>(acc, coef + r * kKeyBlock, rows + r, n, D);
  for (; r < nrows; ++r) accumulate_keys_rows<1>(acc, coef + r * kKeyBlock, rows + r, n, D);
}

// Sets s[j] = -inf for valid <= j < 64 (keys after the row's last visible key).
inline void mask_tail(float* s, int valid) {
  for (int j = std::max(valid, 0); j < kKeyBlock; ++j) s[j] = -std::numeric_limits<float>::infinity();
}

}  // namespace tx::cpu::TX_ISA_NS::attn

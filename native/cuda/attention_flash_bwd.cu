// Flash attention backward on tensor cores (FlashAttention-2 recomputation), bf16, D = 64/128.
//   P = exp(S * scale - lse), dP = dO V^T, dS = P * (dP - Delta), Delta_i = dO_i . O_i,
//   dV = P^T dO, dK = scale * dS^T Q, dQ = scale * dS K.
// Deterministic without atomics (FA2's "deterministic" mode by construction):
//   - delta_kernel: one warp per (token, head) row;
//   - dkdv_kernel: one CTA per (key tile, kv head, sequence); each warp owns 16 keys and
//     works on the transposed products S^T = K Q^T and dP^T = V dO^T, so P^T and dS^T come
//     out of the accumulators already shaped as A fragments of dV += P^T dO and
//     dK += dS^T Q. It loops over the query heads of its group and the query tiles (from the
//     diagonal when causal) in a fixed order, Q/dO tiles double buffered with cp.async;
//   - dq_kernel: one CTA per (query tile, head, sequence), a warp per 16 rows, looping over
//     key tiles (up to the diagonal when causal), K/V double buffered.
// Every dQ/dK/dV element is accumulated by one thread in a fixed order: two runs give the
// same bits.
#include <cuda_bf16.h>

#include "cuda/attention_flash.h"
#include "cuda/common.cuh"
#include "cuda/mma_sm80.cuh"

namespace tx::cuda::flash {

namespace {

using bf16 = __nv_bfloat16;
using namespace tx::cuda::mma;

constexpr float kLog2e = 1.4426950408889634f;

// delta[h][t] = sum_d dO[t,h,d] * O[t,h,d] (f32 math), one warp per (t, h).
template <int D>
__global__ void delta_kernel(const bf16* __restrict__ o, const bf16* __restrict__ dout, int nt, int hq,
                             float* __restrict__ delta) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;  // t * hq + h
  if (row >= static_cast<int64_t>(nt) * hq) return;
  const int lane = threadIdx.x % 32;
  const __nv_bfloat162* o2 = reinterpret_cast<const __nv_bfloat162*>(o + row * D);
  const __nv_bfloat162* d2 = reinterpret_cast<const __nv_bfloat162*>(dout + row * D);
  float s = 0.0f;
  for (int i = lane; i < D / 2; i += 32) {
    const float2 a = __bfloat1622float2(o2[i]), b = __bfloat1622float2(d2[i]);
    s = fmaf(a.x, b.x, s);
    s = fmaf(a.y, b.y, s);
  }
  for (int off = 16; off > 0; off >>= 1) s += __shfl_xor_sync(0xffffffffu, s, off);
  if (lane == 0) delta[static_cast<int64_t>(row % hq) * nt + row / hq] = s;
}

// ---- dK, dV -------------------------------------------------------------------------------

template <int D>
struct DkdvConfig {
  static constexpr int kBlockN = 64;                // keys per CTA: 4 warps x 16
  static constexpr int kBlockM = 64;                // queries per step
  static constexpr int kQC = D == 128 ? 16 : 32;    // queries per register chunk (register budget)
  static constexpr int kThreads = kBlockN / 16 * 32;
  static constexpr int kSmemBytes = (2 * kBlockN * D + 4 * kBlockM * D) * 2 + 4 * kBlockM * 4;
};

template <int D>
__global__ void __launch_bounds__(DkdvConfig<D>::kThreads)
    dkdv_kernel(const bf16* __restrict__ q, const bf16* __restrict__ k, const bf16* __restrict__ v,
                const bf16* __restrict__ dout, const float* __restrict__ lse, const float* __restrict__ delta,
                const int32_t* __restrict__ cu, Problem p, bf16* __restrict__ dk, bf16* __restrict__ dv) {
  using Cfg = DkdvConfig<D>;
  constexpr int kBlockN = Cfg::kBlockN, kBlockM = Cfg::kBlockM, kQC = Cfg::kQC, kDT = D / 8;
  const int b = blockIdx.z, g = blockIdx.y;
  const int start = cu[b], len = cu[b + 1] - start;
  const int n0 = blockIdx.x * kBlockN;
  if (n0 >= len) return;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int qr = lane / 4, qc = lane % 4;

  extern __shared__ __align__(128) unsigned char smem_raw[];
  bf16* sk = reinterpret_cast<bf16*>(smem_raw);
  bf16* sv = sk + kBlockN * D;
  bf16* sq = sv + kBlockN * D;        // 2 stages
  bf16* sdo = sq + 2 * kBlockM * D;   // 2 stages
  float* slse = reinterpret_cast<float*>(sdo + 2 * kBlockM * D);  // 2 stages, lse * log2(e)
  float* sdel = slse + 2 * kBlockM;                               // 2 stages

  const int group = p.hq / p.hkv;
  const int64_t q_stride = static_cast<int64_t>(p.hq) * D, kv_stride = static_cast<int64_t>(p.hkv) * D;
  const int64_t kv_off = (static_cast<int64_t>(start + n0) * p.hkv + g) * D;
  load_tile<kBlockN, D, Cfg::kThreads>(sk, k + kv_off, kv_stride, len - n0);
  load_tile<kBlockN, D, Cfg::kThreads>(sv, v + kv_off, kv_stride, len - n0);

  const int qb_first = p.causal ? n0 / kBlockM : 0;
  const int n_qb = (len + kBlockM - 1) / kBlockM - qb_first;
  const int n_iter = group * n_qb;
  // Step `it`: query head g * group + it / n_qb, query tile qb_first + it % n_qb.
  auto issue = [&](int it, int stage) {
    const int h = g * group + it / n_qb;
    const int i0 = (qb_first + it % n_qb) * kBlockM;
    const int64_t off = (static_cast<int64_t>(start + i0) * p.hq + h) * D;
    load_tile<kBlockM, D, Cfg::kThreads>(sq + stage * kBlockM * D, q + off, q_stride, len - i0);
    load_tile<kBlockM, D, Cfg::kThreads>(sdo + stage * kBlockM * D, dout + off, q_stride, len - i0);
    for (int i = threadIdx.x; i < kBlockM; i += Cfg::kThreads) {
      const bool ok = i0 + i < len;
      const int64_t li = static_cast<int64_t>(h) * p.nt + start + i0 + i;
      // Rows past the end: lse = +inf makes P = 0 there without a branch in the hot loop.
      slse[stage * kBlockM + i] = ok ? lse[li] * kLog2e : INFINITY;
      sdel[stage * kBlockM + i] = ok ? delta[li] : 0.0f;
    }
  };
  issue(0, 0);
  cp_async_commit();

  float acc_k[kDT][4], acc_v[kDT][4];
  for (int i = 0; i < kDT; ++i)
    for (int e = 0; e < 4; ++e) acc_k[i][e] = acc_v[i][e] = 0.0f;
  const float sl2 = p.scale * kLog2e;
  const int key_a = n0 + warp * 16 + qr;  // this thread's first key (second: + 8)

  for (int it = 0; it < n_iter; ++it) {
    const int stage = it & 1;
    if (it + 1 < n_iter) {
      issue(it + 1, stage ^ 1);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
    const int i0 = (qb_first + it % n_qb) * kBlockM;
    const bf16* tq = sq + stage * kBlockM * D;
    const bf16* tdo = sdo + stage * kBlockM * D;
    const float* tl = slse + stage * kBlockM;
    const float* td = sdel + stage * kBlockM;
    const bool mask = p.causal && n0 + kBlockN - 1 > i0;

    for (int c0 = 0; c0 < kBlockM; c0 += kQC) {
      float st[kQC / 8][4], dpt[kQC / 8][4];  // S^T, dP^T: 16 keys x kQC queries
      for (int i = 0; i < kQC / 8; ++i)
        for (int e = 0; e < 4; ++e) st[i][e] = dpt[i][e] = 0.0f;
      for (int kk = 0; kk < D / 16; ++kk) {
        uint32_t ka[4], va[4];
        ldsm_a<D>(ka, sk, warp * 16, kk * 16);
        ldsm_a<D>(va, sv, warp * 16, kk * 16);
        for (int np = 0; np < kQC / 16; ++np) {
          uint32_t bb[4];
          ldsm_b_nt<D>(bb, tq, c0 + np * 16, kk * 16);
          mma16816(st[2 * np], ka, bb[0], bb[1]);
          mma16816(st[2 * np + 1], ka, bb[2], bb[3]);
          ldsm_b_nt<D>(bb, tdo, c0 + np * 16, kk * 16);
          mma16816(dpt[2 * np], va, bb[0], bb[1]);
          mma16816(dpt[2 * np + 1], va, bb[2], bb[3]);
        }
      }
      for (int i = 0; i < kQC / 8; ++i)
        for (int e = 0; e < 4; ++e) {
          const int qi = c0 + i * 8 + 2 * qc + (e & 1);  // query index within the tile
          float pt = exp2f(fmaf(st[i][e], sl2, -tl[qi]));
          if (mask && key_a + (e >> 1) * 8 > i0 + qi) pt = 0.0f;
          st[i][e] = pt;
          dpt[i][e] = pt * (dpt[i][e] - td[qi]);
        }
      for (int kk = 0; kk < kQC / 16; ++kk) {
        uint32_t pa[4], dsa[4];
        c_to_a(pa, st[2 * kk], st[2 * kk + 1]);
        c_to_a(dsa, dpt[2 * kk], dpt[2 * kk + 1]);
        for (int dp = 0; dp < kDT / 2; ++dp) {
          uint32_t bb[4];
          ldsm_b_t<D>(bb, tdo, c0 + kk * 16, dp * 16);
          mma16816(acc_v[2 * dp], pa, bb[0], bb[1]);
          mma16816(acc_v[2 * dp + 1], pa, bb[2], bb[3]);
          ldsm_b_t<D>(bb, tq, c0 + kk * 16, dp * 16);
          mma16816(acc_k[2 * dp], dsa, bb[0], bb[1]);
          mma16816(acc_k[2 * dp + 1], dsa, bb[2], bb[3]);
        }
      }
    }
    __syncthreads();  // this stage is refilled by the next iteration's loads
  }

  for (int r = 0; r < 2; ++r) {
    const int key = key_a + r * 8;
    if (key >= len) continue;
    const int64_t off = (static_cast<int64_t>(start + key) * p.hkv + g) * D;
    for (int i = 0; i < kDT; ++i) {
      *reinterpret_cast<__nv_bfloat162*>(dk + off + i * 8 + 2 * qc) =
          __floats2bfloat162_rn(acc_k[i][2 * r] * p.scale, acc_k[i][2 * r + 1] * p.scale);
      *reinterpret_cast<__nv_bfloat162*>(dv + off + i * 8 + 2 * qc) =
          __floats2bfloat162_rn(acc_v[i][2 * r], acc_v[i][2 * r + 1]);
    }
  }
}

// ---- dQ -----------------------------------------------------------------------------------

template <int D>
struct DqConfig {
  static constexpr int kBlockM = 64;  // queries per CTA: 4 warps x 16
  static constexpr int kBlockN = 64;  // keys per step
  static constexpr int kThreads = kBlockM / 16 * 32;
  static constexpr int kSmemBytes = (2 * kBlockM * D + 4 * kBlockN * D) * 2;
};

template <int D>
__global__ void __launch_bounds__(DqConfig<D>::kThreads)
    dq_kernel(const bf16* __restrict__ q, const bf16* __restrict__ k, const bf16* __restrict__ v,
              const bf16* __restrict__ dout, const float* __restrict__ lse, const float* __restrict__ delta,
              const int32_t* __restrict__ cu, Problem p, bf16* __restrict__ dq) {
  using Cfg = DqConfig<D>;
  constexpr int kBlockN = Cfg::kBlockN, kBlockM = Cfg::kBlockM, kNT = kBlockN / 8, kDT = D / 8;
  const int b = blockIdx.z, h = blockIdx.y;
  const int start = cu[b], len = cu[b + 1] - start;
  const int m0 = blockIdx.x * kBlockM;
  if (m0 >= len) return;
  const int g = h / (p.hq / p.hkv);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int qr = lane / 4, qc = lane % 4;

  extern __shared__ __align__(128) unsigned char smem_raw[];
  bf16* sq = reinterpret_cast<bf16*>(smem_raw);
  bf16* sdo = sq + kBlockM * D;
  bf16* sk = sdo + kBlockM * D;   // 2 stages
  bf16* sv = sk + 2 * kBlockN * D;  // 2 stages

  const int64_t q_stride = static_cast<int64_t>(p.hq) * D, kv_stride = static_cast<int64_t>(p.hkv) * D;
  const int64_t q_off = (static_cast<int64_t>(start + m0) * p.hq + h) * D;
  const bf16* k_base = k + (static_cast<int64_t>(start) * p.hkv + g) * D;
  const bf16* v_base = v + (static_cast<int64_t>(start) * p.hkv + g) * D;
  load_tile<kBlockM, D, Cfg::kThreads>(sq, q + q_off, q_stride, len - m0);
  load_tile<kBlockM, D, Cfg::kThreads>(sdo, dout + q_off, q_stride, len - m0);
  load_tile<kBlockN, D, Cfg::kThreads>(sk, k_base, kv_stride, len);
  load_tile<kBlockN, D, Cfg::kThreads>(sv, v_base, kv_stride, len);
  cp_async_commit();

  const int row_a = m0 + warp * 16 + qr;
  float lse2[2], dl[2];
  for (int r = 0; r < 2; ++r) {
    const int row = row_a + r * 8;
    const int64_t li = static_cast<int64_t>(h) * p.nt + start + row;
    lse2[r] = row < len ? lse[li] * kLog2e : INFINITY;
    dl[r] = row < len ? delta[li] : 0.0f;
  }
  float acc[kDT][4];
  for (int i = 0; i < kDT; ++i)
    for (int e = 0; e < 4; ++e) acc[i][e] = 0.0f;
  const float sl2 = p.scale * kLog2e;
  const int n_keys = p.causal ? min(len, m0 + kBlockM) : len;
  const int n_blocks = (n_keys + kBlockN - 1) / kBlockN;

  for (int nb = 0; nb < n_blocks; ++nb) {
    const int buf = nb & 1;
    if (nb + 1 < n_blocks) {
      const int n1 = (nb + 1) * kBlockN;
      load_tile<kBlockN, D, Cfg::kThreads>(sk + (buf ^ 1) * kBlockN * D, k_base + n1 * kv_stride, kv_stride, len - n1);
      load_tile<kBlockN, D, Cfg::kThreads>(sv + (buf ^ 1) * kBlockN * D, v_base + n1 * kv_stride, kv_stride, len - n1);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
    const bf16* kt = sk + buf * kBlockN * D;
    const bf16* vt = sv + buf * kBlockN * D;

    float s[kNT][4], dp[kNT][4];
    for (int i = 0; i < kNT; ++i)
      for (int e = 0; e < 4; ++e) s[i][e] = dp[i][e] = 0.0f;
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t qa[4], da[4];
      ldsm_a<D>(qa, sq, warp * 16, kk * 16);
      ldsm_a<D>(da, sdo, warp * 16, kk * 16);
      for (int np = 0; np < kNT / 2; ++np) {
        uint32_t bb[4];
        ldsm_b_nt<D>(bb, kt, np * 16, kk * 16);
        mma16816(s[2 * np], qa, bb[0], bb[1]);
        mma16816(s[2 * np + 1], qa, bb[2], bb[3]);
        ldsm_b_nt<D>(bb, vt, np * 16, kk * 16);
        mma16816(dp[2 * np], da, bb[0], bb[1]);
        mma16816(dp[2 * np + 1], da, bb[2], bb[3]);
      }
    }
    const int n0 = nb * kBlockN;
    const bool mask = n0 + kBlockN > len || (p.causal && n0 + kBlockN - 1 > m0 + warp * 16);
    for (int i = 0; i < kNT; ++i)
      for (int e = 0; e < 4; ++e) {
        const int r = e >> 1;
        float pr = exp2f(fmaf(s[i][e], sl2, -lse2[r]));
        const int key = n0 + i * 8 + 2 * qc + (e & 1);
        if (mask && (key >= len || (p.causal && key > row_a + r * 8))) pr = 0.0f;
        dp[i][e] = pr * (dp[i][e] - dl[r]);  // dS
      }
    // dQ += dS K.
    for (int kk = 0; kk < kBlockN / 16; ++kk) {
      uint32_t dsa[4];
      c_to_a(dsa, dp[2 * kk], dp[2 * kk + 1]);
      for (int dd = 0; dd < kDT / 2; ++dd) {
        uint32_t bb[4];
        ldsm_b_t<D>(bb, kt, kk * 16, dd * 16);
        mma16816(acc[2 * dd], dsa, bb[0], bb[1]);
        mma16816(acc[2 * dd + 1], dsa, bb[2], bb[3]);
      }
    }
    __syncthreads();
  }

  for (int r = 0; r < 2; ++r) {
    const int row = row_a + r * 8;
    if (row >= len) continue;
    bf16* drow = dq + (static_cast<int64_t>(start + row) * p.hq + h) * D;
    for (int i = 0; i < kDT; ++i) {
      *reinterpret_cast<__nv_bfloat162*>(drow + i * 8 + 2 * qc) =
          __floats2bfloat162_rn(acc[i][2 * r] * p.scale, acc[i][2 * r + 1] * p.scale);
    }
  }
}

template <int D>
Status launch_backward(const Problem& p, const bf16* q, const bf16* k, const bf16* v, const bf16* out,
                       const bf16* dout, const float* lse, float* delta, bf16* dq, bf16* dk, bf16* dv,
                       cudaStream_t stream) {
  constexpr int kRowsPerBlock = 8;
  const int64_t rows = static_cast<int64_t>(p.nt) * p.hq;
  delta_kernel<D><<<static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock), kRowsPerBlock * 32, 0, stream>>>(
      out, dout, p.nt, p.hq, delta);
  TX_CUDA_CHECK(cudaGetLastError());

  using KV = DkdvConfig<D>;
  TX_CUDA_CHECK(cudaFuncSetAttribute(dkdv_kernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize, KV::kSmemBytes));
  const dim3 grid_kv((p.max_len + KV::kBlockN - 1) / KV::kBlockN, p.hkv, p.batch);
  dkdv_kernel<D><<<grid_kv, KV::kThreads, KV::kSmemBytes, stream>>>(q, k, v, dout, lse, delta, p.cu, p, dk, dv);
  TX_CUDA_CHECK(cudaGetLastError());

  using Q = DqConfig<D>;
  TX_CUDA_CHECK(cudaFuncSetAttribute(dq_kernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize, Q::kSmemBytes));
  const dim3 grid_q((p.max_len + Q::kBlockM - 1) / Q::kBlockM, p.hq, p.batch);
  dq_kernel<D><<<grid_q, Q::kThreads, Q::kSmemBytes, stream>>>(q, k, v, dout, lse, delta, p.cu, p, dq);
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

}  // namespace

Status backward(const Problem& p, const bf16* q, const bf16* k, const bf16* v, const bf16* out, const bf16* dout,
                const float* lse, float* delta, bf16* dq, bf16* dk, bf16* dv, cudaStream_t stream) {
  if (p.max_len == 0) return Status::ok();
  if (p.d == 64) return launch_backward<64>(p, q, k, v, out, dout, lse, delta, dq, dk, dv, stream);
  return launch_backward<128>(p, q, k, v, out, dout, lse, delta, dq, dk, dv, stream);
}

}  // namespace tx::cuda::flash

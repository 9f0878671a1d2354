// Flash attention forward on tensor cores (FlashAttention-2 structure), bf16, D = 64/128.
// One CTA per (query tile of kBlockM rows, query head, sequence) of the varlen layout; each
// warp owns 16 query rows. Q is loaded once into registers (ldmatrix); K/V tiles of kBlockN
// keys stream through shared memory with cp.async, double buffered (tile n+1 is in flight
// while tile n is used). Per key tile: S = Q K^T (mma.sync m16n8k16 bf16 -> f32), masking
// (sequence end, causal diagonal) only on the tiles that need it, online softmax in
// registers (exp2 with the scale folded in), then O += P V with P repacked to bf16 straight
// from the S accumulators. Causal tiles past the diagonal are never loaded. lse (natural
// log, f32 [Hq, Nt]) is written for the backward.
//
// Not bit-identical to the SIMT baseline (attention.cu): P is rounded to bf16 before P V
// and the key order inside a tile is the tensor core's. Decode keeps the baseline kernel,
// so decode == packed forward bit for bit holds for the baseline pair only.
#include <cuda_bf16.h>

#include "cuda/attention_flash.h"
#include "cuda/common.cuh"
#include "cuda/mma_sm80.cuh"

namespace tx::cuda::flash {

namespace {

using bf16 = __nv_bfloat16;
using namespace tx::cuda::mma;

constexpr float kLog2e = 1.4426950408889634f;

template <int D, int kBlockM, int kBlockN>
struct FwdConfig {
  static constexpr int kWarps = kBlockM / 16;
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kSmemElems = kBlockM * D + 4 * kBlockN * D;  // Q + 2 x (K, V)
  static constexpr int kSmemBytes = kSmemElems * static_cast<int>(sizeof(bf16));
};

template <int D, int kBlockM, int kBlockN>
__global__ void __launch_bounds__(FwdConfig<D, kBlockM, kBlockN>::kThreads)
    forward_kernel(const bf16* __restrict__ q, const bf16* __restrict__ k, const bf16* __restrict__ v,
                   const int32_t* __restrict__ cu, Problem p, bf16* __restrict__ out, float* __restrict__ lse) {
  using Cfg = FwdConfig<D, kBlockM, kBlockN>;
  constexpr int kNT = kBlockN / 8;  // n8 tiles of S per warp
  constexpr int kDT = D / 8;        // n8 tiles of O per warp
  const int b = blockIdx.z, h = blockIdx.y;
  const int start = cu[b], len = cu[b + 1] - start;
  const int m0 = blockIdx.x * kBlockM;
  if (m0 >= len) return;  // grid is sized for the longest sequence
  const int g = h / (p.hq / p.hkv);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int qr = lane / 4, qc = lane % 4;  // fragment row / column-pair of this thread

  extern __shared__ __align__(128) unsigned char smem_raw[];
  bf16* sq = reinterpret_cast<bf16*>(smem_raw);
  bf16* sk = sq + kBlockM * D;  // 2 stages
  bf16* sv = sk + 2 * kBlockN * D;

  const int64_t q_stride = static_cast<int64_t>(p.hq) * D, kv_stride = static_cast<int64_t>(p.hkv) * D;
  const bf16* q_base = q + (static_cast<int64_t>(start) * p.hq + h) * D;
  const bf16* k_base = k + (static_cast<int64_t>(start) * p.hkv + g) * D;
  const bf16* v_base = v + (static_cast<int64_t>(start) * p.hkv + g) * D;
  const int n_keys = p.causal ? min(len, m0 + kBlockM) : len;
  const int n_blocks = (n_keys + kBlockN - 1) / kBlockN;

  load_tile<kBlockM, D, Cfg::kThreads>(sq, q_base + m0 * q_stride, q_stride, len - m0);
  load_tile<kBlockN, D, Cfg::kThreads>(sk, k_base, kv_stride, len);
  load_tile<kBlockN, D, Cfg::kThreads>(sv, v_base, kv_stride, len);
  cp_async_commit();

  float o[kDT][4];
  for (int i = 0; i < kDT; ++i)
    for (int e = 0; e < 4; ++e) o[i][e] = 0.0f;
  float m_run[2] = {-INFINITY, -INFINITY}, l_run[2] = {0.0f, 0.0f};  // rows qr, qr + 8
  uint32_t qf[D / 16][4];
  const float sl2 = p.scale * kLog2e;
  const int row_a = m0 + warp * 16 + qr;  // position of this thread's first row in the sequence

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
    if (nb == 0) {
      for (int kk = 0; kk < D / 16; ++kk) ldsm_a<D>(qf[kk], sq, warp * 16, kk * 16);
    }
    const bf16* kt = sk + buf * kBlockN * D;
    const bf16* vt = sv + buf * kBlockN * D;

    // S = Q K^T for this warp's 16 rows x kBlockN keys.
    float s[kNT][4];
    for (int i = 0; i < kNT; ++i)
      for (int e = 0; e < 4; ++e) s[i][e] = 0.0f;
    for (int kk = 0; kk < D / 16; ++kk) {
      for (int np = 0; np < kNT / 2; ++np) {
        uint32_t bb[4];
        ldsm_b_nt<D>(bb, kt, np * 16, kk * 16);
        mma16816(s[2 * np], qf[kk], bb[0], bb[1]);
        mma16816(s[2 * np + 1], qf[kk], bb[2], bb[3]);
      }
    }

    // Mask keys past the sequence end or after the row (causal); only boundary tiles.
    const int n0 = nb * kBlockN;
    if (n0 + kBlockN > len || (p.causal && n0 + kBlockN - 1 > m0 + warp * 16)) {
      for (int i = 0; i < kNT; ++i)
        for (int e = 0; e < 4; ++e) {
          const int key = n0 + i * 8 + 2 * qc + (e & 1);
          const int row = row_a + (e >> 1) * 8;
          if (key >= len || (p.causal && key > row)) s[i][e] = -INFINITY;
        }
    }

    // Online softmax, rows r = 0 (qr) and 1 (qr + 8).
    for (int r = 0; r < 2; ++r) {
      float mx = -INFINITY;
      for (int i = 0; i < kNT; ++i) mx = fmaxf(mx, fmaxf(s[i][2 * r], s[i][2 * r + 1]));
      mx = quad_max(mx);
      const float m_new = fmaxf(m_run[r], mx);
      // A row with every key masked so far keeps m = -inf: subtract 0 instead (no NaN).
      const float m_use = m_new == -INFINITY ? 0.0f : m_new;
      const float corr = exp2f((m_run[r] - m_use) * sl2);
      m_run[r] = m_new;
      l_run[r] *= corr;
      for (int i = 0; i < kDT; ++i) {
        o[i][2 * r] *= corr;
        o[i][2 * r + 1] *= corr;
      }
      const float bias = -m_use * sl2;
      for (int i = 0; i < kNT; ++i) {
        s[i][2 * r] = exp2f(fmaf(s[i][2 * r], sl2, bias));
        s[i][2 * r + 1] = exp2f(fmaf(s[i][2 * r + 1], sl2, bias));
        l_run[r] += s[i][2 * r] + s[i][2 * r + 1];  // this thread's columns; quad-summed at the end
      }
    }

    // O += P V: P (16 x kBlockN) from the S registers as bf16 A fragments.
    for (int kk = 0; kk < kBlockN / 16; ++kk) {
      uint32_t pa[4];
      c_to_a(pa, s[2 * kk], s[2 * kk + 1]);
      for (int dp = 0; dp < kDT / 2; ++dp) {
        uint32_t bb[4];
        ldsm_b_t<D>(bb, vt, kk * 16, dp * 16);
        mma16816(o[2 * dp], pa, bb[0], bb[1]);
        mma16816(o[2 * dp + 1], pa, bb[2], bb[3]);
      }
    }
    __syncthreads();  // this stage is refilled by the next iteration's loads
  }

  // Normalise and store: each thread writes bf16 pairs of rows qr and qr + 8.
  for (int r = 0; r < 2; ++r) {
    const int row = row_a + r * 8;
    const float l = quad_sum(l_run[r]);
    if (row >= len) continue;
    const float inv = l > 0.0f ? 1.0f / l : 0.0f;
    bf16* orow = out + (static_cast<int64_t>(start + row) * p.hq + h) * D;
    for (int i = 0; i < kDT; ++i) {
      *reinterpret_cast<__nv_bfloat162*>(orow + i * 8 + 2 * qc) =
          __floats2bfloat162_rn(o[i][2 * r] * inv, o[i][2 * r + 1] * inv);
    }
    if (qc == 0) lse[static_cast<int64_t>(h) * p.nt + start + row] = m_run[r] * p.scale + logf(l);
  }
}

template <int D, int kBlockM, int kBlockN>
Status launch_forward(const Problem& p, const bf16* q, const bf16* k, const bf16* v, bf16* out, float* lse,
                      cudaStream_t stream) {
  using Cfg = FwdConfig<D, kBlockM, kBlockN>;
  auto kernel = forward_kernel<D, kBlockM, kBlockN>;
  TX_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::kSmemBytes));
  const dim3 grid((p.max_len + kBlockM - 1) / kBlockM, p.hq, p.batch);
  kernel<<<grid, Cfg::kThreads, Cfg::kSmemBytes, stream>>>(q, k, v, p.cu, p, out, lse);
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

}  // namespace

// kBlockM = 128 query rows (8 warps) x kBlockN = 64 keys: FA2's forward tile on sm_80 for
// D <= 128. Shared memory: 48 KiB (D = 64), 96 KiB (D = 128).
Status forward(const Problem& p, const bf16* q, const bf16* k, const bf16* v, bf16* out, float* lse,
               cudaStream_t stream) {
  if (p.max_len == 0) return Status::ok();
  if (p.d == 64) return launch_forward<64, 128, 64>(p, q, k, v, out, lse, stream);
  return launch_forward<128, 128, 64>(p, q, k, v, out, lse, stream);
}

}  // namespace tx::cuda::flash

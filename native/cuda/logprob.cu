// Log-prob gathering on CUDA (docs/kernels.md section 2).
//   logits path: one block per row, 16-byte vector loads (float4 / 8 x bf16) when the row is
//     aligned, f32 online max / sum-exp / entropy state per thread, merged in a fixed order
//     (warp shuffle tree, then warps 0..n-1): deterministic, and a row's bits depend on
//     that row only. Backward reads the saved lse (and recomputes H only when gradEntropy
//     is given); in place when gradLogits aliases logits.
//   fused path (f32): kFusedRows rows per block, vocabulary strided over the threads,
//     logits recomputed as fmaf chains over Dm (same order everywhere); backward in two
//     kernels, gradHidden (block per row tile) and gradWeight (block per vocabulary tile),
//     each output element written by one thread: no atomics. Correct first; the tiles do
//     not use tensor cores yet.
#include <cuda_bf16.h>

#include <cstdint>
#include <vector>

#include "cuda/common.cuh"
#include "cuda/logprob.h"
#include "cuda/scratch.cuh"

namespace tx::cuda {

namespace {

constexpr int kRowThreads = 512;
constexpr int kFusedRows = 4;
constexpr int kFusedThreads = 256;

// Online softmax state: s = sum e^(z - m), w = sum e^(z - m) (z - m).
struct Online {
  float m, s, w;
};

__device__ __forceinline__ Online online_empty() { return {-INFINITY, 0.0f, 0.0f}; }

__device__ __forceinline__ void push(Online& o, float z) {
  if (z > o.m) {
    if (o.m != -INFINITY) {
      const float shift = o.m - z, f = expf(shift);
      o.w = f * (o.w + shift * o.s);
      o.s = f * o.s;
    }
    o.m = z;
  }
  if (o.m == -INFINITY) return;  // nothing but -inf so far
  const float d = z - o.m, e = expf(d);
  o.s += e;
  if (e != 0.0f) o.w = fmaf(e, d, o.w);  // 0 * -inf would be NaN
}

// Commutative bit for bit (max, and sums of two products), so any tree gives one answer.
__device__ __forceinline__ Online merge(const Online& a, const Online& b) {
  if (a.m == -INFINITY) return b;
  if (b.m == -INFINITY) return a;
  const float m = fmaxf(a.m, b.m);
  const float sa = a.m - m, sb = b.m - m, fa = expf(sa), fb = expf(sb);
  return {m, fa * a.s + fb * b.s, fa * (a.w + sa * a.s) + fb * (b.w + sb * b.s)};
}

__device__ __forceinline__ Online warp_merge(Online o) {
  for (int off = kWarp / 2; off > 0; off >>= 1) {
    Online other{__shfl_xor_sync(0xffffffffu, o.m, off), __shfl_xor_sync(0xffffffffu, o.s, off),
                 __shfl_xor_sync(0xffffffffu, o.w, off)};
    o = merge(o, other);
  }
  return o;
}

// Block-wide merge; every thread gets the result. scratch: 32 slots.
__device__ __forceinline__ Online block_merge(Online o, Online* scratch) {
  o = warp_merge(o);
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp, warps = blockDim.x / kWarp;
  __syncthreads();
  if (lane == 0) scratch[warp] = o;
  __syncthreads();
  Online r = scratch[0];
  for (int k = 1; k < warps; ++k) r = merge(r, scratch[k]);
  return r;
}

struct RowStats {
  float lse, entropy;
};

__device__ __forceinline__ RowStats finish(const Online& o) {
  if (o.m == -INFINITY) return {-INFINITY, 0.0f};
  const float log_s = logf(o.s);
  return {o.m + log_s, log_s - o.w / o.s};
}

// ---- element access: f32 and bf16 storage, f32 math ----
__device__ __forceinline__ float to_f(float x) { return x; }
__device__ __forceinline__ float to_f(__nv_bfloat16 x) { return __bfloat162float(x); }
template <typename T>
__device__ __forceinline__ T from_f(float x);
template <>
__device__ __forceinline__ float from_f<float>(float x) { return x; }
template <>
__device__ __forceinline__ __nv_bfloat16 from_f<__nv_bfloat16>(float x) { return __float2bfloat16(x); }

template <typename T>
struct Vec {
  static constexpr int kN = 16 / sizeof(T);  // elements per 16-byte load
};

template <typename T>
__device__ __forceinline__ void unpack(const uint4& raw, float* out) {
  const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
  for (int k = 0; k < Vec<T>::kN; ++k) out[k] = to_f(e[k]);
}

template <typename T>
__device__ __forceinline__ uint4 pack(const float* in) {
  uint4 raw;
  T* e = reinterpret_cast<T*>(&raw);
#pragma unroll
  for (int k = 0; k < Vec<T>::kN; ++k) e[k] = from_f<T>(in[k]);
  return raw;
}

// Online state of this thread's share of a row (vectorised when kVector).
template <typename T, bool kVector>
__device__ __forceinline__ Online thread_row_state(const T* row, long long v, float inv_t) {
  Online o = online_empty();
  if (kVector) {
    const uint4* rv = reinterpret_cast<const uint4*>(row);
    const long long nv = v / Vec<T>::kN;
    for (long long k = threadIdx.x; k < nv; k += blockDim.x) {
      float x[Vec<T>::kN];
      unpack<T>(__ldg(rv + k), x);
#pragma unroll
      for (int e = 0; e < Vec<T>::kN; ++e) push(o, x[e] * inv_t);
    }
  } else {
    for (long long j = threadIdx.x; j < v; j += blockDim.x) push(o, to_f(row[j]) * inv_t);
  }
  return o;
}

template <typename T, bool kVector>
__global__ void __launch_bounds__(kRowThreads) logprobs_kernel(const T* logits, const int32_t* targets, long long v,
                                                                float inv_t, int ignore_index, float* logp,
                                                                float* entropy, float* lse) {
  __shared__ Online scratch[32];
  const long long i = blockIdx.x;
  const int t = targets[i];
  if (t == ignore_index) {
    if (threadIdx.x == 0) {
      logp[i] = 0.0f;
      if (entropy != nullptr) entropy[i] = 0.0f;
      lse[i] = 0.0f;
    }
    return;
  }
  const T* row = logits + i * v;
  const Online o = block_merge(thread_row_state<T, kVector>(row, v, inv_t), scratch);
  if (threadIdx.x == 0) {
    const RowStats r = finish(o);
    logp[i] = r.lse == -INFINITY ? -INFINITY : to_f(row[t]) * inv_t - r.lse;
    if (entropy != nullptr) entropy[i] = r.entropy;
    lse[i] = r.lse;
  }
}

// d loss / d logit for one element (docs/kernels.md section 2: (a (1[j=t] - p) - b p (log p + H)) / T).
__device__ __forceinline__ float grad_element(float x, bool is_target, float inv_t, float lse, float a, float b,
                                              float base) {
  const float d = fmaf(x, inv_t, -lse), p = expf(d);
  const float g = p != 0.0f ? (-inv_t * fmaf(b, d, base)) * p : 0.0f;
  return is_target ? g + a * inv_t : g;
}

template <typename T, bool kVector>
__global__ void __launch_bounds__(kRowThreads) logprobs_backward_kernel(
    const T* logits, T* grad, const int32_t* targets, const float* lse, const float* grad_logp,
    const float* grad_entropy, long long v, float inv_t, int ignore_index) {
  __shared__ Online scratch[32];
  const long long i = blockIdx.x;
  const int t = targets[i];
  const T* row = logits + i * v;
  T* out = grad + i * v;
  const float l = lse[i];
  const bool dead = t == ignore_index || l == -INFINITY;
  const float a = dead ? 0.0f : grad_logp[i];
  const float b = dead || grad_entropy == nullptr ? 0.0f : grad_entropy[i];
  float h = 0.0f;
  if (b != 0.0f) h = finish(block_merge(thread_row_state<T, kVector>(row, v, inv_t), scratch)).entropy;
  const float base = a + b * h;
  if (kVector) {
    const uint4* rv = reinterpret_cast<const uint4*>(row);
    uint4* ov = reinterpret_cast<uint4*>(out);
    const long long nv = v / Vec<T>::kN;
    for (long long k = threadIdx.x; k < nv; k += blockDim.x) {
      float x[Vec<T>::kN];
      unpack<T>(rv[k], x);  // not __ldg: in place, this buffer is also written
#pragma unroll
      for (int e = 0; e < Vec<T>::kN; ++e) {
        const long long j = k * Vec<T>::kN + e;
        x[e] = dead ? 0.0f : grad_element(x[e], j == t, inv_t, l, a, b, base);
      }
      ov[k] = pack<T>(x);
    }
  } else {
    for (long long j = threadIdx.x; j < v; j += blockDim.x) {
      out[j] = from_f<T>(dead ? 0.0f : grad_element(to_f(row[j]), j == t, inv_t, l, a, b, base));
    }
  }
}

// ---- fused linear path (f32) ----

// The one order in which a logit is accumulated: a fmaf chain over k.
__device__ __forceinline__ float dot_chain(const float* a, const float* b, int dm) {
  float acc = 0.0f;
  for (int k = 0; k < dm; ++k) acc = fmaf(a[k], b[k], acc);
  return acc;
}

struct FusedParams {
  const float* hidden;  // [N, Dm]
  const float* weight;  // [V, Dm]
  const int32_t* targets;
  int n, dm;
  long long v;
  float inv_t;
  int ignore_index;
};

__global__ void __launch_bounds__(kFusedThreads) linear_logprobs_kernel(FusedParams p, float* logp, float* entropy,
                                                                        float* lse) {
  __shared__ Online scratch[32];
  const int i0 = blockIdx.x * kFusedRows;
  bool live[kFusedRows];
  Online o[kFusedRows];
#pragma unroll
  for (int r = 0; r < kFusedRows; ++r) {
    live[r] = i0 + r < p.n && p.targets[i0 + r] != p.ignore_index;
    o[r] = online_empty();
  }
  for (long long j = threadIdx.x; j < p.v; j += blockDim.x) {
    const float* wj = p.weight + j * p.dm;
    float acc[kFusedRows];
#pragma unroll
    for (int r = 0; r < kFusedRows; ++r) acc[r] = 0.0f;
    for (int k = 0; k < p.dm; ++k) {
      const float w = wj[k];
#pragma unroll
      for (int r = 0; r < kFusedRows; ++r)
        if (live[r]) acc[r] = fmaf(p.hidden[static_cast<long long>(i0 + r) * p.dm + k], w, acc[r]);
    }
#pragma unroll
    for (int r = 0; r < kFusedRows; ++r)
      if (live[r]) push(o[r], acc[r] * p.inv_t);
  }
  for (int r = 0; r < kFusedRows; ++r) {
    const Online m = block_merge(o[r], scratch);
    const int i = i0 + r;
    if (threadIdx.x != 0 || i >= p.n) continue;
    if (!live[r]) {
      if (logp) logp[i] = 0.0f;
      if (entropy) entropy[i] = 0.0f;
      lse[i] = 0.0f;
      continue;
    }
    const RowStats s = finish(m);
    const float* hi = p.hidden + static_cast<long long>(i) * p.dm;
    const float z_t = dot_chain(hi, p.weight + static_cast<long long>(p.targets[i]) * p.dm, p.dm) * p.inv_t;
    if (logp) logp[i] = s.lse == -INFINITY ? -INFINITY : z_t - s.lse;
    if (entropy) entropy[i] = s.entropy;
    lse[i] = s.lse;
  }
}

struct FusedGrad {
  const float* lse;
  const float* grad_logp;
  const float* grad_entropy;  // may be null
  const float* entropy;       // recomputed H when grad_entropy is given
};

// Gradient of row i at vocabulary entry j (0 for rows that carry none).
__device__ __forceinline__ float fused_grad(const FusedParams& p, const FusedGrad& g, int i, long long j) {
  const int t = p.targets[i];
  const float l = g.lse[i];
  if (t == p.ignore_index || l == -INFINITY) return 0.0f;
  const float a = g.grad_logp[i];
  const float b = g.grad_entropy != nullptr ? g.grad_entropy[i] : 0.0f;
  const float h = b != 0.0f ? g.entropy[i] : 0.0f;
  const float x = dot_chain(p.hidden + static_cast<long long>(i) * p.dm, p.weight + j * p.dm, p.dm);
  return grad_element(x, j == t, p.inv_t, l, a, b, a + b * h);
}

// gradHidden[i, :] = sum_j g_ij W[j, :], j ascending in chunks of kFusedThreads.
__global__ void __launch_bounds__(kFusedThreads) linear_grad_hidden_kernel(FusedParams p, FusedGrad g,
                                                                           float* grad_hidden) {
  __shared__ float gs[kFusedRows][kFusedThreads];
  const int i0 = blockIdx.x * kFusedRows;
  for (int r = 0; r < kFusedRows && i0 + r < p.n; ++r)
    for (int k = threadIdx.x; k < p.dm; k += blockDim.x) grad_hidden[static_cast<long long>(i0 + r) * p.dm + k] = 0.0f;
  for (long long j0 = 0; j0 < p.v; j0 += kFusedThreads) {
    const long long j = j0 + threadIdx.x;
    __syncthreads();
#pragma unroll
    for (int r = 0; r < kFusedRows; ++r) gs[r][threadIdx.x] = (i0 + r < p.n && j < p.v) ? fused_grad(p, g, i0 + r, j) : 0.0f;
    __syncthreads();
    const int count = static_cast<int>(min(static_cast<long long>(kFusedThreads), p.v - j0));
    for (int k = threadIdx.x; k < p.dm; k += blockDim.x) {
      for (int r = 0; r < kFusedRows && i0 + r < p.n; ++r) {
        float acc = grad_hidden[static_cast<long long>(i0 + r) * p.dm + k];
        for (int jj = 0; jj < count; ++jj) acc = fmaf(gs[r][jj], p.weight[(j0 + jj) * p.dm + k], acc);
        grad_hidden[static_cast<long long>(i0 + r) * p.dm + k] = acc;
      }
    }
  }
}

// gradWeight[j, :] = sum_i g_ij H[i, :], i ascending in chunks of kFusedThreads.
__global__ void __launch_bounds__(kFusedThreads) linear_grad_weight_kernel(FusedParams p, FusedGrad g,
                                                                           float* grad_weight) {
  __shared__ float gs[kFusedRows][kFusedThreads];
  const long long j0 = static_cast<long long>(blockIdx.x) * kFusedRows;
  for (int r = 0; r < kFusedRows && j0 + r < p.v; ++r)
    for (int k = threadIdx.x; k < p.dm; k += blockDim.x) grad_weight[(j0 + r) * p.dm + k] = 0.0f;
  for (int b0 = 0; b0 < p.n; b0 += kFusedThreads) {
    const int i = b0 + threadIdx.x;
    __syncthreads();
#pragma unroll
    for (int r = 0; r < kFusedRows; ++r) gs[r][threadIdx.x] = (i < p.n && j0 + r < p.v) ? fused_grad(p, g, i, j0 + r) : 0.0f;
    __syncthreads();
    const int count = min(kFusedThreads, p.n - b0);
    for (int k = threadIdx.x; k < p.dm; k += blockDim.x) {
      for (int r = 0; r < kFusedRows && j0 + r < p.v; ++r) {
        float acc = grad_weight[(j0 + r) * p.dm + k];
        for (int ii = 0; ii < count; ++ii)
          acc = fmaf(gs[r][ii], p.hidden[static_cast<long long>(b0 + ii) * p.dm + k], acc);
        grad_weight[(j0 + r) * p.dm + k] = acc;
      }
    }
  }
}

template <typename T>
bool vector_ok(const void* ptr, long long v) {
  return reinterpret_cast<uintptr_t>(ptr) % 16 == 0 && (v * static_cast<long long>(sizeof(T))) % 16 == 0;
}

template <typename T>
Status launch_forward(const LogprobsArgs& a, const int32_t* targets, cudaStream_t stream) {
  const long long n = a.logits.shape[0], v = a.logits.shape[1];
  const float inv_t = static_cast<float>(1.0 / a.temperature);
  const T* x = static_cast<const T*>(a.logits.data);
  float* ent = a.entropy.defined() ? a.entropy.as<float>() : nullptr;
  if (vector_ok<T>(x, v)) {
    logprobs_kernel<T, true><<<static_cast<unsigned>(n), kRowThreads, 0, stream>>>(
        x, targets, v, inv_t, a.ignore_index, a.logp.as<float>(), ent, a.lse.as<float>());
  } else {
    logprobs_kernel<T, false><<<static_cast<unsigned>(n), kRowThreads, 0, stream>>>(
        x, targets, v, inv_t, a.ignore_index, a.logp.as<float>(), ent, a.lse.as<float>());
  }
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

template <typename T>
Status launch_backward(const LogprobsBackwardArgs& a, const int32_t* targets, cudaStream_t stream) {
  const long long n = a.logits.shape[0], v = a.logits.shape[1];
  const float inv_t = static_cast<float>(1.0 / a.temperature);
  const T* x = static_cast<const T*>(a.logits.data);
  T* g = static_cast<T*>(a.grad_logits.data);
  const float* ge = a.grad_entropy.defined() ? a.grad_entropy.as<const float>() : nullptr;
  if (vector_ok<T>(x, v) && vector_ok<T>(g, v)) {
    logprobs_backward_kernel<T, true><<<static_cast<unsigned>(n), kRowThreads, 0, stream>>>(
        x, g, targets, a.lse.as<const float>(), a.grad_logp.as<const float>(), ge, v, inv_t, a.ignore_index);
  } else {
    logprobs_backward_kernel<T, false><<<static_cast<unsigned>(n), kRowThreads, 0, stream>>>(
        x, g, targets, a.lse.as<const float>(), a.grad_logp.as<const float>(), ge, v, inv_t, a.ignore_index);
  }
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

FusedParams fused_params(const TensorView& hidden, const TensorView& weight, const int32_t* targets, double temperature,
                         int32_t ignore_index) {
  return FusedParams{hidden.as<const float>(),
                     weight.as<const float>(),
                     targets,
                     static_cast<int>(hidden.shape[0]),
                     static_cast<int>(hidden.shape[1]),
                     static_cast<long long>(weight.shape[0]),
                     static_cast<float>(1.0 / temperature),
                     ignore_index};
}

}  // namespace

Status logprobs(const LogprobsArgs& a, cudaStream_t stream) {
  TX_CUDA_CHECK(cudaSetDevice(a.logits.device_index));
  if (a.logits.shape[0] == 0) return Status::ok();
  Scratch s;
  const int32_t* targets = nullptr;
  TX_RETURN_IF_ERROR(s.upload_i32(a.targets, &targets, stream));
  if (a.logits.dtype == DType::kBF16) TX_RETURN_IF_ERROR(launch_forward<__nv_bfloat16>(a, targets, stream));
  else TX_RETURN_IF_ERROR(launch_forward<float>(a, targets, stream));
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  return Status::ok();
}

Status logprobs_backward(const LogprobsBackwardArgs& a, cudaStream_t stream) {
  TX_CUDA_CHECK(cudaSetDevice(a.logits.device_index));
  if (a.logits.shape[0] == 0) return Status::ok();
  Scratch s;
  const int32_t* targets = nullptr;
  TX_RETURN_IF_ERROR(s.upload_i32(a.targets, &targets, stream));
  if (a.logits.dtype == DType::kBF16) TX_RETURN_IF_ERROR(launch_backward<__nv_bfloat16>(a, targets, stream));
  else TX_RETURN_IF_ERROR(launch_backward<float>(a, targets, stream));
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  return Status::ok();
}

Status linear_logprobs(const LinearLogprobsArgs& a, cudaStream_t stream) {
  TX_CUDA_CHECK(cudaSetDevice(a.hidden.device_index));
  const int n = static_cast<int>(a.hidden.shape[0]);
  if (n == 0) return Status::ok();
  Scratch s;
  const int32_t* targets = nullptr;
  TX_RETURN_IF_ERROR(s.upload_i32(a.targets, &targets, stream));
  const FusedParams p = fused_params(a.hidden, a.weight, targets, a.temperature, a.ignore_index);
  linear_logprobs_kernel<<<ceil_div(n, kFusedRows), kFusedThreads, 0, stream>>>(
      p, a.logp.as<float>(), a.entropy.defined() ? a.entropy.as<float>() : nullptr, a.lse.as<float>());
  TX_CUDA_CHECK(cudaGetLastError());
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  return Status::ok();
}

Status linear_logprobs_backward(const LinearLogprobsBackwardArgs& a, cudaStream_t stream) {
  TX_CUDA_CHECK(cudaSetDevice(a.hidden.device_index));
  const int n = static_cast<int>(a.hidden.shape[0]);
  const long long v = a.weight.shape[0];
  Scratch s;
  const int32_t* targets = nullptr;
  TX_RETURN_IF_ERROR(s.upload_i32(a.targets, &targets, stream));
  const FusedParams p = fused_params(a.hidden, a.weight, targets, a.temperature, a.ignore_index);
  FusedGrad g{a.lse.as<const float>(), a.grad_logp.as<const float>(),
              a.grad_entropy.defined() ? a.grad_entropy.as<const float>() : nullptr, nullptr};
  if (g.grad_entropy != nullptr && n > 0) {  // H_i: one extra forward into scratch
    void* ent = nullptr;
    void* lse = nullptr;
    TX_RETURN_IF_ERROR(s.alloc(&ent, sizeof(float) * n));
    TX_RETURN_IF_ERROR(s.alloc(&lse, sizeof(float) * n));
    linear_logprobs_kernel<<<ceil_div(n, kFusedRows), kFusedThreads, 0, stream>>>(p, nullptr, static_cast<float*>(ent),
                                                                                   static_cast<float*>(lse));
    TX_CUDA_CHECK(cudaGetLastError());
    g.entropy = static_cast<const float*>(ent);
  }
  if (n > 0) {
    linear_grad_hidden_kernel<<<ceil_div(n, kFusedRows), kFusedThreads, 0, stream>>>(p, g, a.grad_hidden.as<float>());
    TX_CUDA_CHECK(cudaGetLastError());
  }
  if (v > 0) {
    linear_grad_weight_kernel<<<ceil_div(v, kFusedRows), kFusedThreads, 0, stream>>>(p, g, a.grad_weight.as<float>());
    TX_CUDA_CHECK(cudaGetLastError());
  }
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  return Status::ok();
}

}  // namespace tx::cuda

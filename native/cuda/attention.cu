// Attention on CUDA, portable baseline (f32 or bf16 storage, f32 math, D = 64 or 128):
//   - forward and decode: one warp per (query row, head); the row walks its keys 0..n-1 in
//     order with an online softmax (attend_row, shared by both, so decode reproduces the
//     packed forward bit for bit on the same device);
//   - backward: dQ one warp per (query row, head); dK/dV one warp per (key, kv head) summing
//     its query heads and rows in a fixed order. No atomics: deterministic.
// This is the f32 path, the bf16 fallback and the reference the parity runner checks
// against the CPU. bf16 with D = 64/128 on sm_80+ goes to the tensor-core flash kernels
// (attention_flash*.cu) unless TX_CUDA_ATTENTION=simt; decode always uses attend_row, so
// decode == packed forward bit for bit holds for the f32 path and for bf16 under
// TX_CUDA_ATTENTION=simt, not against the tensor-core forward (different rounding of P).
// Scores are never materialised beyond one value.
#include <cuda_bf16.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "cuda/attention_flash.h"
#include "cuda/common.cuh"
#include "cuda/attention.h"
#include "cuda/scratch.cuh"

namespace tx::cuda {

namespace {

constexpr int kWarpsPerBlock = 4;

__device__ __forceinline__ float to_f32(float x) { return x; }
__device__ __forceinline__ float to_f32(__nv_bfloat16 x) { return __bfloat162float(x); }
template <typename T>
__device__ __forceinline__ T from_f32(float x);
template <>
__device__ __forceinline__ float from_f32<float>(float x) { return x; }
template <>
__device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float x) { return __float2bfloat16(x); }

__device__ __forceinline__ float warp_all_sum(float v) {
  for (int o = kWarp / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sequence of token t: the b with cu[b] <= t < cu[b+1] (largest such b, skipping empties).
__device__ __forceinline__ int sequence_of(const int32_t* cu, int batch, int t) {
  int lo = 0, hi = batch - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (cu[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// One warp: out row = softmax(q . k_j * scale) v over keys j < n; lane owns D/32 dims.
template <typename T, int D>
__device__ __forceinline__ void attend_row(const T* q, const T* k, const T* v, int64_t kv_stride, int n, float scale,
                                           T* out, float* lse) {
  constexpr int E = D / kWarp;
  const int lane = threadIdx.x % kWarp;
  float qr[E], acc[E];
  for (int e = 0; e < E; ++e) {
    qr[e] = to_f32(q[lane + e * kWarp]);
    acc[e] = 0.0f;
  }
  float m = -INFINITY, l = 0.0f;
  for (int j = 0; j < n; ++j) {
    const T* kj = k + j * kv_stride;
    const T* vj = v + j * kv_stride;
    float dot = 0.0f;
    for (int e = 0; e < E; ++e) dot = fmaf(qr[e], to_f32(kj[lane + e * kWarp]), dot);
    const float s = warp_all_sum(dot) * scale;
    const float m_new = fmaxf(m, s);
    const float corr = __expf(m - m_new);
    const float p = __expf(s - m_new);
    l = fmaf(l, corr, p);
    for (int e = 0; e < E; ++e) acc[e] = fmaf(p, to_f32(vj[lane + e * kWarp]), acc[e] * corr);
    m = m_new;
  }
  const float inv = 1.0f / l;
  for (int e = 0; e < E; ++e) out[lane + e * kWarp] = from_f32<T>(acc[e] * inv);
  if (lane == 0) *lse = m + logf(l);
}

struct Dims {
  int nt, hq, hkv, batch;
  bool causal;
  float scale;
};

template <typename T, int D>
__global__ void forward_kernel(const T* q, const T* k, const T* v, const int32_t* cu, Dims dm, T* out, float* lse) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;  // t * hq + h
  if (row >= static_cast<int64_t>(dm.nt) * dm.hq) return;
  const int t = static_cast<int>(row / dm.hq), h = static_cast<int>(row % dm.hq);
  const int b = sequence_of(cu, dm.batch, t);
  const int start = cu[b], len = cu[b + 1] - start, pos = t - start;
  const int g = h / (dm.hq / dm.hkv);
  const int64_t kv_stride = static_cast<int64_t>(dm.hkv) * D;
  attend_row<T, D>(q + row * D, k + (static_cast<int64_t>(start) * dm.hkv + g) * D,
                   v + (static_cast<int64_t>(start) * dm.hkv + g) * D, kv_stride, dm.causal ? pos + 1 : len, dm.scale,
                   out + row * D, lse + static_cast<int64_t>(h) * dm.nt + t);
}

template <typename T, int D>
__global__ void decode_kernel(const T* q, const T* kc, const T* vc, const int32_t* lengths, int batch, int hq, int hkv,
                              int tmax, float scale, T* out, float* lse) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;  // b * hq + h
  if (row >= static_cast<int64_t>(batch) * hq) return;
  const int b = static_cast<int>(row / hq), h = static_cast<int>(row % hq);
  const int g = h / (hq / hkv);
  const int64_t base = (static_cast<int64_t>(b) * tmax * hkv + g) * D;
  attend_row<T, D>(q + row * D, kc + base, vc + base, static_cast<int64_t>(hkv) * D, lengths[b], scale, out + row * D,
                   lse + row);
}

// delta[h][t] = dO . O
template <typename T, int D>
__global__ void delta_kernel(const T* o, const T* dout, Dims dm, float* delta) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
  if (row >= static_cast<int64_t>(dm.nt) * dm.hq) return;
  const int lane = threadIdx.x % kWarp;
  float s = 0.0f;
  for (int e = 0; e < D / kWarp; ++e) s = fmaf(to_f32(o[row * D + lane + e * kWarp]), to_f32(dout[row * D + lane + e * kWarp]), s);
  s = warp_all_sum(s);
  if (lane == 0) delta[static_cast<int64_t>(row % dm.hq) * dm.nt + row / dm.hq] = s;
}

template <typename T, int D>
__global__ void grad_q_kernel(const T* q, const T* k, const T* v, const T* dout, const float* lse, const float* delta,
                              const int32_t* cu, Dims dm, T* dq) {
  constexpr int E = D / kWarp;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
  if (row >= static_cast<int64_t>(dm.nt) * dm.hq) return;
  const int lane = threadIdx.x % kWarp;
  const int t = static_cast<int>(row / dm.hq), h = static_cast<int>(row % dm.hq);
  const int b = sequence_of(cu, dm.batch, t);
  const int start = cu[b], len = cu[b + 1] - start, pos = t - start;
  const int g = h / (dm.hq / dm.hkv);
  const int n = dm.causal ? pos + 1 : len;
  const float l = lse[static_cast<int64_t>(h) * dm.nt + t], dl = delta[static_cast<int64_t>(h) * dm.nt + t];
  float qr[E], dor[E], acc[E];
  for (int e = 0; e < E; ++e) {
    qr[e] = to_f32(q[row * D + lane + e * kWarp]);
    dor[e] = to_f32(dout[row * D + lane + e * kWarp]);
    acc[e] = 0.0f;
  }
  for (int j = 0; j < n; ++j) {
    const int64_t off = ((static_cast<int64_t>(start) + j) * dm.hkv + g) * D;
    float sd = 0.0f, pd = 0.0f;
    for (int e = 0; e < E; ++e) {
      sd = fmaf(qr[e], to_f32(k[off + lane + e * kWarp]), sd);
      pd = fmaf(dor[e], to_f32(v[off + lane + e * kWarp]), pd);
    }
    const float p = __expf(warp_all_sum(sd) * dm.scale - l);
    const float ds = p * (warp_all_sum(pd) - dl) * dm.scale;
    for (int e = 0; e < E; ++e) acc[e] = fmaf(ds, to_f32(k[off + lane + e * kWarp]), acc[e]);
  }
  for (int e = 0; e < E; ++e) dq[row * D + lane + e * kWarp] = from_f32<T>(acc[e]);
}

template <typename T, int D>
__global__ void grad_kv_kernel(const T* q, const T* k, const T* v, const T* dout, const float* lse, const float* delta,
                               const int32_t* cu, Dims dm, T* dk, T* dv) {
  constexpr int E = D / kWarp;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;  // t * hkv + g
  if (row >= static_cast<int64_t>(dm.nt) * dm.hkv) return;
  const int lane = threadIdx.x % kWarp;
  const int t = static_cast<int>(row / dm.hkv), g = static_cast<int>(row % dm.hkv);
  const int b = sequence_of(cu, dm.batch, t);
  const int start = cu[b], len = cu[b + 1] - start, pos = t - start;
  const int group = dm.hq / dm.hkv;
  float kr[E], vr[E], ak[E], av[E];
  for (int e = 0; e < E; ++e) {
    kr[e] = to_f32(k[row * D + lane + e * kWarp]);
    vr[e] = to_f32(v[row * D + lane + e * kWarp]);
    ak[e] = av[e] = 0.0f;
  }
  for (int h = g * group; h < (g + 1) * group; ++h) {
    for (int i = dm.causal ? pos : 0; i < len; ++i) {
      const int64_t ti = static_cast<int64_t>(start) + i;
      const int64_t off = (ti * dm.hq + h) * D;
      float sd = 0.0f, pd = 0.0f;
      for (int e = 0; e < E; ++e) {
        sd = fmaf(to_f32(q[off + lane + e * kWarp]), kr[e], sd);
        pd = fmaf(to_f32(dout[off + lane + e * kWarp]), vr[e], pd);
      }
      const float p = __expf(warp_all_sum(sd) * dm.scale - lse[static_cast<int64_t>(h) * dm.nt + ti]);
      const float ds = p * (warp_all_sum(pd) - delta[static_cast<int64_t>(h) * dm.nt + ti]) * dm.scale;
      for (int e = 0; e < E; ++e) {
        av[e] = fmaf(p, to_f32(dout[off + lane + e * kWarp]), av[e]);
        ak[e] = fmaf(ds, to_f32(q[off + lane + e * kWarp]), ak[e]);
      }
    }
  }
  for (int e = 0; e < E; ++e) {
    dk[row * D + lane + e * kWarp] = from_f32<T>(ak[e]);
    dv[row * D + lane + e * kWarp] = from_f32<T>(av[e]);
  }
}

int blocks_for(int64_t warps) { return static_cast<int>((warps + kWarpsPerBlock - 1) / kWarpsPerBlock); }

// Calls fn.template operator()<T, D>() for the tensor's dtype and head size.
template <typename Fn>
Status dispatch(DType dtype, int64_t d, Fn fn) {
  if (dtype == DType::kBF16) return d == 64 ? fn(__nv_bfloat16{}, std::integral_constant<int, 64>{})
                                            : fn(__nv_bfloat16{}, std::integral_constant<int, 128>{});
  return d == 64 ? fn(float{}, std::integral_constant<int, 64>{}) : fn(float{}, std::integral_constant<int, 128>{});
}

// The tensor-core path: bf16, D 64/128, a device of compute capability >= 8.0, 16-byte
// aligned tensors (cp.async moves 16-byte chunks), batch within the grid's z limit, and not
// switched off with TX_CUDA_ATTENTION=simt (the parity runner's and benchmarks' way to run
// the baseline).
bool use_flash(const TensorView& q, std::initializer_list<const TensorView*> all, int64_t batch) {
  if (q.dtype != DType::kBF16 || (q.shape[2] != 64 && q.shape[2] != 128) || batch > 65535) return false;
  const char* env = std::getenv("TX_CUDA_ATTENTION");
  if (env != nullptr && std::strcmp(env, "simt") == 0) return false;
  for (const TensorView* t : all)
    if (reinterpret_cast<uintptr_t>(t->data) % 16 != 0) return false;
  int major = 0;
  if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, q.device_index) != cudaSuccess) return false;
  return major >= 8;
}

flash::Problem flash_problem(const TensorView& q, const TensorView& k, const TensorView& cu_host, bool causal,
                             float scale, const int32_t* cu_device) {
  const int32_t* cu = cu_host.as<const int32_t>();
  int max_len = 0;
  for (int64_t b = 0; b + 1 < cu_host.numel(); ++b) max_len = std::max(max_len, cu[b + 1] - cu[b]);
  return {static_cast<int>(q.shape[0]), static_cast<int>(q.shape[1]), static_cast<int>(k.shape[1]),
          static_cast<int>(cu_host.numel() - 1), static_cast<int>(q.shape[2]), max_len, causal, scale, cu_device};
}

}  // namespace

Status attention(const AttentionArgs& a, float scale, cudaStream_t stream) {
  TX_CUDA_CHECK(cudaSetDevice(a.q.device_index));
  Dims dm{static_cast<int>(a.q.shape[0]), static_cast<int>(a.q.shape[1]), static_cast<int>(a.k.shape[1]),
          static_cast<int>(a.cu_seqlens.numel() - 1), a.causal, scale};
  if (dm.nt == 0) return Status::ok();
  Scratch s;
  const int32_t* cu = nullptr;
  TX_RETURN_IF_ERROR(s.upload_i32(a.cu_seqlens, &cu, stream));
  if (use_flash(a.q, {&a.q, &a.k, &a.v, &a.out}, dm.batch)) {
    using B = __nv_bfloat16;
    TX_RETURN_IF_ERROR(flash::forward(flash_problem(a.q, a.k, a.cu_seqlens, a.causal, scale, cu), a.q.as<const B>(),
                                      a.k.as<const B>(), a.v.as<const B>(), a.out.as<B>(), a.lse.as<float>(), stream));
    TX_CUDA_CHECK(cudaStreamSynchronize(stream));  // scratch (cu) is freed on return
    return Status::ok();
  }
  TX_RETURN_IF_ERROR(dispatch(a.q.dtype, a.q.shape[2], [&](auto t, auto d) -> Status {
    using T = decltype(t);
    forward_kernel<T, decltype(d)::value><<<blocks_for(int64_t{dm.nt} * dm.hq), kWarpsPerBlock * kWarp, 0, stream>>>(
        a.q.as<const T>(), a.k.as<const T>(), a.v.as<const T>(), cu, dm, a.out.as<T>(), a.lse.as<float>());
    TX_CUDA_CHECK(cudaGetLastError());
    return Status::ok();
  }));
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));  // scratch (cu) is freed on return
  return Status::ok();
}

Status decode_attention(const DecodeAttentionArgs& a, float scale, cudaStream_t stream) {
  TX_CUDA_CHECK(cudaSetDevice(a.q.device_index));
  const int batch = static_cast<int>(a.q.shape[0]), hq = static_cast<int>(a.q.shape[1]);
  const int tmax = static_cast<int>(a.k_cache.shape[1]), hkv = static_cast<int>(a.k_cache.shape[2]);
  if (batch == 0) return Status::ok();
  Scratch s;
  const int32_t* lengths = nullptr;
  TX_RETURN_IF_ERROR(s.upload_i32(a.lengths, &lengths, stream));
  TX_RETURN_IF_ERROR(dispatch(a.q.dtype, a.q.shape[2], [&](auto t, auto d) -> Status {
    using T = decltype(t);
    decode_kernel<T, decltype(d)::value><<<blocks_for(int64_t{batch} * hq), kWarpsPerBlock * kWarp, 0, stream>>>(
        a.q.as<const T>(), a.k_cache.as<const T>(), a.v_cache.as<const T>(), lengths, batch, hq, hkv, tmax, scale,
        a.out.as<T>(), a.lse.as<float>());
    TX_CUDA_CHECK(cudaGetLastError());
    return Status::ok();
  }));
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  return Status::ok();
}

Status attention_backward(const AttentionBackwardArgs& a, float scale, cudaStream_t stream) {
  TX_CUDA_CHECK(cudaSetDevice(a.q.device_index));
  Dims dm{static_cast<int>(a.q.shape[0]), static_cast<int>(a.q.shape[1]), static_cast<int>(a.k.shape[1]),
          static_cast<int>(a.cu_seqlens.numel() - 1), a.causal, scale};
  if (dm.nt == 0) return Status::ok();
  Scratch s;
  const int32_t* cu = nullptr;
  TX_RETURN_IF_ERROR(s.upload_i32(a.cu_seqlens, &cu, stream));
  void* delta = nullptr;
  TX_RETURN_IF_ERROR(s.alloc(&delta, sizeof(float) * dm.nt * dm.hq));
  if (use_flash(a.q, {&a.q, &a.k, &a.v, &a.out, &a.grad_out, &a.grad_q, &a.grad_k, &a.grad_v}, dm.batch)) {
    using B = __nv_bfloat16;
    TX_RETURN_IF_ERROR(flash::backward(flash_problem(a.q, a.k, a.cu_seqlens, a.causal, scale, cu), a.q.as<const B>(),
                                       a.k.as<const B>(), a.v.as<const B>(), a.out.as<const B>(),
                                       a.grad_out.as<const B>(), a.lse.as<const float>(), static_cast<float*>(delta),
                                       a.grad_q.as<B>(), a.grad_k.as<B>(), a.grad_v.as<B>(), stream));
    TX_CUDA_CHECK(cudaStreamSynchronize(stream));
    return Status::ok();
  }
  TX_RETURN_IF_ERROR(dispatch(a.q.dtype, a.q.shape[2], [&](auto t, auto d) -> Status {
    using T = decltype(t);
    constexpr int kD = decltype(d)::value;
    const int threads = kWarpsPerBlock * kWarp;
    float* dl = static_cast<float*>(delta);
    delta_kernel<T, kD><<<blocks_for(int64_t{dm.nt} * dm.hq), threads, 0, stream>>>(a.out.as<const T>(),
                                                                                    a.grad_out.as<const T>(), dm, dl);
    TX_CUDA_CHECK(cudaGetLastError());
    grad_q_kernel<T, kD><<<blocks_for(int64_t{dm.nt} * dm.hq), threads, 0, stream>>>(
        a.q.as<const T>(), a.k.as<const T>(), a.v.as<const T>(), a.grad_out.as<const T>(), a.lse.as<const float>(), dl,
        cu, dm, a.grad_q.as<T>());
    TX_CUDA_CHECK(cudaGetLastError());
    grad_kv_kernel<T, kD><<<blocks_for(int64_t{dm.nt} * dm.hkv), threads, 0, stream>>>(
        a.q.as<const T>(), a.k.as<const T>(), a.v.as<const T>(), a.grad_out.as<const T>(), a.lse.as<const float>(), dl,
        cu, dm, a.grad_k.as<T>(), a.grad_v.as<T>());
    TX_CUDA_CHECK(cudaGetLastError());
    return Status::ok();
  }));
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  return Status::ok();
}

}  // namespace tx::cuda

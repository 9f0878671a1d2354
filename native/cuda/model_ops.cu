// Model ops on CUDA: RMSNorm, RoPE, SwiGLU, embedding, residual add (f32). Each forward is
// row-wise with a fixed reduction order, so rows are batch invariant as on the CPU. The
// embedding backward groups tokens by id on the host (cpu::group_by_id) and lets one block
// own each id: deterministic, no float atomics. RMSNorm's grad_weight sums fixed 64-row
// chunks per column, then the chunks in order.
#include <cmath>
#include <vector>

#include "cpu/embedding.h"
#include "cuda/common.cuh"
#include "cuda/model_ops.h"

namespace tx::cuda {

namespace {

constexpr int kThreads = 256;
constexpr int kChunkRows = 64;

// Fixed-order block sum of a per-thread partial (warp tree, then warps in order).
__device__ float block_sum(float v, float* scratch) {
  for (int o = kWarp / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return block_combine(v, scratch, [](float a, float b) { return a + b; });
}

__global__ void rms_norm_kernel(const float* x, const float* w, float* out, float* rstd, int d, float eps) {
  __shared__ float scratch[32];
  const long long r = blockIdx.x;
  const float* xr = x + r * d;
  float s = 0;
  for (int j = threadIdx.x; j < d; j += blockDim.x) s += xr[j] * xr[j];
  s = block_sum(s, scratch);
  const float rs = 1.0f / sqrtf(s / d + eps);
  if (threadIdx.x == 0) rstd[r] = rs;
  for (int j = threadIdx.x; j < d; j += blockDim.x) out[r * d + j] = w[j] * (xr[j] * rs);
}

__global__ void rms_norm_dx_kernel(const float* x, const float* w, const float* rstd, const float* go, float* gx, int d) {
  __shared__ float scratch[32];
  const long long r = blockIdx.x;
  const float rs = rstd[r];
  float s = 0;
  for (int j = threadIdx.x; j < d; j += blockDim.x) s += go[r * d + j] * w[j] * x[r * d + j];
  s = block_sum(s, scratch);
  const float k = s / d * rs * rs * rs;
  for (int j = threadIdx.x; j < d; j += blockDim.x) gx[r * d + j] = rs * (go[r * d + j] * w[j]) - x[r * d + j] * k;
}

// partial[c, j] = sum over rows of chunk c of go * x * rstd (rows in order).
__global__ void rms_norm_dw_partial(const float* x, const float* rstd, const float* go, float* partial, long long rows, int d) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  const long long c = blockIdx.y;
  if (j >= d) return;
  float s = 0;
  const long long end = min(rows, (c + 1) * kChunkRows);
  for (long long r = c * kChunkRows; r < end; ++r) s += go[r * d + j] * (x[r * d + j] * rstd[r]);
  partial[c * d + j] = s;
}

__global__ void rms_norm_dw_reduce(const float* partial, float* gw, long long chunks, int d, bool accumulate) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= d) return;
  float s = accumulate ? gw[j] : 0.0f;
  for (long long c = 0; c < chunks; ++c) s += partial[c * d + j];
  gw[j] = s;
}

__global__ void rope_kernel(const float* x, float* out, const int* pos, const float* table, long long tokens, int heads,
                            int hd, double theta, float sign) {
  const int half = hd / 2;
  const long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (idx >= tokens * heads * half) return;
  const int i = idx % half;
  const long long th = idx / half;
  const long long t = th / heads;
  float c, s;
  if (table != nullptr) {
    c = table[(long long)pos[t] * hd + i];
    s = table[(long long)pos[t] * hd + half + i];
  } else {
    const double ang = (double)pos[t] * pow(theta, -2.0 * i / (double)hd);
    c = (float)cos(ang);
    s = (float)sin(ang);
  }
  s *= sign;
  const float x1 = x[th * hd + i], x2 = x[th * hd + half + i];
  out[th * hd + i] = x1 * c - x2 * s;
  out[th * hd + half + i] = x2 * c + x1 * s;
}

__global__ void swiglu_kernel(const float* g, const float* u, float* out, long long n) {
  const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float sig = 1.0f / (1.0f + expf(-g[i]));
  out[i] = g[i] * sig * u[i];
}

__global__ void swiglu_backward_kernel(const float* g, const float* u, const float* go, float* gg, float* gu, long long n) {
  const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float gi = g[i], ui = u[i], goi = go[i];
  const float sig = 1.0f / (1.0f + expf(-gi));
  gu[i] = goi * gi * sig;
  gg[i] = goi * ui * sig * (1.0f + gi * (1.0f - sig));
}

__global__ void embedding_kernel(const float* w, const int* ids, float* out, int d) {
  const long long t = blockIdx.x;
  const long long row = ids[t];
  for (int j = threadIdx.x; j < d; j += blockDim.x) out[t * d + j] = w[row * d + j];
}

// Block j owns id uid[j]: sums its tokens' rows in token order.
__global__ void embedding_backward_kernel(const float* go, const int* order, const int* start, const int* uid, float* gw, int d) {
  const int j = blockIdx.x;
  float* row = gw + (long long)uid[j] * d;
  for (int c = threadIdx.x; c < d; c += blockDim.x) {
    float s = row[c];
    for (int k = start[j]; k < start[j + 1]; ++k) s += go[(long long)order[k] * d + c];
    row[c] = s;
  }
}

__global__ void add_kernel(const float* a, const float* b, float* out, long long n) {
  const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i < n) out[i] = a[i] + b[i];
}

int threads_for(long long d) { return d >= 256 ? 256 : d >= 128 ? 128 : d >= 64 ? 64 : 32; }

// Device scratch freed on scope exit.
struct DeviceScratch {
  std::vector<void*> ptrs;
  ~DeviceScratch() {
    for (void* p : ptrs) cudaFree(p);
  }
  template <typename T>
  Status alloc(T** p, size_t count) {
    void* q = nullptr;
    TX_CUDA_CHECK(cudaMalloc(&q, count * sizeof(T) + 1));
    ptrs.push_back(q);
    *p = static_cast<T*>(q);
    return Status::ok();
  }
};

}  // namespace

Status rms_norm(const RmsNormArgs& a, cudaStream_t stream) {
  if (a.rows == 0) return Status::ok();
  rms_norm_kernel<<<a.rows, threads_for(a.dim), 0, stream>>>(a.x.as<const float>(), a.weight.as<const float>(),
                                                              a.out.as<float>(), a.rstd.as<float>(), (int)a.dim, (float)a.eps);
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

Status rms_norm_backward(const RmsNormBackwardArgs& a, cudaStream_t stream) {
  const long long chunks = (a.rows + kChunkRows - 1) / kChunkRows;
  DeviceScratch scratch;
  float* partial = nullptr;
  TX_RETURN_IF_ERROR(scratch.alloc(&partial, static_cast<size_t>(chunks * a.dim)));
  const int d = (int)a.dim;
  if (chunks > 0) {
    // dW first: grad_x may alias grad_out.
    rms_norm_dw_partial<<<dim3(ceil_div(d, kThreads), (unsigned)chunks), kThreads, 0, stream>>>(
        a.x.as<const float>(), a.rstd.as<const float>(), a.grad_out.as<const float>(), partial, a.rows, d);
    TX_CUDA_CHECK(cudaGetLastError());
  }
  rms_norm_dw_reduce<<<ceil_div(d, kThreads), kThreads, 0, stream>>>(partial, a.grad_weight.as<float>(), chunks, d, a.accumulate);
  TX_CUDA_CHECK(cudaGetLastError());
  if (a.rows > 0) {
    rms_norm_dx_kernel<<<a.rows, threads_for(d), 0, stream>>>(a.x.as<const float>(), a.weight.as<const float>(),
                                                              a.rstd.as<const float>(), a.grad_out.as<const float>(),
                                                              a.grad_x.as<float>(), d);
    TX_CUDA_CHECK(cudaGetLastError());
  }
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));  // scratch is freed on return
  return Status::ok();
}

Status rope(const RopeArgs& a, bool inverse, cudaStream_t stream) {
  const long long n = a.tokens * a.heads * (a.head_dim / 2);
  if (n == 0) return Status::ok();
  DeviceScratch scratch;
  int* pos = nullptr;
  TX_RETURN_IF_ERROR(scratch.alloc(&pos, static_cast<size_t>(a.tokens)));
  TX_CUDA_CHECK(cudaMemcpyAsync(pos, a.positions.data, sizeof(int) * a.tokens, cudaMemcpyHostToDevice, stream));
  rope_kernel<<<ceil_div(n, kThreads), kThreads, 0, stream>>>(a.x.as<const float>(), a.out.as<float>(), pos,
                                                              a.table.defined() ? a.table.as<const float>() : nullptr,
                                                              a.tokens, (int)a.heads, (int)a.head_dim, a.theta,
                                                              inverse ? -1.0f : 1.0f);
  TX_CUDA_CHECK(cudaGetLastError());
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  return Status::ok();
}

Status swiglu(const SwigluArgs& a, cudaStream_t stream) {
  const long long n = a.gate.numel();
  if (n == 0) return Status::ok();
  swiglu_kernel<<<ceil_div(n, kThreads), kThreads, 0, stream>>>(a.gate.as<const float>(), a.up.as<const float>(), a.out.as<float>(), n);
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

Status swiglu_backward(const SwigluBackwardArgs& a, cudaStream_t stream) {
  const long long n = a.gate.numel();
  if (n == 0) return Status::ok();
  swiglu_backward_kernel<<<ceil_div(n, kThreads), kThreads, 0, stream>>>(
      a.gate.as<const float>(), a.up.as<const float>(), a.grad_out.as<const float>(), a.grad_gate.as<float>(),
      a.grad_up.as<float>(), n);
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

Status embedding(const EmbeddingArgs& a, cudaStream_t stream) {
  const long long tokens = a.ids.numel();
  if (tokens == 0) return Status::ok();
  DeviceScratch scratch;
  int* ids = nullptr;
  TX_RETURN_IF_ERROR(scratch.alloc(&ids, static_cast<size_t>(tokens)));
  TX_CUDA_CHECK(cudaMemcpyAsync(ids, a.ids.data, sizeof(int) * tokens, cudaMemcpyHostToDevice, stream));
  embedding_kernel<<<tokens, threads_for(a.dim), 0, stream>>>(a.weight.as<const float>(), ids, a.out.as<float>(), (int)a.dim);
  TX_CUDA_CHECK(cudaGetLastError());
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  return Status::ok();
}

Status embedding_backward(const EmbeddingBackwardArgs& a, cudaStream_t stream) {
  if (!a.accumulate) TX_CUDA_CHECK(cudaMemsetAsync(a.grad_weight.data, 0, a.grad_weight.nbytes(), stream));
  const long long tokens = a.ids.numel();
  if (tokens == 0) return Status::ok();
  std::vector<int32_t> order, start, uid;
  cpu::group_by_id(a.ids.as<const int32_t>(), tokens, a.vocab, &order, &start, &uid);
  DeviceScratch scratch;
  int *d_order = nullptr, *d_start = nullptr, *d_uid = nullptr;
  TX_RETURN_IF_ERROR(scratch.alloc(&d_order, order.size()));
  TX_RETURN_IF_ERROR(scratch.alloc(&d_start, start.size()));
  TX_RETURN_IF_ERROR(scratch.alloc(&d_uid, uid.size()));
  TX_CUDA_CHECK(cudaMemcpyAsync(d_order, order.data(), sizeof(int) * order.size(), cudaMemcpyHostToDevice, stream));
  TX_CUDA_CHECK(cudaMemcpyAsync(d_start, start.data(), sizeof(int) * start.size(), cudaMemcpyHostToDevice, stream));
  TX_CUDA_CHECK(cudaMemcpyAsync(d_uid, uid.data(), sizeof(int) * uid.size(), cudaMemcpyHostToDevice, stream));
  embedding_backward_kernel<<<(unsigned)uid.size(), threads_for(a.dim), 0, stream>>>(a.grad_out.as<const float>(), d_order,
                                                                                    d_start, d_uid, a.grad_weight.as<float>(),
                                                                                    (int)a.dim);
  TX_CUDA_CHECK(cudaGetLastError());
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));  // host vectors and scratch die on return
  return Status::ok();
}

Status residual_add(const ResidualAddArgs& a, cudaStream_t stream) {
  const long long n = a.a.numel();
  if (n == 0) return Status::ok();
  add_kernel<<<ceil_div(n, kThreads), kThreads, 0, stream>>>(a.a.as<const float>(), a.b.as<const float>(), a.out.as<float>(), n);
  TX_CUDA_CHECK(cudaGetLastError());
  return Status::ok();
}

}  // namespace tx::cuda

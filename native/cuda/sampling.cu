// Token sampling on CUDA: a block per row. Thresholds are found by radix selection over
// the f32 keys of z = logit / T (32 counting passes, no sort): top-k takes the largest key
// with at least k keys >= it, top-p the largest key whose upper set holds topP of the kept
// mass. The CPU twin applies the same rules with a sort, and both draw the same Philox
// numbers (common/philox.h), so a row samples the same token on either device.
#include <climits>
#include <vector>

#include "common/philox.h"
#include "cuda/common.cuh"
#include "cuda/sampling.h"

namespace tx::cuda {

namespace {

constexpr int kBlock = 512;

struct SampleParams {
  const float* logits;
  long long vocab;
  const int32_t* seq_ids;    // device
  const int32_t* positions;  // device
  uint64_t seed;
  double temperature;
  int top_k;
  double top_p;
  int32_t* tokens;
  long long* bad;        // atomicMin, LLONG_MAX = none
  int* empty_row;        // atomicMin, INT_MAX = none
};

__device__ __forceinline__ float zval(const SampleParams& p, float x) {
  return static_cast<float>(static_cast<double>(x) / p.temperature);
}

// Block-wide argmax of (value, index), lower index on ties.
__device__ void block_argmax(double& v, long long& i, double* sv, long long* si) {
  for (int o = kWarp / 2; o > 0; o >>= 1) {
    const double ov = __shfl_xor_sync(0xffffffffu, v, o);
    const long long oi = __shfl_xor_sync(0xffffffffu, i, o);
    if (ov > v || (ov == v && oi < i)) {
      v = ov;
      i = oi;
    }
  }
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  __syncthreads();
  if (lane == 0) {
    sv[warp] = v;
    si[warp] = i;
  }
  __syncthreads();
  v = sv[0];
  i = si[0];
  for (int w = 1; w < static_cast<int>(blockDim.x / kWarp); ++w) {
    if (sv[w] > v || (sv[w] == v && si[w] < i)) {
      v = sv[w];
      i = si[w];
    }
  }
}

__global__ void sample_kernel(SampleParams p) {
  __shared__ double dscr[32];
  __shared__ long long iscr[32];
  __shared__ float fscr[32];
  const long long row = blockIdx.x;
  const float* x = p.logits + row * p.vocab;
  const auto add = [](double a, double b) { return a + b; };

  // Pass 0: bad values, max z, and whether any logit is finite.
  double bad = 1e300;  // smallest bad index, as a double (exact below 2^53)
  float zmax = -INFINITY;
  for (long long i = threadIdx.x; i < p.vocab; i += blockDim.x) {
    const float v = x[i];
    if (isnan(v) || v == INFINITY) bad = fmin(bad, static_cast<double>(i));
    if (v > -INFINITY) zmax = fmaxf(zmax, p.temperature == 0 ? v : zval(p, v));
  }
  for (int o = kWarp / 2; o > 0; o >>= 1) bad = fmin(bad, __shfl_xor_sync(0xffffffffu, bad, o));
  bad = block_combine(bad, dscr, [](double a, double b) { return fmin(a, b); });
  zmax = block_combine(warp_max(zmax), fscr, [](float a, float b) { return fmaxf(a, b); });
  if (bad < 1e300) {
    if (threadIdx.x == 0) atomicMin(reinterpret_cast<unsigned long long*>(p.bad),
                                    static_cast<unsigned long long>(row * p.vocab + static_cast<long long>(bad)));
    return;
  }
  if (!(zmax > -INFINITY)) {
    if (threadIdx.x == 0) atomicMin(p.empty_row, static_cast<int>(row));
    return;
  }
  if (p.temperature == 0) {  // greedy: first argmax of the raw logits
    double v = -INFINITY;
    long long idx = LLONG_MAX;
    for (long long i = threadIdx.x; i < p.vocab; i += blockDim.x) {
      if (x[i] > -INFINITY && (x[i] > v || idx == LLONG_MAX)) {
        v = x[i];
        idx = i;
      }
    }
    block_argmax(v, idx, dscr, iscr);
    if (threadIdx.x == 0) p.tokens[row] = static_cast<int32_t>(idx);
    return;
  }

  uint32_t thr = 0;
  if (p.top_k > 0) {  // largest key with at least k finite keys >= it
    uint32_t prefix = 0;
    for (int bit = 31; bit >= 0; --bit) {
      const uint32_t cand = prefix | (1u << bit);
      double cnt = 0;
      for (long long i = threadIdx.x; i < p.vocab; i += blockDim.x) {
        const float z = zval(p, x[i]);
        cnt += (z > -INFINITY && float_key(z) >= cand) ? 1.0 : 0.0;
      }
      cnt = block_combine(warp_sum(cnt), dscr, add);
      if (cnt >= p.top_k) prefix = cand;
    }
    thr = prefix;
  }
  if (p.top_p < 1) {  // largest key whose upper set holds top_p of the kept mass
    double total = 0;
    for (long long i = threadIdx.x; i < p.vocab; i += blockDim.x) {
      const float z = zval(p, x[i]);
      if (z > -INFINITY && float_key(z) >= thr) total += exp(static_cast<double>(z) - zmax);
    }
    total = block_combine(warp_sum(total), dscr, add);
    const double target = p.top_p * total;
    uint32_t prefix = 0;
    for (int bit = 31; bit >= 0; --bit) {
      const uint32_t cand = prefix | (1u << bit);
      double mass = 0;
      for (long long i = threadIdx.x; i < p.vocab; i += blockDim.x) {
        const float z = zval(p, x[i]);
        if (z > -INFINITY && float_key(z) >= thr && float_key(z) >= cand) mass += exp(static_cast<double>(z) - zmax);
      }
      mass = block_combine(warp_sum(mass), dscr, add);
      if (mass >= target) prefix = cand;
    }
    thr = prefix > thr ? prefix : thr;
  }

  const uint32_t seq = static_cast<uint32_t>(p.seq_ids[row]), pos = static_cast<uint32_t>(p.positions[row]);
  double v = -INFINITY;
  long long idx = LLONG_MAX;
  for (long long i = threadIdx.x; i < p.vocab; i += blockDim.x) {
    const float z = zval(p, x[i]);
    if (!(z > -INFINITY) || float_key(z) < thr) continue;
    const double g = static_cast<double>(z) - log(-log(sample_uniform(p.seed, seq, pos, static_cast<uint32_t>(i))));
    if (g > v || (g == v && i < idx)) {
      v = g;
      idx = i;
    }
  }
  block_argmax(v, idx, dscr, iscr);
  if (threadIdx.x == 0) p.tokens[row] = static_cast<int32_t>(idx);
}

}  // namespace

Status sample(const SampleArgs& a, int64_t* bad, bool* empty_row, cudaStream_t stream) {
  *bad = -1;
  *empty_row = false;
  TX_CUDA_CHECK(cudaSetDevice(a.logits.device_index));
  const long long rows = a.tokens.numel();
  if (rows == 0) return Status::ok();
  std::vector<void*> scratch;
  struct Free {
    std::vector<void*>& s;
    ~Free() {
      for (void* q : s) cudaFree(q);
    }
  } free_all{scratch};
  void *d_seq = nullptr, *d_pos = nullptr, *d_bad = nullptr, *d_empty = nullptr;
  for (void** q : {&d_seq, &d_pos}) {
    TX_CUDA_CHECK(cudaMalloc(q, sizeof(int32_t) * rows));
    scratch.push_back(*q);
  }
  TX_CUDA_CHECK(cudaMalloc(&d_bad, sizeof(long long)));
  scratch.push_back(d_bad);
  TX_CUDA_CHECK(cudaMalloc(&d_empty, sizeof(int)));
  scratch.push_back(d_empty);
  const long long none = LLONG_MAX;
  const int no_row = INT_MAX;
  TX_CUDA_CHECK(cudaMemcpyAsync(d_seq, a.seq_ids.data, sizeof(int32_t) * rows, cudaMemcpyHostToDevice, stream));
  TX_CUDA_CHECK(cudaMemcpyAsync(d_pos, a.positions.data, sizeof(int32_t) * rows, cudaMemcpyHostToDevice, stream));
  TX_CUDA_CHECK(cudaMemcpyAsync(d_bad, &none, sizeof(none), cudaMemcpyHostToDevice, stream));
  TX_CUDA_CHECK(cudaMemcpyAsync(d_empty, &no_row, sizeof(no_row), cudaMemcpyHostToDevice, stream));
  SampleParams p{a.logits.as<const float>(), a.vocab, static_cast<const int32_t*>(d_seq),
                 static_cast<const int32_t*>(d_pos), a.seed, a.temperature, a.top_k, a.top_p,
                 a.tokens.as<int32_t>(), static_cast<long long*>(d_bad), static_cast<int*>(d_empty)};
  sample_kernel<<<static_cast<unsigned>(rows), kBlock, 0, stream>>>(p);
  TX_CUDA_CHECK(cudaGetLastError());
  long long b = none;
  int e = no_row;
  TX_CUDA_CHECK(cudaMemcpyAsync(&b, d_bad, sizeof(b), cudaMemcpyDeviceToHost, stream));
  TX_CUDA_CHECK(cudaMemcpyAsync(&e, d_empty, sizeof(e), cudaMemcpyDeviceToHost, stream));
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  if (b != none) *bad = b;
  else if (e != no_row) {
    *bad = e;
    *empty_row = true;
  }
  return Status::ok();
}

}  // namespace tx::cuda

// Grouped advantage normalization on CUDA: one launch for all groups.
// - warp per group (GRPO groups are small: 4-64 rollouts), 8 groups per 256-thread block;
// - block per group when a group is larger than kBlockGroupThreshold, so a single
//   million-reward group is not serialized on 32 lanes.
// Same formula as the CPU twin (common/advantage_math.h); statistics in double.
#include <climits>
#include <vector>

#include "common/advantage_math.h"
#include "cuda/common.cuh"
#include "cuda/advantage.h"
#include "cuda/scratch.cuh"

namespace tx::cuda {

namespace {

constexpr int kBlock = 256;
constexpr int kBlockGroupThreshold = 2048;

struct AdvantageParams {
  const float* rewards;
  const int32_t* offsets;  // device copy, G+1
  int groups;
  AdvantageMode mode;
  StdKind std_kind;
  double eps;
  float* advantages;
  float* mean;
  float* std;
  uint8_t* zero_variance;
  int* first_bad;  // atomicMin target, INT_MAX = none
};

// kBlockPerGroup: the whole block is one team; otherwise each warp is a team.
template <bool kBlockPerGroup>
__global__ void grouped_advantages_kernel(AdvantageParams p) {
  __shared__ double dscratch[32];
  __shared__ float fscratch[32];
  __shared__ int iscratch[32];
  const int lane = kBlockPerGroup ? threadIdx.x : threadIdx.x % kWarp;
  const int width = kBlockPerGroup ? blockDim.x : kWarp;
  const int g = kBlockPerGroup ? blockIdx.x : blockIdx.x * (blockDim.x / kWarp) + threadIdx.x / kWarp;
  // g is uniform across a team, so the early return never splits a reduction.
  if (g >= p.groups) return;
  const int lo = p.offsets[g], hi = p.offsets[g + 1];
  const int n = hi - lo;
  if (n == 0) {
    if (lane == 0) {
      p.mean[g] = 0.0f;
      p.std[g] = 0.0f;
      p.zero_variance[g] = 1;
    }
    return;
  }

  double sum = 0.0;
  float mn = INFINITY, mx = -INFINITY;
  int bad = INT_MAX;
  for (int i = lo + lane; i < hi; i += width) {
    const float x = p.rewards[i];
    if (!isfinite(x)) bad = min(bad, i);
    sum += x;
    mn = fminf(mn, x);
    mx = fmaxf(mx, x);
  }
  sum = warp_sum(sum);
  mn = warp_min(mn);
  mx = warp_max(mx);
  bad = warp_min_int(bad);
  if (kBlockPerGroup) {
    sum = block_combine(sum, dscratch, [](double a, double b) { return a + b; });
    mn = block_combine(mn, fscratch, [](float a, float b) { return fminf(a, b); });
    mx = block_combine(mx, fscratch, [](float a, float b) { return fmaxf(a, b); });
    bad = block_combine(bad, iscratch, [](int a, int b) { return min(a, b); });
  }
  if (bad != INT_MAX) {
    if (lane == 0) atomicMin(p.first_bad, bad);
    return;
  }

  GroupStats s;
  s.zero_variance = mn == mx;
  s.mean = s.zero_variance ? static_cast<double>(mn) : sum / n;
  double ss = 0.0;
  if (!s.zero_variance) {
    for (int i = lo + lane; i < hi; i += width) {
      const double d = static_cast<double>(p.rewards[i]) - s.mean;
      ss += d * d;
    }
    ss = warp_sum(ss);
    if (kBlockPerGroup) ss = block_combine(ss, dscratch, [](double a, double b) { return a + b; });
  }
  s.std = sqrt(group_variance(ss, n, p.std_kind));
  const double scale = group_scale(s, n, p.mode, p.eps);
  for (int i = lo + lane; i < hi; i += width) p.advantages[i] = group_advantage(p.rewards[i], s, scale);
  if (lane == 0) {
    p.mean[g] = static_cast<float>(s.mean);
    p.std[g] = static_cast<float>(s.std);
    p.zero_variance[g] = s.zero_variance ? 1 : 0;
  }
}

// Warp per rollout: writes A_i (or 0 where the mask is 0) to the rollout's tokens.
__global__ void broadcast_kernel(const float* adv, const int32_t* seq, const uint8_t* mask, int rows, float* out) {
  const int i = blockIdx.x * (blockDim.x / kWarp) + threadIdx.x / kWarp;
  if (i >= rows) return;
  const float v = adv[i];
  for (int t = seq[i] + threadIdx.x % kWarp; t < seq[i + 1]; t += kWarp) {
    out[t] = (mask == nullptr || mask[t]) ? v : 0.0f;
  }
}

}  // namespace

Status grouped_advantages(const GroupedAdvantagesArgs& a, int64_t* first_bad, cudaStream_t stream) {
  *first_bad = -1;
  TX_CUDA_CHECK(cudaSetDevice(a.rewards.device_index));
  const int groups = static_cast<int>(a.group_offsets.numel() - 1);
  const int rows = static_cast<int>(a.rewards.numel());
  const int32_t* host_off = a.group_offsets.as<const int32_t>();
  int largest = 0;
  for (int g = 0; g < groups; ++g) largest = max(largest, host_off[g + 1] - host_off[g]);

  Scratch buf;
  void* d_off = nullptr;
  void* d_bad = nullptr;
  TX_RETURN_IF_ERROR(buf.alloc(&d_off, sizeof(int32_t) * (groups + 1)));
  TX_RETURN_IF_ERROR(buf.alloc(&d_bad, sizeof(int)));
  TX_CUDA_CHECK(cudaMemcpyAsync(d_off, host_off, sizeof(int32_t) * (groups + 1), cudaMemcpyHostToDevice, stream));
  const int none = INT_MAX;
  TX_CUDA_CHECK(cudaMemcpyAsync(d_bad, &none, sizeof(int), cudaMemcpyHostToDevice, stream));

  AdvantageParams p{a.rewards.as<const float>(), static_cast<const int32_t*>(d_off), groups, a.mode, a.std_kind,
                    a.eps, a.advantages.as<float>(), a.mean.as<float>(), a.std.as<float>(),
                    a.zero_variance.as<uint8_t>(), static_cast<int*>(d_bad)};
  if (groups > 0) {
    if (largest > kBlockGroupThreshold) {
      grouped_advantages_kernel<true><<<groups, kBlock, 0, stream>>>(p);
    } else {
      grouped_advantages_kernel<false><<<ceil_div(groups, kBlock / kWarp), kBlock, 0, stream>>>(p);
    }
    TX_CUDA_CHECK(cudaGetLastError());
  }
  int bad = INT_MAX;
  TX_CUDA_CHECK(cudaMemcpyAsync(&bad, d_bad, sizeof(int), cudaMemcpyDeviceToHost, stream));
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  if (bad != INT_MAX) {
    *first_bad = bad;
    return Status::ok();
  }

  if (a.seq_offsets.defined() && rows > 0) {
    const int tokens = a.seq_offsets.as<const int32_t>()[rows];
    void* d_seq = nullptr;
    TX_RETURN_IF_ERROR(buf.alloc(&d_seq, sizeof(int32_t) * (rows + 1)));
    TX_CUDA_CHECK(cudaMemcpyAsync(d_seq, a.seq_offsets.data, sizeof(int32_t) * (rows + 1), cudaMemcpyHostToDevice,
                                  stream));
    const uint8_t* d_mask = nullptr;
    if (a.response_mask.defined()) {
      if (a.response_mask.device == Device::kCuda) {
        d_mask = a.response_mask.as<const uint8_t>();
      } else {
        void* m = nullptr;
        TX_RETURN_IF_ERROR(buf.alloc(&m, static_cast<size_t>(tokens)));
        TX_CUDA_CHECK(cudaMemcpyAsync(m, a.response_mask.data, tokens, cudaMemcpyHostToDevice, stream));
        d_mask = static_cast<const uint8_t*>(m);
      }
    }
    broadcast_kernel<<<ceil_div(rows, kBlock / kWarp), kBlock, 0, stream>>>(
        a.advantages.as<const float>(), static_cast<const int32_t*>(d_seq), d_mask, rows,
        a.token_advantages.as<float>());
    TX_CUDA_CHECK(cudaGetLastError());
    TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  return Status::ok();
}

}  // namespace tx::cuda

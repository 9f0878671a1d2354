// GRPO policy loss on CUDA: a block per sequence. Launch 1 counts masked tokens per
// sequence; the host turns counts into aggregation weights (same code as the CPU path);
// launch 2 writes gradLogp and one partial-sum record per sequence, which the host reduces
// in sequence order. Per-token math: common/grpo_loss_math.h, shared with the CPU twin.
#include <climits>
#include <vector>

#include "common/grpo_loss_host.h"
#include "cuda/common.cuh"
#include "cuda/grpo_loss.h"
#include "cuda/scratch.cuh"

namespace tx::cuda {

namespace {

constexpr int kBlock = 256;

__global__ void count_kernel(const uint8_t* mask, const int32_t* off, long long* counts) {
  __shared__ double scratch[32];
  const int s = blockIdx.x;
  double n = 0;  // exact in double up to 2^53
  for (int t = off[s] + threadIdx.x; t < off[s + 1]; t += blockDim.x) n += mask[t] != 0;
  n = block_combine(warp_sum(n), scratch, [](double a, double b) { return a + b; });
  if (threadIdx.x == 0) counts[s] = static_cast<long long>(n);
}

struct LossParams {
  const float *logp, *old_logp, *ref_logp, *adv;
  const uint8_t* mask;
  const int32_t* off;
  const double* weights;  // per sequence
  GrpoTokenParams token;
  float* grad;
  GrpoSeqPartial* parts;
  int* first_bad;
};

__global__ void loss_kernel(LossParams p) {
  __shared__ double scratch[32];
  const int s = blockIdx.x;
  const double w = p.weights[s];
  double acc[7] = {0, 0, 0, 0, 0, 0, 0};
  int bad = INT_MAX;
  for (int t = p.off[s] + threadIdx.x; t < p.off[s + 1]; t += blockDim.x) {
    if (!p.mask[t]) {
      p.grad[t] = 0.0f;
      continue;
    }
    const float lp = p.logp[t], olp = p.old_logp[t], a = p.adv[t];
    const float r = p.token.has_ref ? p.ref_logp[t] : 0.0f;
    if (!isfinite(lp) || !isfinite(olp) || !isfinite(a) || !isfinite(r)) {
      bad = min(bad, t);
      p.grad[t] = 0.0f;
      continue;
    }
    const GrpoToken k = grpo_token(lp, olp, r, a, p.token);
    p.grad[t] = static_cast<float>(w * k.grad);
    acc[0] += k.loss;
    acc[1] += k.ratio;
    acc[2] += k.neg_log_ratio;
    acc[3] += k.kl;
    acc[4] += k.clip_high;
    acc[5] += k.clip_low;
    acc[6] += k.dual;
  }
  const auto add = [](double a, double b) { return a + b; };
  for (int i = 0; i < 7; ++i) acc[i] = block_combine(warp_sum(acc[i]), scratch, add);
  bad = warp_min_int(bad);
  if (threadIdx.x % kWarp == 0 && bad != INT_MAX) atomicMin(p.first_bad, bad);
  if (threadIdx.x == 0) p.parts[s] = GrpoSeqPartial{acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6]};
}

}  // namespace

Status grpo_loss(const GrpoLossArgs& a, GrpoLossResult* result, int64_t* first_bad, cudaStream_t stream) {
  *first_bad = -1;
  TX_CUDA_CHECK(cudaSetDevice(a.logp.device_index));
  const int seqs = static_cast<int>(a.seq_offsets.numel() - 1);
  Scratch buf;
  int32_t* d_off = nullptr;
  long long* d_counts = nullptr;
  double* d_weights = nullptr;
  GrpoSeqPartial* d_parts = nullptr;
  int* d_bad = nullptr;
  TX_RETURN_IF_ERROR(buf.alloc_array(&d_off, seqs + 1));
  TX_RETURN_IF_ERROR(buf.alloc_array(&d_counts, seqs));
  TX_RETURN_IF_ERROR(buf.alloc_array(&d_weights, seqs));
  TX_RETURN_IF_ERROR(buf.alloc_array(&d_parts, seqs));
  TX_RETURN_IF_ERROR(buf.alloc_array(&d_bad, 1));
  TX_CUDA_CHECK(cudaMemcpyAsync(d_off, a.seq_offsets.data, sizeof(int32_t) * (seqs + 1), cudaMemcpyHostToDevice, stream));
  const int none = INT_MAX;
  TX_CUDA_CHECK(cudaMemcpyAsync(d_bad, &none, sizeof(int), cudaMemcpyHostToDevice, stream));

  std::vector<int64_t> counts(seqs);
  if (seqs > 0) {
    count_kernel<<<seqs, kBlock, 0, stream>>>(a.mask.as<const uint8_t>(), d_off, d_counts);
    TX_CUDA_CHECK(cudaGetLastError());
    std::vector<long long> c(seqs);
    TX_CUDA_CHECK(cudaMemcpyAsync(c.data(), d_counts, sizeof(long long) * seqs, cudaMemcpyDeviceToHost, stream));
    TX_CUDA_CHECK(cudaStreamSynchronize(stream));
    for (int s = 0; s < seqs; ++s) counts[s] = c[s];
  }
  const GrpoTotals totals = grpo_totals(a, counts.data(), seqs);
  std::vector<double> weights(seqs);
  for (int s = 0; s < seqs; ++s) weights[s] = grpo_seq_weight(a.aggregation, counts[s], totals.tokens, totals.seqs, totals.norm);
  std::vector<GrpoSeqPartial> parts(seqs);
  if (seqs > 0) {
    TX_CUDA_CHECK(cudaMemcpyAsync(d_weights, weights.data(), sizeof(double) * seqs, cudaMemcpyHostToDevice, stream));
    LossParams p{a.logp.as<const float>(), a.old_logp.as<const float>(),
                 a.ref_logp.defined() ? a.ref_logp.as<const float>() : nullptr, a.advantages.as<const float>(),
                 a.mask.as<const uint8_t>(), d_off, d_weights, grpo_params(a), a.grad_logp.as<float>(), d_parts, d_bad};
    loss_kernel<<<seqs, kBlock, 0, stream>>>(p);
    TX_CUDA_CHECK(cudaGetLastError());
    TX_CUDA_CHECK(cudaMemcpyAsync(parts.data(), d_parts, sizeof(GrpoSeqPartial) * seqs, cudaMemcpyDeviceToHost, stream));
  }
  int bad = INT_MAX;
  TX_CUDA_CHECK(cudaMemcpyAsync(&bad, d_bad, sizeof(int), cudaMemcpyDeviceToHost, stream));
  TX_CUDA_CHECK(cudaStreamSynchronize(stream));
  if (bad != INT_MAX) {
    *first_bad = bad;
    return Status::ok();
  }
  grpo_finish(a, parts.data(), counts.data(), seqs, totals, result);
  return Status::ok();
}

}  // namespace tx::cuda

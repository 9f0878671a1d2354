// GRPO loss: a CPU self-check (the gradient against central differences of the CPU loss),
// and the CUDA kernel against its CPU twin for every aggregation mode and KL type.
#include <cmath>

#include "parity.h"
#include "tx/device.h"
#include "tx/ops.h"

namespace tx::parity {

namespace {

struct Problem {
  std::vector<float> logp, old_logp, ref_logp, adv, grad;
  std::vector<uint8_t> mask;
  std::vector<int32_t> off;
};

Problem make_problem(std::mt19937_64& rng, int seqs, int max_len) {
  Problem p;
  p.off.push_back(0);
  for (int s = 0; s < seqs; ++s) p.off.push_back(p.off.back() + static_cast<int32_t>(rng() % (max_len + 1)));
  const size_t n = static_cast<size_t>(p.off.back());
  p.old_logp = random_floats(rng, n, -5.0f, 0.0f);
  std::vector<float> d = random_floats(rng, n, -0.6f, 0.6f), e = random_floats(rng, n, -1.0f, 1.0f);
  p.logp.resize(n);
  p.ref_logp.resize(n);
  for (size_t i = 0; i < n; ++i) {
    p.logp[i] = p.old_logp[i] + d[i];
    p.ref_logp[i] = p.logp[i] + e[i];
  }
  p.adv.resize(n);
  for (int s = 0; s < seqs; ++s) {
    const float a = random_floats(rng, 1, -2.0f, 2.0f)[0];
    for (int32_t t = p.off[s]; t < p.off[s + 1]; ++t) p.adv[t] = a;
  }
  p.mask.resize(n);
  for (auto& m : p.mask) m = static_cast<uint8_t>(rng() % 5 != 0);
  p.grad.assign(n, NAN);
  return p;
}

GrpoLossArgs host_args(Problem& p, LossAggregation agg, KlType kl) {
  const int64_t n = static_cast<int64_t>(p.logp.size());
  GrpoLossArgs a;
  a.logp = TensorView::contiguous(p.logp.data(), {n}, DType::kF32);
  a.old_logp = TensorView::contiguous(p.old_logp.data(), {n}, DType::kF32);
  a.ref_logp = TensorView::contiguous(p.ref_logp.data(), {n}, DType::kF32);
  a.advantages = TensorView::contiguous(p.adv.data(), {n}, DType::kF32);
  a.mask = TensorView::contiguous(p.mask.data(), {n}, DType::kU8);
  a.seq_offsets = TensorView::contiguous(p.off.data(), {static_cast<int64_t>(p.off.size())}, DType::kI32);
  a.grad_logp = TensorView::contiguous(p.grad.data(), {n}, DType::kF32);
  a.dual_clip = 3;
  a.kl_coef = 0.1;
  a.kl_type = kl;
  a.aggregation = agg;
  return a;
}

constexpr LossAggregation kAggs[] = {LossAggregation::kTokenMean, LossAggregation::kSeqMeanTokenMean,
                                     LossAggregation::kSeqMeanTokenSum, LossAggregation::kSeqMeanTokenSumNorm};

void cpu_checks(const Options& opts, std::vector<CaseResult>& out) {
  std::mt19937_64 rng(opts.seed);
  for (LossAggregation agg : kAggs) {
    CaseResult r{"grpoLoss", "B=8 finite differences agg " + std::to_string(static_cast<int>(agg)), "cpu"};
    Problem p = make_problem(rng, 8, 12);
    GrpoLossArgs a = host_args(p, agg, KlType::kK3);
    GrpoLossResult base;
    if (!ok_or(grpo_loss(a, &base), r)) {
      out.push_back(r);
      continue;
    }
    const std::vector<float> grad = p.grad;
    // Perturb logp in float: h large enough to be representable around |logp| <= 6.
    const float h = 1e-3f;
    int checked = 0;
    for (size_t i = 0; i < p.logp.size(); ++i) {
      const float x = p.logp[i];
      GrpoLossResult up, down;
      p.logp[i] = x + h;
      grpo_loss(a, &up);
      p.logp[i] = x - h;
      grpo_loss(a, &down);
      p.logp[i] = x;
      const double step = (static_cast<double>(x + h) - static_cast<double>(x - h));
      const double fd = (up.loss - down.loss) / step;
      // Skip tokens whose +-h step crosses a clip bound (the loss has a kink there).
      if (up.clip_frac_high != down.clip_frac_high || up.clip_frac_low != down.clip_frac_low ||
          up.dual_clip_frac != down.dual_clip_frac) continue;
      r.max_abs_err = std::max(r.max_abs_err, std::fabs(fd - grad[i]) / (1e-3 + std::fabs(fd)));
      ++checked;
    }
    r.passed = checked > 0 && r.max_abs_err < 1e-3;
    out.push_back(r);
  }
}

void cuda_case(const Options& opts, std::vector<CaseResult>& out, int seqs, int max_len, LossAggregation agg, KlType kl) {
  CaseResult r{"grpoLoss", "B=" + std::to_string(seqs) + " L<=" + std::to_string(max_len) + " agg " +
                               std::to_string(static_cast<int>(agg)) + " kl " + std::to_string(static_cast<int>(kl)),
               "cuda"};
  std::mt19937_64 rng(opts.seed + static_cast<uint64_t>(seqs));
  Problem p = make_problem(rng, seqs, max_len);
  GrpoLossArgs ha = host_args(p, agg, kl);
  GrpoLossResult want, got;
  if (!ok_or(grpo_loss(ha, &want), r)) return out.push_back(r);
  void* d[] = {to_device(p.logp, r), to_device(p.old_logp, r), to_device(p.ref_logp, r), to_device(p.adv, r),
               to_device(p.mask, r), to_device(p.grad, r)};
  bool all = true;
  for (void* q : d) all = all && q != nullptr;
  if (all) {
    GrpoLossArgs da = ha;
    da.logp = on_cuda(da.logp, d[0]);
    da.old_logp = on_cuda(da.old_logp, d[1]);
    da.ref_logp = on_cuda(da.ref_logp, d[2]);
    da.advantages = on_cuda(da.advantages, d[3]);
    da.mask = on_cuda(da.mask, d[4]);
    da.grad_logp = on_cuda(da.grad_logp, d[5]);
    std::vector<float> grad(p.grad.size());
    if (ok_or(grpo_loss(da, &got), r) && ok_or(cuda_copy_to_host(grad.data(), d[5], grad.size() * 4, 0), r)) {
      bool nan_seen = false;
      for (size_t i = 0; i < grad.size(); ++i) {
        if (std::isnan(grad[i])) nan_seen = true;
        // Relative to the gradient's scale: both twins round the same double to f32.
        const double g = p.grad[i];
        r.max_abs_err = std::max(r.max_abs_err, std::fabs(static_cast<double>(grad[i]) - g) / (1e-12 + std::fabs(g)));
      }
      const double loss_err = std::fabs(got.loss - want.loss) / (1e-12 + std::fabs(want.loss));
      r.max_abs_err = std::max(r.max_abs_err, loss_err);
      r.passed = !nan_seen && r.max_abs_err < 1e-6 && got.tokens == want.tokens &&
                 got.clip_frac_high == want.clip_frac_high && got.clip_frac_low == want.clip_frac_low;
      if (nan_seen) r.detail = "NaN or unwritten gradLogp";
      if (r.passed && opts.bench) {
        r.ms = median_ms(3, 20, [&] { grpo_loss(da, &got); });
        r.gbps = 18.0 * static_cast<double>(p.logp.size()) / (r.ms * 1e6);
      }
    }
  }
  for (void* q : d) cuda_free(q, 0);
  out.push_back(r);
}

void cuda_checks(const Options& opts, std::vector<CaseResult>& out) {
  const CudaReport& rep = cuda_report();
  if (!rep.usable) {
    CaseResult r{"grpoLoss", "all CUDA cases", "cuda"};
    r.skipped = true;
    r.detail = rep.reason;
    out.push_back(r);
    return;
  }
  for (LossAggregation agg : kAggs) {
    for (KlType kl : {KlType::kK1, KlType::kK2, KlType::kK3}) cuda_case(opts, out, 257, 300, agg, kl);
  }
  cuda_case(opts, out, 4096, 2048, LossAggregation::kTokenMean, KlType::kK3);
}

const Register reg_cpu("grpoLoss/cpu", cpu_checks);
const Register reg_cuda("grpoLoss/cuda", cuda_checks);

}  // namespace

}  // namespace tx::parity

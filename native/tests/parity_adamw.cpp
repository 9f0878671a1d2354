// AdamW: a CPU self-check against a direct double transcription of torch.optim.AdamW, and
// the CUDA kernel against its CPU twin (norm chunks, ragged tail, clipping).
#include <cmath>

#include "parity.h"
#include "tx/device.h"
#include "tx/ops.h"

namespace tx::parity {

namespace {

struct State {
  std::vector<float> p, g, m, v;
};

State make_state(std::mt19937_64& rng, size_t n) {
  return {random_floats(rng, n, -1, 1), random_floats(rng, n, -0.05f, 0.05f), random_floats(rng, n, -0.01f, 0.01f),
          random_floats(rng, n, 0, 1e-4f)};
}

AdamWArgs args(State& s, double max_norm) {
  const int64_t n = static_cast<int64_t>(s.p.size());
  AdamWArgs a;
  a.params = TensorView::contiguous(s.p.data(), {n}, DType::kF32);
  a.grads = TensorView::contiguous(s.g.data(), {n}, DType::kF32);
  a.exp_avg = TensorView::contiguous(s.m.data(), {n}, DType::kF32);
  a.exp_avg_sq = TensorView::contiguous(s.v.data(), {n}, DType::kF32);
  a.lr = 1e-3;
  a.step = 3;
  a.weight_decay = 0.1;
  a.max_grad_norm = max_norm;
  return a;
}

void cpu_checks(const Options& opts, std::vector<CaseResult>& out) {
  std::mt19937_64 rng(opts.seed);
  for (double max_norm : {0.0, 0.1}) {
    CaseResult r{"adamw", "P=100003 maxGradNorm " + std::to_string(max_norm), "cpu"};
    State s = make_state(rng, 100003);
    const State before = s;
    AdamWResult res;
    if (!ok_or(adamw_step(args(s, max_norm), &res), r)) {
      out.push_back(r);
      continue;
    }
    double ss = 0;
    for (float g : before.g) ss += static_cast<double>(g) * g;
    const double norm = std::sqrt(ss), scale = max_norm > 0 ? std::min(1.0, max_norm / (norm + 1e-6)) : 1.0;
    for (size_t i = 0; i < s.p.size(); ++i) {
      const double g = before.g[i] * scale;
      const double m = 0.9 * before.m[i] + 0.1 * g, v = 0.999 * before.v[i] + 0.001 * g * g;
      const double mhat = m / (1 - std::pow(0.9, 3)), vhat = v / (1 - std::pow(0.999, 3));
      const double p = before.p[i] * (1 - 1e-3 * 0.1) - 1e-3 * mhat / (std::sqrt(vhat) + 1e-8);
      r.max_abs_err = std::max(r.max_abs_err, std::fabs(s.p[i] - p) / (1e-6 + std::fabs(p)));
    }
    r.passed = r.max_abs_err < 1e-6 && std::fabs(res.grad_norm - norm) < 1e-12 * norm;
    out.push_back(r);
  }
}

void cuda_checks(const Options& opts, std::vector<CaseResult>& out) {
  const CudaReport& rep = cuda_report();
  if (!rep.usable) {
    CaseResult r{"adamw", "all CUDA cases", "cuda"};
    r.skipped = true;
    r.detail = rep.reason;
    out.push_back(r);
    return;
  }
  std::mt19937_64 rng(opts.seed);
  for (size_t n : {size_t{1}, size_t{65537}, size_t{1} << 24}) {
    CaseResult r{"adamw", "P=" + std::to_string(n), "cuda"};
    State host = make_state(rng, n), dev_in = host;
    AdamWResult want, got;
    if (!ok_or(adamw_step(args(host, 1.0), &want), r)) return out.push_back(r);
    std::vector<float>* vecs[] = {&dev_in.p, &dev_in.g, &dev_in.m, &dev_in.v};
    void* d[4] = {};
    bool ok = true;
    for (int i = 0; i < 4 && ok; ++i) {
      ok = ok_or(cuda_malloc(&d[i], n * 4, 0), r) && ok_or(cuda_copy_to_device(d[i], vecs[i]->data(), n * 4, 0), r);
    }
    if (ok) {
      AdamWArgs a = args(dev_in, 1.0);
      TensorView* views[] = {&a.params, &a.grads, &a.exp_avg, &a.exp_avg_sq};
      for (int i = 0; i < 4; ++i) {
        views[i]->data = d[i];
        views[i]->device = Device::kCuda;
      }
      std::vector<float> p(n);
      if (ok_or(adamw_step(a, &got), r) && ok_or(cuda_copy_to_host(p.data(), d[0], n * 4, 0), r)) {
        for (size_t i = 0; i < n; ++i) r.max_abs_err = std::max(r.max_abs_err, std::fabs(static_cast<double>(p[i]) - host.p[i]));
        r.passed = r.max_abs_err < 1e-6 && std::fabs(got.grad_norm - want.grad_norm) < 1e-9 * want.grad_norm;
        if (r.passed && opts.bench) {
          r.ms = median_ms(3, 20, [&] { adamw_step(a, &got); });
          r.gbps = 28.0 * static_cast<double>(n) / (r.ms * 1e6);  // g read twice, p/m/v read + written
        }
      }
    }
    for (void* q : d) cuda_free(q, 0);
    out.push_back(r);
  }
}

const Register reg_cpu("adamw/cpu", cpu_checks);
const Register reg_cuda("adamw/cuda", cuda_checks);

}  // namespace

}  // namespace tx::parity

// Sampling: CPU self-checks (greedy = argmax, batch invariance, kept set), and the CUDA
// kernel against its CPU twin: both must draw the very same tokens (same Philox draws,
// same threshold rules).
#include <cmath>

#include "parity.h"
#include "tx/device.h"
#include "tx/ops.h"

namespace tx::parity {

namespace {

struct Batch {
  std::vector<float> logits;
  std::vector<int32_t> seq, pos, tokens;
};

Batch make_batch(std::mt19937_64& rng, int rows, int vocab) {
  Batch b{random_floats(rng, static_cast<size_t>(rows) * vocab, -6, 6), {}, {}, std::vector<int32_t>(rows, -1)};
  for (int r = 0; r < rows; ++r) {
    b.seq.push_back(r * 5 + 2);
    b.pos.push_back(r % 17);
  }
  return b;
}

SampleArgs args(Batch& b, int vocab, double temperature, int top_k, double top_p) {
  const int64_t rows = static_cast<int64_t>(b.seq.size());
  SampleArgs a;
  a.logits = TensorView::contiguous(b.logits.data(), {rows * vocab}, DType::kF32);
  a.vocab = vocab;
  a.seq_ids = TensorView::contiguous(b.seq.data(), {rows}, DType::kI32);
  a.positions = TensorView::contiguous(b.pos.data(), {rows}, DType::kI32);
  a.seed = 424242;
  a.temperature = temperature;
  a.top_k = top_k;
  a.top_p = top_p;
  a.tokens = TensorView::contiguous(b.tokens.data(), {rows}, DType::kI32);
  return a;
}

void cpu_checks(const Options& opts, std::vector<CaseResult>& out) {
  std::mt19937_64 rng(opts.seed);
  {
    CaseResult r{"sample", "greedy = first argmax", "cpu"};
    Batch b = make_batch(rng, 50, 1000);
    r.passed = ok_or(sample(args(b, 1000, 0, 0, 1)), r);
    for (int i = 0; i < 50 && r.passed; ++i) {
      const float* x = b.logits.data() + i * 1000;
      int best = 0;
      for (int v = 1; v < 1000; ++v) best = x[v] > x[best] ? v : best;
      r.passed = b.tokens[i] == best;
    }
    out.push_back(r);
  }
  {
    CaseResult r{"sample", "batch invariance + top-k kept set", "cpu"};
    Batch b = make_batch(rng, 20, 500);
    r.passed = ok_or(sample(args(b, 500, 1.0, 20, 0.9)), r);
    for (int i = 0; i < 20 && r.passed; ++i) {
      Batch one{std::vector<float>(b.logits.begin() + i * 500, b.logits.begin() + (i + 1) * 500), {b.seq[i]}, {b.pos[i]}, {-1}};
      r.passed = ok_or(sample(args(one, 500, 1.0, 20, 0.9)), r) && one.tokens[0] == b.tokens[i];
      int above = 0;  // the drawn token is among the 20 largest
      for (int v = 0; v < 500; ++v) above += one.logits[v] > one.logits[one.tokens[0]];
      r.passed = r.passed && above < 20;
    }
    out.push_back(r);
  }
}

void cuda_checks(const Options& opts, std::vector<CaseResult>& out) {
  const CudaReport& rep = cuda_report();
  if (!rep.usable) {
    CaseResult r{"sample", "all CUDA cases", "cuda"};
    r.skipped = true;
    r.detail = rep.reason;
    out.push_back(r);
    return;
  }
  std::mt19937_64 rng(opts.seed);
  struct Cfg {
    int rows, vocab;
    double t;
    int k;
    double p;
  };
  for (const Cfg& c : {Cfg{64, 1000, 0, 0, 1}, Cfg{64, 1000, 1, 0, 1}, Cfg{64, 1000, 0.7, 50, 1},
                       Cfg{64, 1000, 1.2, 0, 0.9}, Cfg{32, 151936, 0.8, 40, 0.95}, Cfg{8, 151936, 1, 0, 1}}) {
    CaseResult r{"sample", "B=" + std::to_string(c.rows) + " V=" + std::to_string(c.vocab) + " T=" + std::to_string(c.t) +
                               " k=" + std::to_string(c.k) + " p=" + std::to_string(c.p), "cuda"};
    Batch b = make_batch(rng, c.rows, c.vocab);
    std::vector<int32_t> got(c.rows, -1);
    if (!ok_or(sample(args(b, c.vocab, c.t, c.k, c.p)), r)) {
      out.push_back(r);
      continue;
    }
    void *d_logits = nullptr, *d_tokens = nullptr;
    if (ok_or(cuda_malloc(&d_logits, b.logits.size() * 4, 0), r) && ok_or(cuda_malloc(&d_tokens, c.rows * 4, 0), r) &&
        ok_or(cuda_copy_to_device(d_logits, b.logits.data(), b.logits.size() * 4, 0), r)) {
      SampleArgs a = args(b, c.vocab, c.t, c.k, c.p);
      a.logits.data = d_logits;
      a.logits.device = Device::kCuda;
      a.tokens.data = d_tokens;
      a.tokens.device = Device::kCuda;
      if (ok_or(sample(a), r) && ok_or(cuda_copy_to_host(got.data(), d_tokens, c.rows * 4, 0), r)) {
        int differ = 0;
        for (int i = 0; i < c.rows; ++i) differ += got[i] != b.tokens[i];
        r.max_abs_err = differ;
        r.passed = differ == 0;
        if (!r.passed) r.detail = std::to_string(differ) + " rows drew another token";
        if (r.passed && opts.bench) {
          r.ms = median_ms(3, 20, [&] { sample(a); });
          r.gbps = 4.0 * static_cast<double>(b.logits.size()) / (r.ms * 1e6);
        }
      }
    }
    cuda_free(d_logits, 0);
    cuda_free(d_tokens, 0);
    out.push_back(r);
  }
}

const Register reg_cpu("sample/cpu", cpu_checks);
const Register reg_cuda("sample/cuda", cuda_checks);

}  // namespace

}  // namespace tx::parity

// Grouped advantages: CPU self-checks against a double-precision loop, and the CUDA
// kernel against its CPU twin (warp-per-group and block-per-group paths, all modes).
#include <cmath>
#include <cstring>

#include "parity.h"
#include "tx/device.h"
#include "tx/ops.h"

namespace tx::parity {

namespace {

struct Problem {
  std::vector<float> rewards;
  std::vector<int32_t> offsets;
  std::vector<int32_t> seq;   // token offsets per rollout
  std::vector<uint8_t> mask;  // response mask per token
};

// Group sizes cycle through `sizes`; every fourth group is all-equal (zero variance).
Problem make_problem(std::mt19937_64& rng, int64_t rows, const std::vector<int>& sizes) {
  Problem p;
  p.offsets.push_back(0);
  size_t k = 0;
  while (p.offsets.back() < rows) {
    const int n = static_cast<int>(std::min<int64_t>(sizes[k++ % sizes.size()], rows - p.offsets.back()));
    p.offsets.push_back(p.offsets.back() + n);
  }
  p.rewards = random_floats(rng, static_cast<size_t>(rows), -1.0f, 2.0f);
  for (size_t g = 0; g + 1 < p.offsets.size(); g += 4)
    for (int32_t i = p.offsets[g]; i < p.offsets[g + 1]; ++i) p.rewards[i] = 1.0f;
  p.seq.push_back(0);
  for (int64_t i = 0; i < rows; ++i) p.seq.push_back(p.seq.back() + static_cast<int32_t>(rng() % 5));
  p.mask.resize(static_cast<size_t>(p.seq.back()));
  for (auto& m : p.mask) m = static_cast<uint8_t>(rng() % 4 != 0);
  return p;
}

struct Outputs {
  std::vector<float> adv, mean, std, tok;
  std::vector<uint8_t> zv;
};

GroupedAdvantagesArgs host_args(Problem& p, Outputs& o, AdvantageMode mode, bool broadcast) {
  const int64_t rows = static_cast<int64_t>(p.rewards.size()), groups = static_cast<int64_t>(p.offsets.size()) - 1;
  o.adv.assign(rows, NAN);  // poisoned: an unwritten element shows as NaN
  o.mean.assign(groups, NAN);
  o.std.assign(groups, NAN);
  o.zv.assign(groups, 7);
  o.tok.assign(p.mask.size(), NAN);
  GroupedAdvantagesArgs a;
  a.rewards = TensorView::contiguous(p.rewards.data(), {rows}, DType::kF32);
  a.group_offsets = TensorView::contiguous(p.offsets.data(), {groups + 1}, DType::kI32);
  a.mode = mode;
  a.advantages = TensorView::contiguous(o.adv.data(), {rows}, DType::kF32);
  a.mean = TensorView::contiguous(o.mean.data(), {groups}, DType::kF32);
  a.std = TensorView::contiguous(o.std.data(), {groups}, DType::kF32);
  a.zero_variance = TensorView::contiguous(o.zv.data(), {groups}, DType::kU8);
  if (broadcast) {
    a.seq_offsets = TensorView::contiguous(p.seq.data(), {rows + 1}, DType::kI32);
    a.response_mask = TensorView::contiguous(p.mask.data(), {static_cast<int64_t>(p.mask.size())}, DType::kU8);
    a.token_advantages = TensorView::contiguous(o.tok.data(), {static_cast<int64_t>(o.tok.size())}, DType::kF32);
  }
  return a;
}

const char* mode_name(AdvantageMode m) {
  return m == AdvantageMode::kGrpo ? "grpo" : m == AdvantageMode::kDrGrpo ? "drgrpo" : "rloo";
}

// CPU self-check: against a direct double-precision transcription of docs/kernels.md section 1.
void cpu_checks(const Options& opts, std::vector<CaseResult>& out) {
  std::mt19937_64 rng(opts.seed);
  for (AdvantageMode mode : {AdvantageMode::kGrpo, AdvantageMode::kDrGrpo, AdvantageMode::kRloo}) {
    CaseResult r{"groupedAdvantages", std::string("R=10000 mixed sizes ") + mode_name(mode), "cpu"};
    Problem p = make_problem(rng, 10000, {1, 2, 8, 16, 5, 64});
    Outputs o;
    GroupedAdvantagesArgs a = host_args(p, o, mode, false);
    if (!ok_or(grouped_advantages(a), r)) {
      out.push_back(r);
      continue;
    }
    bool bad = false;
    for (size_t g = 0; g + 1 < p.offsets.size(); ++g) {
      const int lo = p.offsets[g], hi = p.offsets[g + 1], n = hi - lo;
      double s = 0, ss = 0;
      for (int i = lo; i < hi; ++i) s += p.rewards[i];
      const double m = s / n;
      for (int i = lo; i < hi; ++i) ss += (p.rewards[i] - m) * (p.rewards[i] - m);
      const double sd = n > 1 ? std::sqrt(ss / (n - 1)) : 0;
      bool equal = true;
      for (int i = lo; i < hi; ++i) equal = equal && p.rewards[i] == p.rewards[lo];
      for (int i = lo; i < hi; ++i) {
        double want = 0;
        if (!equal) {
          want = mode == AdvantageMode::kGrpo     ? (p.rewards[i] - m) / (sd + 1e-6)
                 : mode == AdvantageMode::kDrGrpo ? p.rewards[i] - m
                                                  : p.rewards[i] - (s - p.rewards[i]) / (n - 1);
        }
        if (equal && o.adv[i] != 0.0f) bad = true;  // exactly zero, not merely small
        r.max_abs_err = std::max(r.max_abs_err, std::fabs(o.adv[i] - want) / (1 + std::fabs(want)));
      }
      if (o.zv[g] != (equal ? 1 : 0)) bad = true;
    }
    r.passed = !bad && r.max_abs_err < 1e-6;
    if (bad) r.detail = "zero-variance group not exactly 0 or flag wrong";
    out.push_back(r);
  }
  {
    CaseResult r{"groupedAdvantages", "NaN reward rejected", "cpu"};
    Problem p = make_problem(rng, 100, {8});
    p.rewards[37] = NAN;
    Outputs o;
    Status s = grouped_advantages(host_args(p, o, AdvantageMode::kGrpo, false));
    r.passed = s.code() == Code::kRange && s.message().find("rewards[37]") != std::string::npos;
    if (!r.passed) r.detail = s.message();
    out.push_back(r);
  }
}

void cuda_case(const Options& opts, std::vector<CaseResult>& out, const std::string& name, int64_t rows,
               const std::vector<int>& sizes, AdvantageMode mode, bool broadcast) {
  CaseResult r{"groupedAdvantages", name + " " + mode_name(mode), "cuda"};
  std::mt19937_64 rng(opts.seed + static_cast<uint64_t>(rows));
  Problem p = make_problem(rng, rows, sizes);
  Outputs ref, got;
  GroupedAdvantagesArgs ha = host_args(p, ref, mode, broadcast);
  if (!ok_or(grouped_advantages(ha), r)) return out.push_back(r);
  GroupedAdvantagesArgs da = host_args(p, got, mode, broadcast);  // shapes; data swapped below
  void* d_r = to_device(p.rewards, r);
  void* d_adv = to_device(got.adv, r);
  void* d_mean = to_device(got.mean, r);
  void* d_std = to_device(got.std, r);
  void* d_zv = to_device(got.zv, r);
  void* d_tok = broadcast ? to_device(got.tok, r) : nullptr;
  if (d_r && d_adv && d_mean && d_std && d_zv && (!broadcast || d_tok)) {
    da.rewards = on_cuda(da.rewards, d_r);
    da.advantages = on_cuda(da.advantages, d_adv);
    da.mean = on_cuda(da.mean, d_mean);
    da.std = on_cuda(da.std, d_std);
    da.zero_variance = on_cuda(da.zero_variance, d_zv);
    if (broadcast) da.token_advantages = on_cuda(da.token_advantages, d_tok);
    if (ok_or(grouped_advantages(da), r) && from_device(got.adv, d_adv, r) && from_device(got.mean, d_mean, r) &&
        from_device(got.std, d_std, r) && from_device(got.zv, d_zv, r) && (!broadcast || from_device(got.tok, d_tok, r))) {
      bool nan_seen = false;
      r.max_abs_err = std::max({rel_err(got.adv, ref.adv, &nan_seen), rel_err(got.mean, ref.mean, &nan_seen),
                                rel_err(got.std, ref.std, &nan_seen),
                                broadcast ? rel_err(got.tok, ref.tok, &nan_seen) : 0.0});
      const bool flags_equal = std::memcmp(got.zv.data(), ref.zv.data(), got.zv.size()) == 0;
      r.passed = !nan_seen && flags_equal && r.max_abs_err < 1e-6;
      if (nan_seen) r.detail = "NaN or unwritten output";
      else if (!flags_equal) r.detail = "zeroVariance flags differ";
      if (r.passed && opts.bench) {
        const double bytes = 8.0 * rows + 9.0 * static_cast<double>(p.offsets.size());
        r.ms = median_ms(3, 20, [&] { grouped_advantages(da); });
        r.gbps = bytes / (r.ms * 1e6);
      }
    }
  }
  for (void* d : {d_r, d_adv, d_mean, d_std, d_zv, d_tok}) cuda_free(d, 0);
  out.push_back(r);
}

void cuda_checks(const Options& opts, std::vector<CaseResult>& out) {
  const CudaReport& rep = cuda_report();
  if (!rep.usable) {
    CaseResult r{"groupedAdvantages", "all CUDA cases", "cuda"};
    r.skipped = true;
    r.detail = rep.reason;
    out.push_back(r);
    return;
  }
  for (AdvantageMode mode : {AdvantageMode::kGrpo, AdvantageMode::kDrGrpo, AdvantageMode::kRloo}) {
    cuda_case(opts, out, "R=4096 sizes 1..64 +tokens", 4096, {1, 2, 3, 8, 16, 64, 0, 5}, mode, true);
    cuda_case(opts, out, "R=1M one group (block path)", 1 << 20, {1 << 20}, mode, false);
  }
  cuda_case(opts, out, "R=1M groups of 8", 1 << 20, {8}, AdvantageMode::kGrpo, false);
  cuda_case(opts, out, "R=16M groups of 8", 1 << 24, {8}, AdvantageMode::kGrpo, false);
  cuda_case(opts, out, "R=16M groups of 4096", 1 << 24, {4096}, AdvantageMode::kGrpo, false);
}

const Register reg_cpu("groupedAdvantages/cpu", cpu_checks);
const Register reg_cuda("groupedAdvantages/cuda", cuda_checks);

}  // namespace

}  // namespace tx::parity

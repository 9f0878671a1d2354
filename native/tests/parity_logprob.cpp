// Log-prob gathering: CPU self-checks against a double-precision loop (docs/kernels.md section 2),
// and every CUDA op against its CPU twin: logits path (f32 and bf16, forward, backward out of
// place and in place) and the fused linear path (forward, backward). With --bench, the
// logits forward is timed at N=4096, V=151936 (bf16 and f32) and reported as GB/s of logits read.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "parity.h"
#include "tx/device.h"
#include "tx/ops.h"

namespace tx::parity {

namespace {

constexpr int32_t kIgnore = -100;

struct Problem {
  int64_t n, v;
  std::vector<float> logits;
  std::vector<int32_t> targets;
  std::vector<float> grad_logp, grad_entropy;
};

Problem make_problem(std::mt19937_64& rng, int64_t n, int64_t v, float scale) {
  Problem p{n, v, random_floats(rng, static_cast<size_t>(n * v), -scale, scale), {}, {}, {}};
  for (int64_t i = 0; i < n; ++i) {
    p.targets.push_back(i % 7 == 3 ? kIgnore : static_cast<int32_t>(rng() % static_cast<uint64_t>(v)));
    if (i % 5 == 1 && v > 1) p.logits[i * v + (p.targets.back() + 1) % v] = -INFINITY;  // a masked entry
  }
  p.grad_logp = random_floats(rng, static_cast<size_t>(n), -1, 1);
  p.grad_entropy = random_floats(rng, static_cast<size_t>(n), -1, 1);
  return p;
}

struct Forward {
  std::vector<float> logp, entropy, lse;
};

Status cpu_forward(Problem& p, double temperature, Forward& f) {
  f.logp.assign(p.n, NAN);
  f.entropy.assign(p.n, NAN);
  f.lse.assign(p.n, NAN);
  LogprobsArgs a;
  a.logits = TensorView::contiguous(p.logits.data(), {p.n, p.v}, DType::kF32);
  a.targets = TensorView::contiguous(p.targets.data(), {p.n}, DType::kI32);
  a.temperature = temperature;
  a.logp = host_view(f.logp);
  a.entropy = host_view(f.entropy);
  a.lse = host_view(f.lse);
  return logprobs(a);
}

void cpu_checks(const Options& opts, std::vector<CaseResult>& out) {
  std::mt19937_64 rng(opts.seed);
  for (auto [n, v, temp] : {std::tuple<int64_t, int64_t, double>{1, 1, 1.0}, {13, 1000, 0.7}, {5, 32003, 1.3}}) {
    CaseResult r{"logprobs", "N=" + std::to_string(n) + " V=" + std::to_string(v) + " vs double", "cpu"};
    Problem p = make_problem(rng, n, v, 10);
    Forward f;
    if (!ok_or(cpu_forward(p, temp, f), r)) {
      out.push_back(r);
      continue;
    }
    bool bad = false;
    for (int64_t i = 0; i < n; ++i) {
      if (p.targets[i] == kIgnore) {
        bad = bad || f.logp[i] != 0 || f.entropy[i] != 0;
        continue;
      }
      double m = -INFINITY, s = 0, pz = 0;
      for (int64_t j = 0; j < v; ++j) m = std::max(m, p.logits[i * v + j] / temp);
      for (int64_t j = 0; j < v; ++j) s += std::exp(p.logits[i * v + j] / temp - m);
      const double lse = m + std::log(s);
      for (int64_t j = 0; j < v; ++j) {
        const double z = p.logits[i * v + j] / temp, q = std::exp(z - lse);
        if (q > 0) pz += q * z;
      }
      const double lp = p.logits[i * v + p.targets[i]] / temp - lse, h = lse - pz;
      r.max_abs_err = std::max({r.max_abs_err, std::fabs(f.logp[i] - lp) / (1 + std::fabs(lp)),
                                std::fabs(f.entropy[i] - h) / (1 + h), std::fabs(f.lse[i] - lse) / (1 + std::fabs(lse))});
    }
    r.passed = !bad && r.max_abs_err < 1e-5;
    out.push_back(r);
  }
  {
    CaseResult r{"logprobs", "target out of range rejected", "cpu"};
    Problem p = make_problem(rng, 4, 10, 1);
    p.targets[2] = 10;
    Forward f;
    const Status s = cpu_forward(p, 1.0, f);
    r.passed = s.code() == Code::kRange && s.message().find("targets[2]") != std::string::npos;
    if (!r.passed) r.detail = s.message();
    out.push_back(r);
  }
}

// Owns device buffers for one case.
struct DeviceSet {
  std::vector<void*> ptrs;
  ~DeviceSet() {
    for (void* p : ptrs) cuda_free(p, 0);
  }
  template <typename T>
  void* put(const std::vector<T>& v, CaseResult& r) {
    void* d = to_device(v, r);
    if (d) ptrs.push_back(d);
    return d;
  }
};

TensorView cuda_view(void* p, std::initializer_list<int64_t> shape, DType d) {
  return TensorView::contiguous(p, shape, d, Device::kCuda, 0);
}


// Logits path on CUDA vs the CPU on the same (bf16-rounded when bf16) values.
void cuda_logits_case(const Options& opts, std::vector<CaseResult>& out, int64_t n, int64_t v, bool bf16, double temp) {
  const std::string shape = "N=" + std::to_string(n) + " V=" + std::to_string(v) + (bf16 ? " bf16" : " f32");
  CaseResult fr{"logprobs", shape, "cuda"}, br{"logprobsBackward", shape + " in place", "cuda"};
  std::mt19937_64 rng(opts.seed + static_cast<uint64_t>(n * 31 + v));
  Problem p = make_problem(rng, n, v, 8);
  std::vector<uint16_t> bits;
  if (bf16) {
    for (float& x : p.logits) {
      bits.push_back(to_bf16(x));
      x = from_bf16(bits.back());
    }
  }
  Forward ref;
  if (!ok_or(cpu_forward(p, temp, ref), fr)) return out.push_back(fr);
  std::vector<float> ref_grad(p.logits.size(), NAN);
  LogprobsBackwardArgs hb;
  hb.logits = TensorView::contiguous(p.logits.data(), {n, v}, DType::kF32);
  hb.targets = TensorView::contiguous(p.targets.data(), {n}, DType::kI32);
  hb.lse = host_view(ref.lse);
  hb.grad_logp = host_view(p.grad_logp);
  hb.grad_entropy = host_view(p.grad_entropy);
  hb.temperature = temp;
  hb.grad_logits = TensorView::contiguous(ref_grad.data(), {n, v}, DType::kF32);
  if (!ok_or(logprobs_backward(hb), br)) return out.push_back(br);

  DeviceSet d;
  const DType dt = bf16 ? DType::kBF16 : DType::kF32;
  void* d_logits = bf16 ? d.put(bits, fr) : d.put(p.logits, fr);
  Forward got{std::vector<float>(n, NAN), std::vector<float>(n, NAN), std::vector<float>(n, NAN)};
  void* d_logp = d.put(got.logp, fr);
  void* d_ent = d.put(got.entropy, fr);
  void* d_lse = d.put(got.lse, fr);
  void* d_gl = d.put(p.grad_logp, fr);
  void* d_ge = d.put(p.grad_entropy, fr);
  if (!(d_logits && d_logp && d_ent && d_lse && d_gl && d_ge)) return out.push_back(fr);
  LogprobsArgs a;
  a.logits = cuda_view(d_logits, {n, v}, dt);
  a.targets = TensorView::contiguous(p.targets.data(), {n}, DType::kI32);
  a.temperature = temp;
  a.logp = cuda_view(d_logp, {n}, DType::kF32);
  a.entropy = cuda_view(d_ent, {n}, DType::kF32);
  a.lse = cuda_view(d_lse, {n}, DType::kF32);
  if (ok_or(logprobs(a), fr) && from_device(got.logp, d_logp, fr) && from_device(got.entropy, d_ent, fr) &&
      from_device(got.lse, d_lse, fr)) {
    bool nan_seen = false;
    fr.max_abs_err = std::max({rel_err(got.logp, ref.logp, &nan_seen), rel_err(got.entropy, ref.entropy, &nan_seen),
                               rel_err(got.lse, ref.lse, &nan_seen)});
    fr.passed = !nan_seen && fr.max_abs_err < 1e-4;
    if (nan_seen) fr.detail = "NaN or unwritten output";
    if (fr.passed && opts.bench) {
      fr.ms = median_ms(3, 20, [&] { (void)logprobs(a); });
      fr.gbps = static_cast<double>(n) * v * dtype_size(dt) / (fr.ms * 1e6);
    }
  }
  out.push_back(fr);

  LogprobsBackwardArgs b;
  b.logits = a.logits;
  b.targets = a.targets;
  b.lse = cuda_view(d_lse, {n}, DType::kF32);
  b.grad_logp = cuda_view(d_gl, {n}, DType::kF32);
  b.grad_entropy = cuda_view(d_ge, {n}, DType::kF32);
  b.temperature = temp;
  b.grad_logits = b.logits;  // in place
  if (bf16) {
    std::vector<uint16_t> gbits(bits.size());
    if (ok_or(logprobs_backward(b), br) && from_device(gbits, d_logits, br)) {
      std::vector<float> g(gbits.size());
      for (size_t k = 0; k < g.size(); ++k) g[k] = from_bf16(gbits[k]);
      bool nan_seen = false;
      br.max_abs_err = rel_err(g, ref_grad, &nan_seen);
      br.passed = !nan_seen && br.max_abs_err < 1e-2;  // bf16 storage of the gradient
    }
  } else {
    std::vector<float> g(p.logits.size());
    if (ok_or(logprobs_backward(b), br) && from_device(g, d_logits, br)) {
      bool nan_seen = false;
      br.max_abs_err = rel_err(g, ref_grad, &nan_seen);
      br.passed = !nan_seen && br.max_abs_err < 1e-4;
    }
  }
  out.push_back(br);
}

void cuda_linear_case(const Options& opts, std::vector<CaseResult>& out, int64_t n, int64_t dm, int64_t v) {
  const std::string shape = "N=" + std::to_string(n) + " Dm=" + std::to_string(dm) + " V=" + std::to_string(v);
  CaseResult fr{"linearLogprobs", shape, "cuda"}, br{"linearLogprobsBackward", shape, "cuda"};
  std::mt19937_64 rng(opts.seed + static_cast<uint64_t>(n + dm + v));
  std::vector<float> hidden = random_floats(rng, static_cast<size_t>(n * dm), -1, 1);
  std::vector<float> weight = random_floats(rng, static_cast<size_t>(v * dm), -1, 1);
  Problem p = make_problem(rng, n, 1, 1);
  for (auto& t : p.targets) t = t == kIgnore ? t : static_cast<int32_t>(rng() % static_cast<uint64_t>(v));
  Forward ref{std::vector<float>(n), std::vector<float>(n), std::vector<float>(n)};
  LinearLogprobsArgs a;
  a.hidden = TensorView::contiguous(hidden.data(), {n, dm}, DType::kF32);
  a.weight = TensorView::contiguous(weight.data(), {v, dm}, DType::kF32);
  a.targets = TensorView::contiguous(p.targets.data(), {n}, DType::kI32);
  a.temperature = 0.9;
  a.logp = host_view(ref.logp);
  a.entropy = host_view(ref.entropy);
  a.lse = host_view(ref.lse);
  if (!ok_or(linear_logprobs(a), fr)) return out.push_back(fr);
  std::vector<float> ref_gh(n * dm), ref_gw(v * dm);
  LinearLogprobsBackwardArgs b;
  b.hidden = a.hidden;
  b.weight = a.weight;
  b.targets = a.targets;
  b.temperature = a.temperature;
  b.lse = host_view(ref.lse);
  b.grad_logp = host_view(p.grad_logp);
  b.grad_entropy = host_view(p.grad_entropy);
  b.grad_hidden = TensorView::contiguous(ref_gh.data(), {n, dm}, DType::kF32);
  b.grad_weight = TensorView::contiguous(ref_gw.data(), {v, dm}, DType::kF32);
  if (!ok_or(linear_logprobs_backward(b), br)) return out.push_back(br);

  DeviceSet d;
  Forward got{std::vector<float>(n, NAN), std::vector<float>(n, NAN), std::vector<float>(n, NAN)};
  std::vector<float> gh(n * dm, NAN), gw(v * dm, NAN);
  void* d_h = d.put(hidden, fr);
  void* d_w = d.put(weight, fr);
  void* d_logp = d.put(got.logp, fr);
  void* d_ent = d.put(got.entropy, fr);
  void* d_lse = d.put(got.lse, fr);
  void* d_gl = d.put(p.grad_logp, fr);
  void* d_ge = d.put(p.grad_entropy, fr);
  void* d_gh = d.put(gh, fr);
  void* d_gw = d.put(gw, fr);
  if (!(d_h && d_w && d_logp && d_ent && d_lse && d_gl && d_ge && d_gh && d_gw)) return out.push_back(fr);
  LinearLogprobsArgs da = a;
  da.hidden = cuda_view(d_h, {n, dm}, DType::kF32);
  da.weight = cuda_view(d_w, {v, dm}, DType::kF32);
  da.logp = cuda_view(d_logp, {n}, DType::kF32);
  da.entropy = cuda_view(d_ent, {n}, DType::kF32);
  da.lse = cuda_view(d_lse, {n}, DType::kF32);
  if (ok_or(linear_logprobs(da), fr) && from_device(got.logp, d_logp, fr) && from_device(got.entropy, d_ent, fr) &&
      from_device(got.lse, d_lse, fr)) {
    bool nan_seen = false;
    fr.max_abs_err = std::max({rel_err(got.logp, ref.logp, &nan_seen), rel_err(got.entropy, ref.entropy, &nan_seen),
                               rel_err(got.lse, ref.lse, &nan_seen)});
    fr.passed = !nan_seen && fr.max_abs_err < 1e-4;
    if (fr.passed && opts.bench) fr.ms = median_ms(1, 5, [&] { (void)linear_logprobs(da); });
  }
  out.push_back(fr);
  LinearLogprobsBackwardArgs db = b;
  db.hidden = da.hidden;
  db.weight = da.weight;
  db.lse = cuda_view(d_lse, {n}, DType::kF32);
  db.grad_logp = cuda_view(d_gl, {n}, DType::kF32);
  db.grad_entropy = cuda_view(d_ge, {n}, DType::kF32);
  db.grad_hidden = cuda_view(d_gh, {n, dm}, DType::kF32);
  db.grad_weight = cuda_view(d_gw, {v, dm}, DType::kF32);
  if (ok_or(linear_logprobs_backward(db), br) && from_device(gh, d_gh, br) && from_device(gw, d_gw, br)) {
    bool nan_seen = false;
    br.max_abs_err = std::max(rel_err(gh, ref_gh, &nan_seen), rel_err(gw, ref_gw, &nan_seen));
    br.passed = !nan_seen && br.max_abs_err < 1e-4;
    if (br.passed && opts.bench) br.ms = median_ms(1, 3, [&] { (void)linear_logprobs_backward(db); });
  }
  out.push_back(br);
}

// Bandwidth of the forward on a large bf16/f32 batch (checked against the CPU on a few rows).
void cuda_bench_case(const Options& opts, std::vector<CaseResult>& out, int64_t n, int64_t v, bool bf16) {
  CaseResult r{"logprobs", "bench N=" + std::to_string(n) + " V=" + std::to_string(v) + (bf16 ? " bf16" : " f32"),
               "cuda"};
  const size_t count = static_cast<size_t>(n * v);
  std::vector<uint16_t> bits;
  std::vector<float> f32;
  uint64_t state = opts.seed | 1;
  auto next = [&] {  // xorshift: fast enough for 600M values
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<float>(state >> 40) / static_cast<float>(1 << 24) * 16.0f - 8.0f;
  };
  if (bf16) {
    bits.resize(count);
    for (auto& b : bits) b = to_bf16(next());
  } else {
    f32.resize(count);
    for (auto& x : f32) x = next();
  }
  std::vector<int32_t> targets(n);
  for (int64_t i = 0; i < n; ++i) targets[i] = static_cast<int32_t>((i * 7919) % v);
  DeviceSet d;
  void* d_logits = bf16 ? d.put(bits, r) : d.put(f32, r);
  std::vector<float> logp(n, NAN), lse(n, NAN);
  void* d_logp = d.put(logp, r);
  void* d_lse = d.put(lse, r);
  if (!(d_logits && d_logp && d_lse)) return out.push_back(r);
  LogprobsArgs a;
  a.logits = cuda_view(d_logits, {n, v}, bf16 ? DType::kBF16 : DType::kF32);
  a.targets = TensorView::contiguous(targets.data(), {n}, DType::kI32);
  a.logp = cuda_view(d_logp, {n}, DType::kF32);
  a.lse = cuda_view(d_lse, {n}, DType::kF32);
  if (!ok_or(logprobs(a), r) || !from_device(logp, d_logp, r)) return out.push_back(r);
  // CPU on the first 8 rows.
  const int64_t rows = std::min<int64_t>(8, n);
  std::vector<float> x(static_cast<size_t>(rows * v));
  for (size_t k = 0; k < x.size(); ++k) x[k] = bf16 ? from_bf16(bits[k]) : f32[k];
  Problem p{rows, v, x, std::vector<int32_t>(targets.begin(), targets.begin() + rows), {}, {}};
  Forward ref;
  if (!ok_or(cpu_forward(p, 1.0, ref), r)) return out.push_back(r);
  bool nan_seen = false;
  std::vector<float> head(logp.begin(), logp.begin() + rows);
  r.max_abs_err = rel_err(head, ref.logp, &nan_seen);
  r.passed = !nan_seen && r.max_abs_err < 1e-4;
  if (r.passed) {
    r.ms = median_ms(3, 20, [&] { (void)logprobs(a); });
    r.gbps = static_cast<double>(count) * (bf16 ? 2 : 4) / (r.ms * 1e6);
  }
  out.push_back(r);
}

void cuda_checks(const Options& opts, std::vector<CaseResult>& out) {
  const CudaReport& rep = cuda_report();
  if (!rep.usable) {
    for (const char* op : {"logprobs", "logprobsBackward", "linearLogprobs", "linearLogprobsBackward"}) {
      CaseResult r{op, "all CUDA cases", "cuda"};
      r.skipped = true;
      r.detail = rep.reason;
      out.push_back(r);
    }
    return;
  }
  for (bool bf16 : {false, true}) {
    cuda_logits_case(opts, out, 1, 1, bf16, 1.0);
    cuda_logits_case(opts, out, 37, 1003, bf16, 0.7);   // unaligned rows: scalar path
    cuda_logits_case(opts, out, 64, 32000, bf16, 1.0);  // vector path
    cuda_logits_case(opts, out, 8, 151936, bf16, 1.3);
  }
  cuda_linear_case(opts, out, 1, 8, 1);
  cuda_linear_case(opts, out, 37, 64, 1003);
  cuda_linear_case(opts, out, 130, 128, 4096);
  if (opts.bench) {
    cuda_bench_case(opts, out, 4096, 151936, true);
    cuda_bench_case(opts, out, 16384, 151936, true);
    cuda_bench_case(opts, out, 4096, 32000, false);
  }
}

const Register reg_cpu("logprobs/cpu", cpu_checks);
const Register reg_cuda("logprobs/cuda", cuda_checks);

}  // namespace

}  // namespace tx::parity

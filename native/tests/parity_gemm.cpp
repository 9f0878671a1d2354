// GEMM: the CPU GEMM against a float64 reference (every transpose combination, edge tiles,
// 1 vs 2 threads bit-identical), and both CUDA paths (cuBLAS when it loads, the engine's
// own kernels always) against the CPU GEMM, f32 and bf16 inputs (bf16 rounded on the host
// first so both sides multiply the same values), shapes that are not multiples of any tile.
#include <cmath>
#include <cstring>

#include "parity.h"
#include "tx/device.h"
#include "tx/ops.h"

namespace tx::parity {

namespace {

struct Shape {
  int64_t m, n, k;
};
const Shape kShapes[] = {{1, 1, 1}, {13, 37, 300}, {150, 70, 513}, {129, 257, 65}, {256, 512, 1024}, {7, 4100, 33}};


std::string label(const Shape& s, bool ta, bool tb) {
  return std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) + (ta ? " tA" : "") +
         (tb ? " tB" : "");
}

GemmArgs host_args(std::vector<float>& a, std::vector<float>& b, std::vector<float>& c, const Shape& s, bool ta,
                   bool tb) {
  GemmArgs g;
  g.a = TensorView::contiguous(a.data(), {static_cast<int64_t>(a.size())}, DType::kF32);
  g.b = TensorView::contiguous(b.data(), {static_cast<int64_t>(b.size())}, DType::kF32);
  g.c = TensorView::contiguous(c.data(), {static_cast<int64_t>(c.size())}, DType::kF32);
  g.m = s.m;
  g.n = s.n;
  g.k = s.k;
  g.trans_a = ta;
  g.trans_b = tb;
  g.alpha = 0.5;
  g.beta = -2;
  return g;
}

void cpu_checks(const Options& opts, std::vector<CaseResult>& out) {
  std::mt19937_64 rng(opts.seed);
  for (const Shape& s : kShapes) {
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      CaseResult r{"gemm", label(s, ta, tb), "cpu"};
      std::vector<float> a = random_floats(rng, s.m * s.k, -1, 1), b = random_floats(rng, s.k * s.n, -1, 1);
      const std::vector<float> c0 = random_floats(rng, s.m * s.n, -1, 1);
      std::vector<float> c1 = c0, c2 = c0;
      set_cpu_threads(1);
      const Status st1 = gemm(host_args(a, b, c1, s, ta, tb));
      set_cpu_threads(2);
      const Status st2 = gemm(host_args(a, b, c2, s, ta, tb));
      set_cpu_threads(0);
      if (!ok_or(st1, r) || !ok_or(st2, r)) {
        out.push_back(r);
        continue;
      }
      for (int64_t i = 0; i < s.m; ++i) {
        for (int64_t j = 0; j < s.n; ++j) {
          double acc = 0;
          for (int64_t p = 0; p < s.k; ++p) {
            acc += static_cast<double>(ta ? a[p * s.m + i] : a[i * s.k + p]) * (tb ? b[j * s.k + p] : b[p * s.n + j]);
          }
          const double want = 0.5 * acc - 2.0 * c0[i * s.n + j];
          r.max_abs_err = std::max(r.max_abs_err, std::fabs(want - c1[i * s.n + j]) / (1 + std::fabs(want)));
        }
      }
      const bool same = std::memcmp(c1.data(), c2.data(), c1.size() * 4) == 0;
      r.passed = r.max_abs_err < 1e-4 && same;
      if (!same) r.detail = "1 and 2 threads differ";
      out.push_back(r);
    }
  }
}

// One device case: uploads A, B (f32 or bf16) and C, runs `backend`, compares with the CPU
// GEMM on the same (bf16-rounded) values.
void device_case(std::mt19937_64& rng, const Shape& s, bool ta, bool tb, DType in, GemmBackend backend,
                 const Options& opts, std::vector<CaseResult>& out) {
  const char* path = backend == GemmBackend::kCublas ? "cublas" : "own";
  CaseResult r{"gemm", label(s, ta, tb) + " " + dtype_name(in) + " " + path, "cuda"};
  std::vector<float> a = random_floats(rng, s.m * s.k, -1, 1), b = random_floats(rng, s.k * s.n, -1, 1);
  std::vector<float> c = random_floats(rng, s.m * s.n, -1, 1);
  std::vector<uint16_t> a16(a.size()), b16(b.size());
  if (in == DType::kBF16) {
    for (size_t i = 0; i < a.size(); ++i) a[i] = from_bf16(a16[i] = to_bf16(a[i]));
    for (size_t i = 0; i < b.size(); ++i) b[i] = from_bf16(b16[i] = to_bf16(b[i]));
  }
  std::vector<float> want = c;
  if (!ok_or(gemm(host_args(a, b, want, s, ta, tb)), r)) return out.push_back(r);
  const size_t es = dtype_size(in);
  void* d[3] = {};
  bool ok = ok_or(cuda_malloc(&d[0], a.size() * es + 1, 0), r) && ok_or(cuda_malloc(&d[1], b.size() * es + 1, 0), r) &&
            ok_or(cuda_malloc(&d[2], c.size() * 4, 0), r);
  ok = ok && ok_or(cuda_copy_to_device(d[0], in == DType::kBF16 ? static_cast<void*>(a16.data()) : a.data(),
                                       a.size() * es, 0), r);
  ok = ok && ok_or(cuda_copy_to_device(d[1], in == DType::kBF16 ? static_cast<void*>(b16.data()) : b.data(),
                                       b.size() * es, 0), r);
  ok = ok && ok_or(cuda_copy_to_device(d[2], c.data(), c.size() * 4, 0), r);
  if (ok) {
    GemmArgs g = host_args(a, b, c, s, ta, tb);
    g.a.data = d[0];
    g.b.data = d[1];
    g.c.data = d[2];
    g.a.dtype = g.b.dtype = in;
    g.a.device = g.b.device = g.c.device = Device::kCuda;
    g.backend = backend;
    std::vector<float> got(c.size());
    if (ok_or(gemm(g), r) && ok_or(cuda_copy_to_host(got.data(), d[2], got.size() * 4, 0), r)) {
      bool nan = false;
      for (size_t i = 0; i < got.size(); ++i) {
        nan = nan || std::isnan(got[i]);
        r.max_abs_err = std::max(r.max_abs_err, std::fabs(static_cast<double>(got[i]) - want[i]) / (1 + std::fabs(want[i])));
      }
      // Same products, f32 accumulation in another order (cuBLAS may also split K): the
      // error grows like sqrt(K) ulps of the partial sums.
      r.passed = !nan && r.max_abs_err < 2e-5 * std::sqrt(static_cast<double>(s.k) + 1);
      if (r.passed && opts.bench && s.m * s.n * s.k >= (int64_t{1} << 27)) {
        r.ms = median_ms(3, 20, [&] { gemm(g); cuda_copy_to_host(got.data(), d[2], 4, 0); });  // copy: sync
        r.detail = std::to_string(2.0 * s.m * s.n * s.k / (r.ms * 1e9)) + " TFLOP/s";
      }
    }
  }
  for (void* q : d) {
    if (q) cuda_free(q, 0);
  }
  out.push_back(r);
}

void cuda_checks(const Options& opts, std::vector<CaseResult>& out) {
  const CudaReport& rep = cuda_report();
  if (!rep.usable) {
    CaseResult r{"gemm", "all CUDA cases (cuBLAS and own kernels)", "cuda"};
    r.skipped = true;
    r.detail = rep.reason;
    out.push_back(r);
    return;
  }
  std::mt19937_64 rng(opts.seed);
  const bool have_cublas = gemm_cublas_library()[0] != '\0';
  if (!have_cublas) {
    CaseResult r{"gemm", "cuBLAS cases", "cuda"};
    r.skipped = true;
    r.detail = "no cuBLAS loaded (libcublas.so.13, .12, libcublas.so): own kernels only";
    out.push_back(r);
  }
  for (const Shape& s : kShapes) {
    for (int t = 0; t < 4; ++t) {
      for (DType in : {DType::kF32, DType::kBF16}) {
        device_case(rng, s, t & 1, t & 2, in, GemmBackend::kOwn, opts, out);
        if (have_cublas) device_case(rng, s, t & 1, t & 2, in, GemmBackend::kCublas, opts, out);
      }
    }
  }
}

const Register reg_cpu("gemm/cpu", cpu_checks);
const Register reg_cuda("gemm/cuda", cuda_checks);

}  // namespace

}  // namespace tx::parity

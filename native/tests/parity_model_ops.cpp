// Model ops (RMSNorm, RoPE, SwiGLU, embedding, residual add): CPU self-checks that run
// everywhere (RoPE table path == table-free path bitwise; RMSNorm rows batch invariant),
// and every CUDA kernel against its CPU twin on random inputs (SKIP without a GPU).
#include <algorithm>
#include <cmath>
#include <functional>

#include "parity.h"
#include "tx/device.h"
#include "tx/ops.h"

namespace tx::parity {

namespace {


double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = a.size() == b.size() ? 0 : INFINITY;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::fabs((double)a[i] - b[i]));
  return m;
}

void cpu_checks(const Options& opts, std::vector<CaseResult>& out) {
  std::mt19937_64 rng(opts.seed);
  {
    CaseResult r{"rope", "table == table-free, T=257 H=3 D=64 theta 1e6", "cpu"};
    const int64_t T = 257, H = 3, D = 64;
    std::vector<float> x = random_floats(rng, T * H * D, -1, 1), a(x.size()), b(x.size()), table(300 * D);
    std::vector<int32_t> pos(T);
    for (int64_t t = 0; t < T; ++t) pos[t] = (int32_t)((t * 7) % 300);
    RopeArgs args;
    args.x = host_view(x);
    args.positions = host_view(pos);
    args.tokens = T, args.heads = H, args.head_dim = D, args.theta = 1e6;
    args.out = host_view(a);
    if (ok_or(rope(args), r) && ok_or(rope_table(1e6, D, 300, host_view(table)), r)) {
      args.table = host_view(table);
      args.out = host_view(b);
      if (ok_or(rope(args), r)) {
        r.max_abs_err = max_diff(a, b);
        r.passed = r.max_abs_err == 0;
      }
    }
    out.push_back(r);
  }
  {
    CaseResult r{"rmsNorm", "row alone == row in a batch of 200, D=96", "cpu"};
    const int64_t R = 200, D = 96;
    std::vector<float> x = random_floats(rng, R * D, -2, 2), w = random_floats(rng, D, 0, 2), o(R * D), rs(R);
    std::vector<float> x1(x.begin() + 123 * D, x.begin() + 124 * D), o1(D), rs1(1);
    RmsNormArgs a{host_view(x), host_view(w), R, D, 1e-6, host_view(o), host_view(rs)};
    RmsNormArgs a1{host_view(x1), host_view(w), 1, D, 1e-6, host_view(o1), host_view(rs1)};
    if (ok_or(rms_norm(a), r) && ok_or(rms_norm(a1), r)) {
      r.max_abs_err = max_diff(o1, std::vector<float>(o.begin() + 123 * D, o.begin() + 124 * D));
      r.passed = r.max_abs_err == 0;
    }
    out.push_back(r);
  }
}

// Copies host vectors to the device, runs `fn` on device views, copies `outs` back.
struct DeviceRun {
  std::vector<void*> ptrs;
  ~DeviceRun() {
    for (void* p : ptrs) cuda_free(p, 0);
  }
  bool up(std::vector<float>& v, TensorView* view, CaseResult& r) {
    void* d = nullptr;
    if (!ok_or(cuda_malloc(&d, v.size() * 4 + 4, 0), r)) return false;
    ptrs.push_back(d);
    if (!ok_or(cuda_copy_to_device(d, v.data(), v.size() * 4, 0), r)) return false;
    *view = host_view(v);
    view->data = d;
    view->device = Device::kCuda;
    return true;
  }
  bool down(const TensorView& view, std::vector<float>& v, CaseResult& r) {
    return ok_or(cuda_copy_to_host(v.data(), view.data, v.size() * 4, 0), r);
  }
};

void cuda_checks(const Options& opts, std::vector<CaseResult>& out) {
  const CudaReport& rep = cuda_report();
  if (!rep.usable) {
    CaseResult r{"modelOps", "all CUDA cases (rmsNorm, rope, swiglu, embedding, residualAdd)", "cuda"};
    r.skipped = true;
    r.detail = rep.reason;
    out.push_back(r);
    return;
  }
  std::mt19937_64 rng(opts.seed);
  {  // RMSNorm forward + backward
    CaseResult r{"rmsNorm", "R=4160 D=128 fwd+bwd", "cuda"};
    const int64_t R = 4160, D = 128;
    std::vector<float> x = random_floats(rng, R * D, -2, 2), w = random_floats(rng, D, 0, 2), g = random_floats(rng, R * D, -1, 1);
    std::vector<float> o(R * D), rs(R), gx(R * D), gw(D), o2 = o, rs2 = rs, gx2 = gx, gw2 = gw;
    RmsNormArgs f{host_view(x), host_view(w), R, D, 1e-6, host_view(o), host_view(rs)};
    RmsNormBackwardArgs b{host_view(x), host_view(w), host_view(rs), host_view(g), R, D, false, host_view(gx), host_view(gw)};
    DeviceRun dev;
    RmsNormArgs df = f;
    RmsNormBackwardArgs db = b;
    if (ok_or(rms_norm(f), r) && ok_or(rms_norm_backward(b), r) && dev.up(x, &df.x, r) && dev.up(w, &df.weight, r) &&
        dev.up(o2, &df.out, r) && dev.up(rs2, &df.rstd, r) && ok_or(rms_norm(df), r)) {
      db.x = df.x, db.weight = df.weight, db.rstd = df.rstd;
      if (dev.up(g, &db.grad_out, r) && dev.up(gx2, &db.grad_x, r) && dev.up(gw2, &db.grad_weight, r) &&
          ok_or(rms_norm_backward(db), r) && dev.down(df.out, o2, r) && dev.down(db.grad_x, gx2, r) &&
          dev.down(db.grad_weight, gw2, r)) {
        r.max_abs_err = std::max({max_diff(o, o2), max_diff(gx, gx2), max_diff(gw, gw2) / 100});
        r.passed = r.max_abs_err < 1e-4;
      }
    }
    out.push_back(r);
  }
  {  // RoPE forward + inverse
    CaseResult r{"rope", "T=1000 H=4 D=64 theta 1e6 fwd+bwd", "cuda"};
    const int64_t T = 1000, H = 4, D = 64;
    std::vector<float> x = random_floats(rng, T * H * D, -1, 1), o(x.size()), o2(x.size()), b(x.size()), b2(x.size());
    std::vector<int32_t> pos(T);
    for (int64_t t = 0; t < T; ++t) pos[t] = (int32_t)(t % 300);
    RopeArgs a;
    a.x = host_view(x), a.positions = host_view(pos), a.tokens = T, a.heads = H, a.head_dim = D, a.theta = 1e6, a.out = host_view(o);
    RopeArgs ab = a;
    ab.out = host_view(b);
    DeviceRun dev;
    RopeArgs da = a;
    if (ok_or(rope(a), r) && ok_or(rope_backward(ab), r) && dev.up(x, &da.x, r) && dev.up(o2, &da.out, r) &&
        ok_or(rope(da), r) && dev.down(da.out, o2, r)) {
      RopeArgs dab = da;
      if (dev.up(b2, &dab.out, r) && ok_or(rope_backward(dab), r) && dev.down(dab.out, b2, r)) {
        r.max_abs_err = std::max(max_diff(o, o2), max_diff(b, b2));
        r.passed = r.max_abs_err < 1e-5;
      }
    }
    out.push_back(r);
  }
  {  // SwiGLU + residual add
    CaseResult r{"swiglu+residualAdd", "n=1000003 fwd+bwd", "cuda"};
    const int64_t n = 1000003;
    std::vector<float> gt = random_floats(rng, n, -8, 8), up = random_floats(rng, n, -2, 2), go = random_floats(rng, n, -1, 1);
    std::vector<float> o(n), gg(n), gu(n), s(n), o2(n), gg2(n), gu2(n), s2(n);
    SwigluArgs f{host_view(gt), host_view(up), host_view(o)};
    SwigluBackwardArgs b{host_view(gt), host_view(up), host_view(go), host_view(gg), host_view(gu)};
    ResidualAddArgs ra{host_view(gt), host_view(up), host_view(s)};
    DeviceRun dev;
    SwigluArgs df;
    SwigluBackwardArgs db;
    ResidualAddArgs dra;
    if (ok_or(swiglu(f), r) && ok_or(swiglu_backward(b), r) && ok_or(residual_add(ra), r) && dev.up(gt, &df.gate, r) &&
        dev.up(up, &df.up, r) && dev.up(o2, &df.out, r) && dev.up(go, &db.grad_out, r) && dev.up(gg2, &db.grad_gate, r) &&
        dev.up(gu2, &db.grad_up, r) && dev.up(s2, &dra.out, r)) {
      db.gate = dra.a = df.gate;
      db.up = dra.b = df.up;
      if (ok_or(swiglu(df), r) && ok_or(swiglu_backward(db), r) && ok_or(residual_add(dra), r) && dev.down(df.out, o2, r) &&
          dev.down(db.grad_gate, gg2, r) && dev.down(db.grad_up, gu2, r) && dev.down(dra.out, s2, r)) {
        r.max_abs_err = std::max({max_diff(o, o2), max_diff(gg, gg2), max_diff(gu, gu2), max_diff(s, s2)});
        r.passed = r.max_abs_err < 1e-5;
      }
    }
    out.push_back(r);
  }
  {  // Embedding gather + deterministic scatter-add (bitwise equal to the CPU: same order)
    CaseResult r{"embedding", "V=1000 D=128 N=8192 fwd+bwd", "cuda"};
    const int64_t V = 1000, D = 128, N = 8192;
    std::vector<float> w = random_floats(rng, V * D, -1, 1), g = random_floats(rng, N * D, -1, 1);
    std::vector<float> o(N * D), gw(V * D), o2(N * D), gw2(V * D);
    std::vector<int32_t> ids(N);
    for (int64_t t = 0; t < N; ++t) ids[t] = (int32_t)((rng() % V) * (rng() % 2));  // many zeros
    EmbeddingArgs f{host_view(w), host_view(ids), V, D, host_view(o)};
    EmbeddingBackwardArgs b{host_view(g), host_view(ids), V, D, false, host_view(gw)};
    DeviceRun dev;
    EmbeddingArgs df = f;
    EmbeddingBackwardArgs db = b;
    if (ok_or(embedding(f), r) && ok_or(embedding_backward(b), r) && dev.up(w, &df.weight, r) && dev.up(o2, &df.out, r) &&
        dev.up(g, &db.grad_out, r) && dev.up(gw2, &db.grad_weight, r) && ok_or(embedding(df), r) &&
        ok_or(embedding_backward(db), r) && dev.down(df.out, o2, r) && dev.down(db.grad_weight, gw2, r)) {
      r.max_abs_err = std::max(max_diff(o, o2), max_diff(gw, gw2));
      r.passed = r.max_abs_err == 0;
    }
    out.push_back(r);
  }
}

const Register reg_cpu("modelOps/cpu", cpu_checks);
const Register reg_cuda("modelOps/cuda", cuda_checks);

}  // namespace

}  // namespace tx::parity

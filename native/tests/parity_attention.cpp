// Attention: CPU self-checks that run everywhere (decode == packed forward bit for bit,
// attention over selected rows == packed attention, the CUDA head-size check), and the CUDA kernels against their CPU twins: forward and
// backward in f32 and bf16 (inputs rounded to bf16 first, so both sides see the same
// values), decode against the CUDA forward. bf16 runs twice: the tensor-core flash kernels
// (the default on sm_80+) and the SIMT baseline (TX_CUDA_ATTENTION=simt). Every CUDA case
// also checks determinism (a second run gives the same bits). Decode uses the SIMT kernel,
// so it is compared bit for bit with the SIMT forward (f32, and bf16 "simt"); against the
// tensor-core forward it is only close (P is rounded to bf16 there), checked with the bf16
// tolerance. Without a usable GPU the CUDA cases SKIP.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "cpu/attention_rows.h"
#include "parity.h"
#include "tx/device.h"
#include "tx/ops.h"

namespace tx::parity {

namespace {

struct Problem {
  int64_t nt;
  int hq, hkv, d;
  std::vector<int32_t> cu;
  std::vector<float> q, k, v, dout;
};

Problem make_problem(std::mt19937_64& rng, const std::vector<int>& lengths, int hq, int hkv, int d) {
  Problem p{0, hq, hkv, d, {0}, {}, {}, {}, {}};
  for (int len : lengths) p.cu.push_back(p.cu.back() + len);
  p.nt = p.cu.back();
  p.q = random_floats(rng, static_cast<size_t>(p.nt * hq * d), -2.0f, 2.0f);
  p.k = random_floats(rng, static_cast<size_t>(p.nt * hkv * d), -2.0f, 2.0f);
  p.v = random_floats(rng, static_cast<size_t>(p.nt * hkv * d), -1.0f, 1.0f);
  p.dout = random_floats(rng, static_cast<size_t>(p.nt * hq * d), -1.0f, 1.0f);
  return p;
}

TensorView view3(void* data, int64_t a, int64_t b, int64_t c, DType dt = DType::kF32, Device dev = Device::kCpu) {
  return TensorView::contiguous(data, {a, b, c}, dt, dev);
}

struct Forward {
  std::vector<float> out, lse;
};

Status cpu_forward(Problem& p, Forward& f, bool causal) {
  f.out.assign(p.q.size(), NAN);
  f.lse.assign(static_cast<size_t>(p.hq * p.nt), NAN);
  AttentionArgs a;
  a.q = view3(p.q.data(), p.nt, p.hq, p.d);
  a.k = view3(p.k.data(), p.nt, p.hkv, p.d);
  a.v = view3(p.v.data(), p.nt, p.hkv, p.d);
  a.cu_seqlens = TensorView::contiguous(p.cu.data(), {static_cast<int64_t>(p.cu.size())}, DType::kI32);
  a.causal = causal;
  a.out = view3(f.out.data(), p.nt, p.hq, p.d);
  a.lse = TensorView::contiguous(f.lse.data(), {p.hq, p.nt}, DType::kF32);
  return attention(a);
}

// Decodes every position of every sequence against a cache holding its prefix and
// compares with the packed forward, bit for bit.
void cpu_decode_check(const Options& opts, std::vector<CaseResult>& out) {
  CaseResult r{"decodeAttention", "== packed forward, bitwise, Hq=8 Hkv=2 D=64", "cpu"};
  std::mt19937_64 rng(opts.seed);
  Problem p = make_problem(rng, {1, 64, 65, 100}, 8, 2, 64);
  Forward f;
  if (!ok_or(cpu_forward(p, f, true), r)) return out.push_back(r);
  const int64_t batch = static_cast<int64_t>(p.cu.size()) - 1, tmax = 100;
  const int64_t row = static_cast<int64_t>(p.hkv) * p.d;
  int mismatches = 0;
  for (int64_t b = 0; b < batch; ++b) {
    const int len = p.cu[b + 1] - p.cu[b];
    std::vector<float> kc(tmax * row, 0.0f), vc(tmax * row, 0.0f);
    std::memcpy(kc.data(), p.k.data() + p.cu[b] * row, sizeof(float) * len * row);
    std::memcpy(vc.data(), p.v.data() + p.cu[b] * row, sizeof(float) * len * row);
    for (int pos = 0; pos < len; ++pos) {
      const int64_t tok = p.cu[b] + pos;
      std::vector<float> o(static_cast<size_t>(p.hq * p.d)), l(p.hq);
      int32_t length = pos + 1;
      DecodeAttentionArgs a;
      a.q = view3(p.q.data() + tok * p.hq * p.d, 1, p.hq, p.d);
      a.k_cache = TensorView::contiguous(kc.data(), {1, tmax, p.hkv, p.d}, DType::kF32);
      a.v_cache = TensorView::contiguous(vc.data(), {1, tmax, p.hkv, p.d}, DType::kF32);
      a.lengths = TensorView::contiguous(&length, {1}, DType::kI32);
      a.out = view3(o.data(), 1, p.hq, p.d);
      a.lse = TensorView::contiguous(l.data(), {1, p.hq}, DType::kF32);
      if (!ok_or(decode_attention(a), r)) return out.push_back(r);
      if (std::memcmp(o.data(), f.out.data() + tok * p.hq * p.d, sizeof(float) * o.size()) != 0) ++mismatches;
      for (int h = 0; h < p.hq; ++h)
        if (std::memcmp(&l[h], &f.lse[h * p.nt + tok], sizeof(float)) != 0) ++mismatches;
    }
  }
  r.passed = mismatches == 0;
  if (!r.passed) r.detail = std::to_string(mismatches) + " rows differ";
  out.push_back(r);
}

// Attention over selected query rows (cpu/attention_rows.h, the model's last layer) against
// the packed attention: the forward's outputs and lse of the selected rows bit for bit; the
// backward's dQ of the selected rows and every dK, dV equal the packed backward's when the
// other rows' output gradients are zero. Sequences of 1 to 3 key blocks; some rows selected
// sparsely, some in a run, one sequence with none.
void cpu_rows_check(const Options& opts, int hq, int hkv, int d, std::vector<CaseResult>& out) {
  const std::string shape = "Hq=" + std::to_string(hq) + " Hkv=" + std::to_string(hkv) + " D=" + std::to_string(d);
  CaseResult fr{"attentionRows", "== packed forward on the selected rows, bitwise, " + shape, "cpu"};
  CaseResult br{"attentionRowsBackward", "== packed backward with zero dO elsewhere, " + shape, "cpu"};
  std::mt19937_64 rng(opts.seed + 17);
  Problem p = make_problem(rng, {1, 70, 130, 5, 200, 64}, hq, hkv, d);
  const int64_t batch = static_cast<int64_t>(p.cu.size()) - 1;
  std::vector<int32_t> rows, rows_cu{0}, pos;
  for (int64_t b = 0; b < batch; ++b) {
    const int len = p.cu[b + 1] - p.cu[b];
    for (int j = 0; j < len; ++j) {
      const bool pick = b == 3 ? false : b % 2 == 0 ? (j * 7 + static_cast<int>(b)) % 3 == 0 : j >= len / 3 && j + 1 < len;
      if (pick) rows.push_back(p.cu[b] + j), pos.push_back(j);
    }
    rows_cu.push_back(static_cast<int32_t>(rows.size()));
  }
  const int64_t nr = static_cast<int64_t>(rows.size()), qrow = static_cast<int64_t>(hq) * d;
  Forward f;
  if (!ok_or(cpu_forward(p, f, true), fr)) return out.push_back(fr);
  std::vector<float> q(nr * qrow), dout(nr * qrow), o(nr * qrow), lse(hq * nr);
  for (int64_t r = 0; r < nr; ++r) {
    std::memcpy(q.data() + r * qrow, p.q.data() + rows[r] * qrow, sizeof(float) * qrow);
    std::memcpy(dout.data() + r * qrow, p.dout.data() + rows[r] * qrow, sizeof(float) * qrow);
  }
  cpu::AttentionRowsArgs a;
  a.hq = hq, a.hkv = hkv, a.D = d, a.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  a.nt = p.nt, a.rows = nr, a.batch = batch, a.cu = p.cu.data(), a.rows_cu = rows_cu.data(), a.pos = pos.data();
  a.q = q.data(), a.k = p.k.data(), a.v = p.v.data(), a.out = o.data(), a.lse = lse.data();
  cpu::attention_rows(a);
  int mismatches = 0;
  for (int64_t r = 0; r < nr; ++r) {
    if (std::memcmp(o.data() + r * qrow, f.out.data() + rows[r] * qrow, sizeof(float) * qrow) != 0) ++mismatches;
    for (int h = 0; h < hq; ++h)
      if (std::memcmp(&lse[h * nr + r], &f.lse[h * p.nt + rows[r]], sizeof(float)) != 0) ++mismatches;
  }
  fr.passed = mismatches == 0;
  if (!fr.passed) fr.detail = std::to_string(mismatches) + " rows differ";
  out.push_back(fr);

  // The packed backward with dO zero on the rows not selected.
  std::vector<float> dout_full(p.q.size(), 0.0f), dq(p.q.size()), dk(p.k.size()), dv(p.v.size());
  for (int64_t r = 0; r < nr; ++r) std::memcpy(dout_full.data() + rows[r] * qrow, dout.data() + r * qrow, sizeof(float) * qrow);
  AttentionBackwardArgs ab;
  ab.q = view3(p.q.data(), p.nt, hq, d), ab.k = view3(p.k.data(), p.nt, hkv, d), ab.v = view3(p.v.data(), p.nt, hkv, d);
  ab.out = view3(f.out.data(), p.nt, hq, d), ab.lse = TensorView::contiguous(f.lse.data(), {hq, p.nt}, DType::kF32);
  ab.grad_out = view3(dout_full.data(), p.nt, hq, d);
  ab.cu_seqlens = TensorView::contiguous(p.cu.data(), {static_cast<int64_t>(p.cu.size())}, DType::kI32);
  ab.grad_q = view3(dq.data(), p.nt, hq, d), ab.grad_k = view3(dk.data(), p.nt, hkv, d), ab.grad_v = view3(dv.data(), p.nt, hkv, d);
  if (!ok_or(attention_backward(ab), br)) return out.push_back(br);
  std::vector<float> rq(nr * qrow), rk(p.k.size(), NAN), rv(p.v.size(), NAN);
  a.grad_out = dout.data(), a.grad_q = rq.data(), a.grad_k = rk.data(), a.grad_v = rv.data();
  cpu::attention_rows_backward(a);
  // Equal values (an exact zero may differ in sign: the packed sums add the other rows' zeros).
  mismatches = 0;
  for (int64_t r = 0; r < nr; ++r)
    for (int64_t i = 0; i < qrow; ++i)
      if (!(rq[r * qrow + i] == dq[rows[r] * qrow + i])) ++mismatches;
  for (size_t i = 0; i < dk.size(); ++i) mismatches += !(rk[i] == dk[i]) + !(rv[i] == dv[i]);
  br.passed = mismatches == 0;
  if (!br.passed) br.detail = std::to_string(mismatches) + " values differ";
  out.push_back(br);
}

// The CUDA head-size check fires before any device memory is touched, so it runs here.
void cpu_validation_check(std::vector<CaseResult>& out) {
  CaseResult r{"attention", "D=80 on CUDA rejected (E_SHAPE)", "cpu"};
  static float dummy[1];
  int32_t cu[2] = {0, 4};
  AttentionArgs a;
  a.q = view3(dummy, 4, 2, 80, DType::kF32, Device::kCuda);
  a.k = view3(dummy, 4, 2, 80, DType::kF32, Device::kCuda);
  a.v = view3(dummy, 4, 2, 80, DType::kF32, Device::kCuda);
  a.cu_seqlens = TensorView::contiguous(cu, {2}, DType::kI32);
  const Status s = validate_attention_inputs(a);
  r.passed = s.code() == Code::kShape && s.message().find("q.shape[2]") != std::string::npos;
  if (!r.passed) r.detail = s.message();
  out.push_back(r);
}

// Device copy of a host array, as f32 or bf16 bits; freed by the owner.
struct DeviceArray {
  void* ptr = nullptr;
  size_t n = 0;
  DType dt = DType::kF32;
  ~DeviceArray() { if (ptr) cuda_free(ptr, 0); }
  Status upload(const std::vector<float>& host, DType dtype) {
    n = host.size();
    dt = dtype;
    TX_RETURN_IF_ERROR(cuda_malloc(&ptr, n * dtype_size(dtype), 0));
    if (dtype == DType::kF32) return cuda_copy_to_device(ptr, host.data(), n * 4, 0);
    std::vector<uint16_t> h(n);
    for (size_t i = 0; i < n; ++i) h[i] = to_bf16(host[i]);
    return cuda_copy_to_device(ptr, h.data(), n * 2, 0);
  }
  Status alloc(size_t count, DType dtype) {
    n = count;
    dt = dtype;
    return cuda_malloc(&ptr, n * dtype_size(dtype), 0);
  }
  Status download(std::vector<float>& host) const {
    host.resize(n);
    if (dt == DType::kF32) return cuda_copy_to_host(host.data(), ptr, n * 4, 0);
    std::vector<uint16_t> h(n);
    TX_RETURN_IF_ERROR(cuda_copy_to_host(h.data(), ptr, n * 2, 0));
    for (size_t i = 0; i < n; ++i) host[i] = from_bf16(h[i]);
    return Status::ok();
  }
};

void round_to_bf16(std::vector<float>& x) {
  for (float& e : x) e = from_bf16(to_bf16(e));
}

// Selects the CUDA attention kernels for the scope: "simt" forces the baseline, "" the
// default choice (tensor cores for bf16 on sm_80+).
struct KernelChoice {
  explicit KernelChoice(bool simt) {
    if (simt) setenv("TX_CUDA_ATTENTION", "simt", 1);
    else unsetenv("TX_CUDA_ATTENTION");
  }
  ~KernelChoice() { unsetenv("TX_CUDA_ATTENTION"); }
};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

void cuda_case(const Options& opts, std::vector<CaseResult>& out, int d, DType dt, bool causal, bool simt) {
  const bool tensor_cores = dt == DType::kBF16 && !simt;
  KernelChoice choice(simt);
  const std::string name = std::string(dt == DType::kBF16 ? "bf16" : "f32") + (tensor_cores ? " mma" : " simt") +
                           " D=" + std::to_string(d) + (causal ? " causal" : " full") + " Hq=8 Hkv=2";
  CaseResult rf{"attention", name, "cuda"}, rb{"attentionBackward", name, "cuda"}, rd{"decodeAttention", name, "cuda"};
  std::mt19937_64 rng(opts.seed + d);
  // Lengths cover: a single token, partial tiles, an exact 128-row tile, several tiles.
  Problem p = make_problem(rng, {1, 77, 128, 300, 5, 200}, 8, 2, d);
  if (dt == DType::kBF16) {
    for (auto* x : {&p.q, &p.k, &p.v, &p.dout}) round_to_bf16(*x);
  }
  // bf16: outputs are rounded to bf16 (2^-9 relative) and, on tensor cores, P and dS are
  // too before their products; errors are relative to 1 + |reference|.
  const double tol = dt == DType::kBF16 ? 2e-2 : 1e-4;
  const double tol_bwd = dt == DType::kBF16 ? 3e-2 : 1e-3;
  // CPU twin.
  Forward f;
  if (!ok_or(cpu_forward(p, f, causal), rf)) return out.push_back(rf);
  std::vector<float> gq(p.q.size()), gk(p.k.size()), gv(p.v.size());
  AttentionBackwardArgs hb;
  hb.q = view3(p.q.data(), p.nt, p.hq, p.d);
  hb.k = view3(p.k.data(), p.nt, p.hkv, p.d);
  hb.v = view3(p.v.data(), p.nt, p.hkv, p.d);
  hb.out = view3(f.out.data(), p.nt, p.hq, p.d);
  hb.grad_out = view3(p.dout.data(), p.nt, p.hq, p.d);
  hb.lse = TensorView::contiguous(f.lse.data(), {p.hq, p.nt}, DType::kF32);
  hb.cu_seqlens = TensorView::contiguous(p.cu.data(), {static_cast<int64_t>(p.cu.size())}, DType::kI32);
  hb.causal = causal;
  hb.grad_q = view3(gq.data(), p.nt, p.hq, p.d);
  hb.grad_k = view3(gk.data(), p.nt, p.hkv, p.d);
  hb.grad_v = view3(gv.data(), p.nt, p.hkv, p.d);
  if (!ok_or(attention_backward(hb), rb)) return out.push_back(rb);

  DeviceArray dq, dk, dv, ddo, dout, dlse, dgq, dgk, dgv;
  Status s = dq.upload(p.q, dt);
  if (s.is_ok()) s = dk.upload(p.k, dt);
  if (s.is_ok()) s = dv.upload(p.v, dt);
  if (s.is_ok()) s = ddo.upload(p.dout, dt);
  if (s.is_ok()) s = dout.alloc(p.q.size(), dt);
  if (s.is_ok()) s = dlse.alloc(f.lse.size(), DType::kF32);
  if (s.is_ok()) s = dgq.alloc(p.q.size(), dt);
  if (s.is_ok()) s = dgk.alloc(p.k.size(), dt);
  if (s.is_ok()) s = dgv.alloc(p.v.size(), dt);
  if (!ok_or(s, rf)) return out.push_back(rf);
  AttentionArgs a;
  a.q = view3(dq.ptr, p.nt, p.hq, p.d, dt, Device::kCuda);
  a.k = view3(dk.ptr, p.nt, p.hkv, p.d, dt, Device::kCuda);
  a.v = view3(dv.ptr, p.nt, p.hkv, p.d, dt, Device::kCuda);
  a.cu_seqlens = hb.cu_seqlens;
  a.causal = causal;
  a.out = view3(dout.ptr, p.nt, p.hq, p.d, dt, Device::kCuda);
  a.lse = TensorView::contiguous(dlse.ptr, {p.hq, p.nt}, DType::kF32, Device::kCuda);
  std::vector<float> got_out, got_lse;
  if (ok_or(attention(a), rf) && ok_or(dout.download(got_out), rf) && ok_or(dlse.download(got_lse), rf)) {
    bool nan = false;
    rf.max_abs_err = std::max(rel_err(got_out, f.out, &nan), rel_err(got_lse, f.lse, &nan));
    rf.passed = !nan && rf.max_abs_err < tol;
    if (nan) rf.detail = "NaN";
    // Deterministic: a second run gives the same bits.
    std::vector<float> again_out, again_lse;
    if (rf.passed && ok_or(attention(a), rf) && ok_or(dout.download(again_out), rf) &&
        ok_or(dlse.download(again_lse), rf) && (!same_bits(again_out, got_out) || !same_bits(again_lse, got_lse))) {
      rf.passed = false;
      rf.detail = "out/lse differ between two runs";
    }
    if (rf.passed && opts.bench) rf.ms = median_ms(2, 10, [&] { attention(a); });
  }
  out.push_back(rf);

  AttentionBackwardArgs b = hb;
  b.q = a.q;
  b.k = a.k;
  b.v = a.v;
  b.out = a.out;
  b.lse = a.lse;
  b.grad_out = view3(ddo.ptr, p.nt, p.hq, p.d, dt, Device::kCuda);
  b.grad_q = view3(dgq.ptr, p.nt, p.hq, p.d, dt, Device::kCuda);
  b.grad_k = view3(dgk.ptr, p.nt, p.hkv, p.d, dt, Device::kCuda);
  b.grad_v = view3(dgv.ptr, p.nt, p.hkv, p.d, dt, Device::kCuda);
  std::vector<float> got_gq, got_gk, got_gv;
  if (ok_or(attention_backward(b), rb) && ok_or(dgq.download(got_gq), rb) && ok_or(dgk.download(got_gk), rb) &&
      ok_or(dgv.download(got_gv), rb)) {
    bool nan = false;
    rb.max_abs_err = std::max({rel_err(got_gq, gq, &nan), rel_err(got_gk, gk, &nan), rel_err(got_gv, gv, &nan)});
    rb.passed = !nan && rb.max_abs_err < tol_bwd;
    if (nan) rb.detail = "NaN";
    // Deterministic: a second run gives the same bits (no atomics on any path).
    std::vector<float> again_q, again_k, again_v;
    if (rb.passed && ok_or(attention_backward(b), rb) && ok_or(dgq.download(again_q), rb) &&
        ok_or(dgk.download(again_k), rb) && ok_or(dgv.download(again_v), rb) &&
        (!same_bits(again_q, got_gq) || !same_bits(again_k, got_gk) || !same_bits(again_v, got_gv))) {
      rb.passed = false;
      rb.detail = "gradQ/gradK/gradV differ between two runs";
    }
    if (rb.passed && opts.bench) rb.ms = median_ms(2, 10, [&] { attention_backward(b); });
  }
  out.push_back(rb);

  // Decode the last token of each sequence against its prefix (the cache is the packed k/v
  // of one sequence at a time) and compare with the CUDA forward: bit for bit when both are
  // the SIMT kernel, within the bf16 tolerance against the tensor-core forward.
  if (causal) {
    rd.name += tensor_cores ? " (vs mma forward, tolerance)" : " (bitwise)";
    int mismatches = 0;
    double worst = 0;
    const int64_t row = static_cast<int64_t>(p.hkv) * p.d;
    for (size_t bi = 0; bi + 1 < p.cu.size() && rd.detail.empty(); ++bi) {
      const int len = p.cu[bi + 1] - p.cu[bi];
      const int64_t tok = p.cu[bi + 1] - 1;
      const size_t esz = dtype_size(dt);
      int32_t length = len;
      DecodeAttentionArgs da;
      da.q = view3(static_cast<char*>(dq.ptr) + tok * p.hq * p.d * esz, 1, p.hq, p.d, dt, Device::kCuda);
      da.k_cache = TensorView::contiguous(static_cast<char*>(dk.ptr) + p.cu[bi] * row * esz, {1, len, p.hkv, p.d}, dt, Device::kCuda);
      da.v_cache = TensorView::contiguous(static_cast<char*>(dv.ptr) + p.cu[bi] * row * esz, {1, len, p.hkv, p.d}, dt, Device::kCuda);
      da.lengths = TensorView::contiguous(&length, {1}, DType::kI32);
      DeviceArray o, l;
      if (!ok_or(o.alloc(static_cast<size_t>(p.hq * p.d), dt), rd) || !ok_or(l.alloc(p.hq, DType::kF32), rd)) break;
      da.out = view3(o.ptr, 1, p.hq, p.d, dt, Device::kCuda);
      da.lse = TensorView::contiguous(l.ptr, {1, p.hq}, DType::kF32, Device::kCuda);
      std::vector<float> go;
      if (!ok_or(decode_attention(da), rd) || !ok_or(o.download(go), rd)) break;
      if (tensor_cores) {
        bool nan = false;
        const std::vector<float> want(got_out.begin() + tok * p.hq * p.d, got_out.begin() + (tok + 1) * p.hq * p.d);
        const double e = rel_err(go, want, &nan);
        worst = std::max(worst, e);
        if (nan || e >= tol) ++mismatches;
      } else if (std::memcmp(go.data(), got_out.data() + tok * p.hq * p.d, go.size() * 4) != 0) {
        ++mismatches;
      }
    }
    if (rd.detail.empty()) {
      rd.passed = mismatches == 0;
      rd.max_abs_err = worst;
      if (mismatches) rd.detail = std::to_string(mismatches) + " sequences differ from the CUDA forward";
    }
    out.push_back(rd);
  }
}

// --bench only: FlashAttention's benchmark shapes (one causal sequence of T tokens, bf16,
// H * D = 2048), forward and backward, tensor cores vs SIMT; TFLOP/s with FA's count
// (forward 2 T^2 D H causal, backward 2.5x) in `detail`, to set beside
// benchmarks/gpu/attention_torch.py. No CPU reference at these sizes (the cases above
// check correctness).
void bench_case(const Options& opts, std::vector<CaseResult>& out, int tokens, int d, bool simt) {
  const int h = 2048 / d;
  const std::string name = std::string(simt ? "bf16 simt" : "bf16 mma") + " T=" + std::to_string(tokens) +
                           " D=" + std::to_string(d) + " H=" + std::to_string(h) + " causal (bench)";
  CaseResult rf{"attention", name, "cuda"}, rb{"attentionBackward", name, "cuda"};
  KernelChoice choice(simt);
  std::mt19937_64 rng(opts.seed);
  const size_t n = static_cast<size_t>(tokens) * h * d;
  const std::vector<float> x = random_floats(rng, n, -1.0f, 1.0f);
  DeviceArray q, k, v, o, dout, lse, gq, gk, gv;
  Status s = q.upload(x, DType::kBF16);
  if (s.is_ok()) s = k.upload(x, DType::kBF16);
  if (s.is_ok()) s = v.upload(x, DType::kBF16);
  if (s.is_ok()) s = dout.upload(x, DType::kBF16);
  if (s.is_ok()) s = o.alloc(n, DType::kBF16);
  if (s.is_ok()) s = lse.alloc(static_cast<size_t>(tokens) * h, DType::kF32);
  if (s.is_ok()) s = gq.alloc(n, DType::kBF16);
  if (s.is_ok()) s = gk.alloc(n, DType::kBF16);
  if (s.is_ok()) s = gv.alloc(n, DType::kBF16);
  if (!ok_or(s, rf)) return out.push_back(rf);
  int32_t cu[2] = {0, tokens};
  const Device dev = Device::kCuda;
  AttentionArgs a;
  a.q = view3(q.ptr, tokens, h, d, DType::kBF16, dev);
  a.k = view3(k.ptr, tokens, h, d, DType::kBF16, dev);
  a.v = view3(v.ptr, tokens, h, d, DType::kBF16, dev);
  a.cu_seqlens = TensorView::contiguous(cu, {2}, DType::kI32);
  a.causal = true;
  a.out = view3(o.ptr, tokens, h, d, DType::kBF16, dev);
  a.lse = TensorView::contiguous(lse.ptr, {h, tokens}, DType::kF32, dev);
  AttentionBackwardArgs b;
  b.q = a.q;
  b.k = a.k;
  b.v = a.v;
  b.out = a.out;
  b.lse = a.lse;
  b.cu_seqlens = a.cu_seqlens;
  b.causal = true;
  b.grad_out = view3(dout.ptr, tokens, h, d, DType::kBF16, dev);
  b.grad_q = view3(gq.ptr, tokens, h, d, DType::kBF16, dev);
  b.grad_k = view3(gk.ptr, tokens, h, d, DType::kBF16, dev);
  b.grad_v = view3(gv.ptr, tokens, h, d, DType::kBF16, dev);
  const double flops = 2.0 * tokens * static_cast<double>(tokens) * d * h;
  if (ok_or(attention(a), rf)) {
    rf.ms = median_ms(2, 10, [&] { attention(a); });
    rf.passed = true;
    rf.detail = std::to_string(flops / (rf.ms * 1e9)) + " TFLOP/s";
  }
  out.push_back(rf);
  if (ok_or(attention_backward(b), rb)) {
    rb.ms = median_ms(2, 10, [&] { attention_backward(b); });
    rb.passed = true;
    rb.detail = std::to_string(2.5 * flops / (rb.ms * 1e9)) + " TFLOP/s";
  }
  out.push_back(rb);
}

void suite(const Options& opts, std::vector<CaseResult>& out) {
  cpu_decode_check(opts, out);
  cpu_rows_check(opts, 4, 2, 32, out);
  cpu_rows_check(opts, 2, 2, 64, out);
  cpu_validation_check(out);
  if (!cuda_report().usable) {
    CaseResult r{"attention", "all CUDA cases", "cuda"};
    r.skipped = true;
    r.detail = "CUDA not usable: " + cuda_report().reason;
    out.push_back(r);
    return;
  }
  for (int d : {64, 128})
    for (bool causal : {true, false}) {
      cuda_case(opts, out, d, DType::kF32, causal, false);
      cuda_case(opts, out, d, DType::kBF16, causal, false);  // tensor cores on sm_80+
      cuda_case(opts, out, d, DType::kBF16, causal, true);   // SIMT baseline
    }
  if (opts.bench) {
    for (int d : {64, 128})
      for (int tokens : {2048, 4096, 8192, 16384}) {
        bench_case(opts, out, tokens, d, false);
        if (tokens <= 4096) bench_case(opts, out, tokens, d, true);  // the SIMT kernels are slow
      }
  }
}

Register reg("attention", suite);

}  // namespace

}  // namespace tx::parity

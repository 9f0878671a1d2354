// CPU SGEMM, GotoBLAS/BLIS structure: op(B) is packed per N panel (all of K x NC) into
// NR-wide strips, op(A) per (MC x KC) block into MR-tall strips (packing absorbs every
// transpose, so one micro-kernel serves all four combinations), and an MR x NR
// register-tiled micro-kernel runs over the packed strips.
//
// Threading, chosen for a shared machine where a thread can lose its core at any moment:
// no OpenMP team and no barrier. Work is claimed dynamically in units of (MC rows of C, a
// range of NR strips) by the caller and the helpers of run_shared (cpu/work_pool.h); B strips
// are packed on first use by whichever thread needs them (StripGate). A helper that never
// gets a core costs nothing: the caller takes its units. Every C element is computed by
// exactly one unit, over K blocks in ascending order: the result is bit-identical for any
// thread count and any claiming order.
//
// Buffers: the packed B panel belongs to the calling thread and each packed A block to the
// thread that packs it (thread_local, 64-byte aligned, grown on demand and reused across
// calls), so concurrent gemm calls from different threads never share a buffer and a call
// allocates nothing once warm.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "cpu/gemm.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "tx/platform.h"
#include "cpu/work_pool.h"
#include "tx/runtime.h"

#if defined(TX_ISA_IS_avx512) || defined(TX_ISA_IS_avx2)
#include <immintrin.h>
#elif defined(TX_ISA_IS_neon)
#include <arm_neon.h>
#endif

namespace tx::cpu::TX_ISA_NS {

namespace {

#if defined(TX_ISA_IS_avx512)
// 14 x 32: 28 zmm accumulators + 2 for the B row (the A broadcast folds into the FMA as
// a memory operand), 28 FMAs per 16 loads. Zen 4/5 and Skylake-X have 32 zmm registers.
constexpr int64_t kMR = 14, kNR = 32;
#elif defined(TX_ISA_IS_avx2)
// 6 x 16: 12 ymm accumulators + 2 for the B row + 1 broadcast of the 16 ymm registers.
constexpr int64_t kMR = 6, kNR = 16;
#elif defined(TX_ISA_IS_neon)
// 8 x 12: 24 q accumulators + 3 for the B row + 2 for the A column of the 32 q registers.
constexpr int64_t kMR = 8, kNR = 12;
#else
constexpr int64_t kMR = 6, kNR = 16;  // portable: the compiler vectorises the fixed-size loops
#endif
// KC is the same in every set: each C element sums its K blocks in the same order, so the
// sets differ only in how a block's sum meets C at tile edges (docs/simd.md).
// KC: one B strip (KC x NR floats, 32 KiB) + one A strip (MR x KC, 14 KiB) fit the 48 KiB L1d
// of Zen 4/5 (Skylake-X: 32 KiB, where the A strip streams from L2). MC: an A block
// (MC x KC = 168 x 256 floats, 168 KiB) stays in the 1 MiB L2 while every B strip passes.
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 168;
// The packed B panel holds all of K for NC columns; capped at 4 Mi floats (16 MiB, about an
// L3) so huge N x K shapes take several panels instead of one huge buffer per thread.
constexpr int64_t kPanelFloats = int64_t{4} << 20;

struct Mat {
  const float* p;
  bool trans;
  int64_t ld;  // stored row length
  float at(int64_t r, int64_t c) const { return trans ? p[c * ld + r] : p[r * ld + c]; }
};

// A growable 64-byte-aligned float buffer: reused across calls by its owning thread.
class Scratch {
  static constexpr size_t kHuge = size_t{2} << 20;

 public:
  float* get(int64_t floats) {
    if (floats > cap_) {
      // Large buffers (the B panel) go on 2 MiB boundaries and ask for transparent huge
      // pages: a pass over a multi-MiB panel then needs a handful of TLB entries, not
      // thousands. A hint only; without THP it is ordinary memory.
      const size_t bytes_min = static_cast<size_t>(floats) * sizeof(float);
      const size_t align = bytes_min >= kHuge ? kHuge : 64;
      const size_t bytes = (bytes_min + align - 1) / align * align;
      buf_.reset(static_cast<float*>(platform::aligned_alloc_bytes(align, bytes)));
#if defined(MADV_HUGEPAGE)
      if (buf_ && align == kHuge) madvise(buf_.get(), bytes, MADV_HUGEPAGE);
#endif
      cap_ = buf_ ? floats : 0;
    }
    return buf_.get();
  }

 private:
  struct Free {
    void operator()(float* p) const { platform::aligned_free(p); }
  };
  std::unique_ptr<float, Free> buf_;
  int64_t cap_ = 0;
};

// Stored rows a strided pack reads ahead of the one it copies: rows a row length apart
// cross pages, where the hardware prefetchers stop, so on long-K GEMMs (the weight
// gradients, K = tokens) the packs waited on memory row by row.
constexpr int64_t kAhead = 8;

// Packs rows [r0, r0+mc) x cols [k0, k0+kc) of op(A) as MR-tall strips, k-major, zero padded.
void pack_a(const Mat& a, int64_t r0, int64_t mc, int64_t k0, int64_t kc, float* out) {
  if (a.trans) {
    // op(A) column k is a contiguous stored row: walk the stored rows in order and deal each
    // one's mc floats out to the strips. (Strip by strip instead, every strip would re-walk
    // kc rows a stored row length apart: a page-crossing stride the prefetchers do not
    // follow, which made the long-K weight-gradient GEMMs wait on memory.)
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = a.p + (k0 + k) * a.ld + r0;
      if (k + kAhead < kc) {
        for (int64_t c = 0; c < mc; c += 16) TX_PREFETCH(src + kAhead * a.ld + c);
      }
      for (int64_t s = 0; s < mc; s += kMR) {
        const int64_t h = std::min(kMR, mc - s);
        float* dst = out + s * kc + k * kMR;
        for (int64_t i = 0; i < h; ++i) dst[i] = src[s + i];
        for (int64_t i = h; i < kMR; ++i) dst[i] = 0.0f;
      }
    }
    return;
  }
  // Row by row: each stored row is read contiguously, written with stride MR.
  for (int64_t s = 0; s < mc; s += kMR) {
    const int64_t h = std::min(kMR, mc - s);
    for (int64_t i = 0; i < h; ++i) {
      const float* src = a.p + (r0 + s + i) * a.ld + k0;
      for (int64_t k = 0; k < kc; ++k) out[k * kMR + i] = src[k];
    }
    for (int64_t i = h; i < kMR; ++i)
      for (int64_t k = 0; k < kc; ++k) out[k * kMR + i] = 0.0f;
    out += kc * kMR;
  }
}

// Packs op(B) rows [0, K) x cols [c0, c0+w) as strip s of a panel of `strips` strips,
// zero padded. Panel layout is K-block-major: block pc holds every strip's kc x NR tile
// contiguously (offset pc * strips * NR + s * kc * NR), so one pass of the micro-kernels
// over a K block walks one contiguous run of memory (fewer pages, friendlier prefetch).
void pack_b_strip(const Mat& b, int64_t k_total, int64_t c0, int64_t w, int64_t s, int64_t strips, float* panel) {
  for (int64_t pc = 0; pc < k_total; pc += kKC) {
    const int64_t kc = std::min(kKC, k_total - pc);
    float* out = panel + pc * strips * kNR + s * kc * kNR;
    if (!b.trans) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = b.p + (pc + k) * b.ld + c0;
        if (pc + k + kAhead < k_total) {
          TX_PREFETCH(src + kAhead * b.ld);
          TX_PREFETCH(src + kAhead * b.ld + kNR - 1);
        }
        if (w == kNR) {
          std::memcpy(out + k * kNR, src, sizeof(float) * kNR);
        } else {
          for (int64_t j = 0; j < w; ++j) out[k * kNR + j] = src[j];
          for (int64_t j = w; j < kNR; ++j) out[k * kNR + j] = 0.0f;
        }
      }
    } else {  // op(B) column j is a contiguous stored row: read it in order
      for (int64_t j = 0; j < w; ++j) {
        const float* src = b.p + (c0 + j) * b.ld + pc;
        for (int64_t k = 0; k < kc; ++k) out[k * kNR + j] = src[k];
      }
      for (int64_t j = w; j < kNR; ++j)
        for (int64_t k = 0; k < kc; ++k) out[k * kNR + j] = 0.0f;
    }
  }
}

// Packs K block pc of a panel (op(B) rows [pc, pc+kc) x cols [c0, c0+nc), `strips` strips)
// from an untransposed B, row by row: each stored row is read once, in order, and dealt out
// to the strips (strip by strip, the rows would be read a row length apart per strip).
void pack_b_block(const Mat& b, int64_t k_total, int64_t pc, int64_t c0, int64_t nc, int64_t strips, float* panel) {
  const int64_t kc = std::min(kKC, k_total - pc);
  float* out = panel + pc * strips * kNR;
  for (int64_t k = 0; k < kc; ++k) {
    const float* src = b.p + (pc + k) * b.ld + c0;
    if (pc + k + kAhead < k_total) {
      for (int64_t c = 0; c < nc; c += 16) TX_PREFETCH(src + kAhead * b.ld + c);
    }
    for (int64_t s = 0; s < strips; ++s) {
      const int64_t w = std::min(kNR, nc - s * kNR);
      float* dst = out + s * kc * kNR + k * kNR;
      if (w == kNR) {
        std::memcpy(dst, src + s * kNR, sizeof(float) * kNR);
      } else {
        for (int64_t j = 0; j < w; ++j) dst[j] = src[s * kNR + j];
        for (int64_t j = w; j < kNR; ++j) dst[j] = 0.0f;
      }
    }
  }
}

// acc = Ap (MR x kc) * Bp (kc x NR); then C[0:h, 0:w] = alpha acc + beta C.
void micro_kernel(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int64_t h, int64_t w,
                  float alpha, float beta) {
  alignas(64) float acc[kMR * kNR];
#if defined(TX_ISA_IS_avx512)
  __m512 r[kMR][2];
  for (int i = 0; i < kMR; ++i) r[i][0] = r[i][1] = _mm512_setzero_ps();
  for (int i = 0; i < h; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
    for (int i = 0; i < kMR; ++i) {
      const __m512 av = _mm512_set1_ps(ap[i]);
      r[i][0] = _mm512_fmadd_ps(av, b0, r[i][0]);
      r[i][1] = _mm512_fmadd_ps(av, b1, r[i][1]);
    }
    ap += kMR;
    bp += kNR;
  }
  if (h == kMR && w == kNR) {  // full tile: update C directly
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int i = 0; i < kMR; ++i) {
      for (int half = 0; half < 2; ++half) {
        float* cp = c + i * ldc + half * 16;
        __m512 v = _mm512_mul_ps(va, r[i][half]);
        if (beta != 0.0f) v = _mm512_fmadd_ps(vb, _mm512_loadu_ps(cp), v);
        _mm512_storeu_ps(cp, v);
      }
    }
    return;
  }
  for (int i = 0; i < kMR; ++i) {
    _mm512_store_ps(acc + i * kNR, r[i][0]);
    _mm512_store_ps(acc + i * kNR + 16, r[i][1]);
  }
#elif defined(TX_ISA_IS_avx2)
  __m256 r[kMR][2];
  for (int i = 0; i < kMR; ++i) r[i][0] = r[i][1] = _mm256_setzero_ps();
  for (int i = 0; i < h; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
    for (int i = 0; i < kMR; ++i) {
      const __m256 av = _mm256_broadcast_ss(ap + i);
      r[i][0] = _mm256_fmadd_ps(av, b0, r[i][0]);
      r[i][1] = _mm256_fmadd_ps(av, b1, r[i][1]);
    }
    ap += kMR;
    bp += kNR;
  }
  if (h == kMR && w == kNR) {  // full tile: update C directly, as the avx512 set does
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    for (int i = 0; i < kMR; ++i) {
      for (int half = 0; half < 2; ++half) {
        float* cp = c + i * ldc + half * 8;
        __m256 v = _mm256_mul_ps(va, r[i][half]);
        if (beta != 0.0f) v = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cp), v);
        _mm256_storeu_ps(cp, v);
      }
    }
    return;
  }
  for (int i = 0; i < kMR; ++i) {
    _mm256_store_ps(acc + i * kNR, r[i][0]);
    _mm256_store_ps(acc + i * kNR + 8, r[i][1]);
  }
#elif defined(TX_ISA_IS_neon)
  float32x4_t r[kMR][3];
  for (int i = 0; i < kMR; ++i) r[i][0] = r[i][1] = r[i][2] = vdupq_n_f32(0.0f);
  for (int64_t k = 0; k < kc; ++k) {
    const float32x4_t b0 = vld1q_f32(bp), b1 = vld1q_f32(bp + 4), b2 = vld1q_f32(bp + 8);
    const float32x4_t a0 = vld1q_f32(ap), a1 = vld1q_f32(ap + 4);
#define TX_NEON_ROW(i, a, lane)                        \
  r[i][0] = vfmaq_laneq_f32(r[i][0], b0, a, lane);     \
  r[i][1] = vfmaq_laneq_f32(r[i][1], b1, a, lane);     \
  r[i][2] = vfmaq_laneq_f32(r[i][2], b2, a, lane);
    TX_NEON_ROW(0, a0, 0) TX_NEON_ROW(1, a0, 1) TX_NEON_ROW(2, a0, 2) TX_NEON_ROW(3, a0, 3)
    TX_NEON_ROW(4, a1, 0) TX_NEON_ROW(5, a1, 1) TX_NEON_ROW(6, a1, 2) TX_NEON_ROW(7, a1, 3)
#undef TX_NEON_ROW
    ap += kMR;
    bp += kNR;
  }
  if (h == kMR && w == kNR) {  // full tile: C = fma(beta, C, alpha acc), as the avx512 set does
    const float32x4_t va = vdupq_n_f32(alpha), vb = vdupq_n_f32(beta);
    for (int i = 0; i < kMR; ++i) {
      for (int q = 0; q < 3; ++q) {
        float* cp = c + i * ldc + q * 4;
        float32x4_t v = vmulq_f32(va, r[i][q]);
        if (beta != 0.0f) v = vfmaq_f32(v, vb, vld1q_f32(cp));
        vst1q_f32(cp, v);
      }
    }
    return;
  }
  for (int i = 0; i < kMR; ++i)
    for (int q = 0; q < 3; ++q) vst1q_f32(acc + i * kNR + q * 4, r[i][q]);
#else
  std::fill(acc, acc + kMR * kNR, 0.0f);
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kMR; ++i)
      for (int j = 0; j < kNR; ++j) acc[i * kNR + j] += ap[i] * bp[j];
    ap += kMR;
    bp += kNR;
  }
#endif
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) {
      float& out = c[i * ldc + j];
      out = beta != 0.0f ? alpha * acc[i * kNR + j] + beta * out : alpha * acc[i * kNR + j];
    }
  }
}

struct Problem {
  Mat a, b;
  float* c;
  int64_t m, n, k;
  float alpha, beta;
};

// One unit: rows [ic, ic+mc) x strips [s_lo, s_hi) of the panel starting at column jc, over
// all of K (ascending K blocks: the first applies beta, later ones accumulate).
// `ready(pc)` returns once K block pc of the panel is packed.
template <typename Ready>
void compute_unit(const Problem& p, const float* bpanel, int64_t jc, int64_t nc, int64_t ic, int64_t mc, int64_t s_lo,
                  int64_t s_hi, float* apack, Ready ready) {
  const int64_t strips = (nc + kNR - 1) / kNR;
  for (int64_t pc = 0; pc < p.k; pc += kKC) {
    const int64_t kc = std::min(kKC, p.k - pc);
    ready(pc);
    pack_a(p.a, ic, mc, pc, kc, apack);
    const float beta = pc == 0 ? p.beta : 1.0f;
    for (int64_t s = s_lo; s < s_hi; ++s) {
      const int64_t j = jc + s * kNR, w = std::min(kNR, nc - s * kNR);
      const float* bp = bpanel + pc * strips * kNR + s * kc * kNR;
      for (int64_t ir = 0; ir < mc; ir += kMR) {
        micro_kernel(kc, apack + ir * kc, bp, p.c + (ic + ir) * p.n + j, p.n, std::min(kMR, mc - ir), w, p.alpha,
                     beta);
      }
    }
  }
}

// Makes sure part s of the panel (a strip, or a K block) is packed before it is read: the
// first thread to need it packs it; another that needs it meanwhile waits (only on a thread
// that is running: it holds the part because it is packing it now).
class StripGate {
 public:
  explicit StripGate(int64_t strips) : state_(new std::atomic<uint8_t>[strips]) {
    for (int64_t s = 0; s < strips; ++s) state_[s].store(kEmpty, std::memory_order_relaxed);
  }
  template <typename Pack>
  void ensure(int64_t s, Pack pack) {
    uint8_t st = state_[s].load(std::memory_order_acquire);
    if (st == kReady) return;
    if (st == kEmpty && state_[s].compare_exchange_strong(st, kPacking, std::memory_order_acq_rel)) {
      pack();
      state_[s].store(kReady, std::memory_order_release);
      return;
    }
    while (state_[s].load(std::memory_order_acquire) != kReady) std::this_thread::yield();
  }

 private:
  static constexpr uint8_t kEmpty = 0, kPacking = 1, kReady = 2;
  std::unique_ptr<std::atomic<uint8_t>[]> state_;
};

// Columns of op(B) per packed panel.
int64_t panel_cols_of(int64_t n, int64_t k) { return std::max(kNR, std::min(n, kPanelFloats / k) / kNR * kNR); }

// `packed`: op(B) already packed, every panel in order (gemm_pack_b), or nullptr.
void run(const Problem& p, int threads, const float* packed) {
  static thread_local Scratch bpanel_scratch;  // the calling thread's: shared by its helpers
  const int64_t panel_cols = panel_cols_of(p.n, p.k);
  // Enough units for dynamic balancing: about 4 per thread.
  const int64_t want = 4 * static_cast<int64_t>(threads);
  // Equal M blocks (whole MR strips each), not kMC blocks plus a sliver: units stay even.
  // A short M (the weight gradients: M = a layer's width, K = the tokens) is cut into
  // smaller blocks before N is split: the parts of one M block each pack that block of A
  // again (all of the long K), while M blocks share the one packed B panel. Blocks are whole
  // MR strips, so every element stays in the same register tile however M is cut.
  int64_t mblocks = (p.m + kMC - 1) / kMC;
  if (mblocks < want) mblocks = std::min(want, (p.m + kMR - 1) / kMR);
  const int64_t mc_even = ((p.m + mblocks - 1) / mblocks + kMR - 1) / kMR * kMR;
  float* bpanel = packed != nullptr ? nullptr : bpanel_scratch.get(p.k * ((std::min(panel_cols, p.n) + kNR - 1) / kNR) * kNR);
  for (int64_t jc = 0; jc < p.n; jc += panel_cols) {  // one shared job per panel
    const int64_t nc = std::min(panel_cols, p.n - jc);
    const int64_t strips = (nc + kNR - 1) / kNR;
    if (packed != nullptr) bpanel = const_cast<float*>(packed) + jc * p.k;  // earlier panels: jc columns' strips, whole
    // Split N when M blocks alone are too few.
    const int64_t parts = std::clamp<int64_t>((want + mblocks - 1) / mblocks, 1, strips);
    const int64_t units = mblocks * parts;
    // An untransposed B (the weight gradients' activations, K = tokens) is packed by K
    // block, all strips at once (pack_b_block); a transposed one strip by strip, each strip
    // reading whole stored rows.
    const bool by_block = packed == nullptr && !p.b.trans;
    StripGate gate(by_block ? (p.k + kKC - 1) / kKC : strips);
    std::atomic<int64_t> next{0};
    run_shared(threads, [&] {
      static thread_local Scratch apack_scratch;
      float* apack = apack_scratch.get(kMC * kKC);
      for (int64_t u = next.fetch_add(1, std::memory_order_relaxed); u < units;
           u = next.fetch_add(1, std::memory_order_relaxed)) {
        const int64_t ib = u / parts, part = u % parts;
        const int64_t ic = ib * mc_even, mc = std::min(mc_even, p.m - ic);
        if (mc <= 0) continue;  // rounding to whole strips can leave the last block empty
        const int64_t s_lo = strips * part / parts, s_hi = strips * (part + 1) / parts;
        for (int64_t s = s_lo; s < s_hi && packed == nullptr && !by_block; ++s) {
          gate.ensure(s, [&] {
            pack_b_strip(p.b, p.k, jc + s * kNR, std::min(kNR, nc - s * kNR), s, strips, bpanel);
          });
        }
        compute_unit(p, bpanel, jc, nc, ic, mc, s_lo, s_hi, apack, [&](int64_t pc) {
          if (by_block) gate.ensure(pc / kKC, [&] { pack_b_block(p.b, p.k, pc, jc, nc, strips, bpanel); });
        });
      }
    });
  }
}

void gemm_with(const GemmArgs& g, const float* packed) {
  Problem p{{g.a.as<const float>(), g.trans_a, g.trans_a ? g.m : g.k},
            {packed != nullptr ? nullptr : g.b.as<const float>(), g.trans_b, g.trans_b ? g.k : g.n},
            g.c.as<float>(),
            g.m,
            g.n,
            g.k,
            static_cast<float>(g.alpha),
            static_cast<float>(g.beta)};
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0 || p.alpha == 0.0f) {  // C = beta C (beta 0 clears, NaN included)
    for (int64_t i = 0; i < g.m * g.n; ++i) p.c[i] = p.beta == 0.0f ? 0.0f : p.beta * p.c[i];
    return;
  }
  // Below ~64^3 multiply-adds a thread team costs more than it saves.
  const int threads = g.m * g.n * g.k < (int64_t{1} << 18) ? 1 : cpu_threads();
  run(p, threads, packed);
}

}  // namespace

void gemm(const GemmArgs& g) { gemm_with(g, nullptr); }

// Every panel is whole strips of NR columns (panel_cols_of is a multiple of NR), so panel jc
// starts jc * k floats in.
int64_t gemm_packed_b_floats(int64_t n, int64_t k) { return k * ((n + kNR - 1) / kNR) * kNR; }

void gemm_pack_b(const float* b, bool trans_b, int64_t n, int64_t k, float* out) {
  const Mat m{b, trans_b, trans_b ? k : n};
  const int64_t panel_cols = panel_cols_of(n, k);
  for (int64_t jc = 0; jc < n; jc += panel_cols) {
    const int64_t nc = std::min(panel_cols, n - jc), strips = (nc + kNR - 1) / kNR;
    for (int64_t s = 0; s < strips; ++s) pack_b_strip(m, k, jc + s * kNR, std::min(kNR, nc - s * kNR), s, strips, out + jc * k);
  }
}

void gemm_prepacked(const GemmArgs& g, const float* packed_b) { gemm_with(g, packed_b); }

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(void, gemm, (const GemmArgs& a), (a))
TX_CPU_DISPATCH(int64_t, gemm_packed_b_floats, (int64_t n, int64_t k), (n, k))
TX_CPU_DISPATCH(void, gemm_pack_b, (const float* b, bool trans_b, int64_t n, int64_t k, float* out), (b, trans_b, n, k, out))
TX_CPU_DISPATCH(void, gemm_prepacked, (const GemmArgs& a, const float* packed_b), (a, packed_b))
}  // namespace tx::cpu

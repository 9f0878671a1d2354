// RMSNorm forward/backward (Qwen2RMSNorm). Row sums use 16 fixed lanes combined in a fixed
// order: a row's result depends only on its own values (batch invariance), and the loops
// vectorise. grad_weight sums fixed 64-row chunks, then the chunks in order, so it is the
// same for any thread count.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/rms_norm.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

namespace {

constexpr int64_t kChunkRows = 64;

// sum_j a[j] * b[j] in the fixed 16-lane order.
inline float dot16(const float* a, const float* b, int64_t n) {
  float acc[16] = {};
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    for (int l = 0; l < 16; ++l) acc[l] += a[j + l] * b[j + l];
  }
  for (int l = 0; j < n; ++j, ++l) acc[l] += a[j] * b[j];
  for (int w = 8; w >= 1; w /= 2) {
    for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
  }
  return acc[0];
}

}  // namespace

void rms_norm(const RmsNormArgs& a) {
  const int64_t d = a.dim;
  const float* x = a.x.as<const float>();
  const float* w = a.weight.as<const float>();
  float* out = a.out.as<float>();
  float* rstd = a.rstd.as<float>();
  const float eps = static_cast<float>(a.eps);
  // At least 16k elements per thread: a decode step's 64 rows run inline, where waking a
  // helper costs more than the rows (rows are independent: any split gives the same bits).
  parallel_for(a.rows, std::max<int64_t>(16, 16384 / std::max<int64_t>(d, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * d;
      float* orow = out + r * d;
      const float rs = 1.0f / std::sqrt(dot16(xr, xr, d) / static_cast<float>(d) + eps);
      rstd[r] = rs;
      for (int64_t j = 0; j < d; ++j) orow[j] = w[j] * (xr[j] * rs);
    }
  });
}

void rms_norm_backward(const RmsNormBackwardArgs& a) {
  const int64_t d = a.dim, rows = a.rows;
  const float* x = a.x.as<const float>();
  const float* w = a.weight.as<const float>();
  const float* rstd = a.rstd.as<const float>();
  const float* go = a.grad_out.as<const float>();
  float* gx = a.grad_x.as<float>();
  const int64_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  vector<float> partial(static_cast<size_t>(chunks * d), 0.0f);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    vector<float> dy(static_cast<size_t>(d));
    for (int64_t c = c0; c < c1; ++c) {
      float* pw = partial.data() + c * d;
      const int64_t end = std::min(rows, (c + 1) * kChunkRows);
      for (int64_t r = c * kChunkRows; r < end; ++r) {
        const float* xr = x + r * d;
        const float* gr = go + r * d;
        const float rs = rstd[r];
        for (int64_t j = 0; j < d; ++j) {
          pw[j] += gr[j] * (xr[j] * rs);
          dy[j] = gr[j] * w[j];
        }
        // dx = rs * dy - x * rs^3 * mean(dy * x)
        const float k = dot16(dy.data(), xr, d) / static_cast<float>(d) * rs * rs * rs;
        float* gxr = gx + r * d;  // may alias grad_out: gr is read above, row by row
        for (int64_t j = 0; j < d; ++j) gxr[j] = rs * dy[j] - xr[j] * k;
      }
    }
  });
  float* gw = a.grad_weight.as<float>();
  if (!a.accumulate) {
    for (int64_t j = 0; j < d; ++j) gw[j] = 0.0f;
  }
  for (int64_t c = 0; c < chunks; ++c) {
    const float* pw = partial.data() + c * d;
    for (int64_t j = 0; j < d; ++j) gw[j] += pw[j];
  }
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(void, rms_norm, (const RmsNormArgs& a), (a))
TX_CPU_DISPATCH(void, rms_norm_backward, (const RmsNormBackwardArgs& a), (a))
}  // namespace tx::cpu

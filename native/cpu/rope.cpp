// RoPE (Qwen2 rotate-half layout), forward and inverse (backward). cos/sin come from one
// double-precision formula rounded to f32 (rope_angle), from a precomputed table or per
// token, so both paths give the same bits.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/rope.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

void rope_angle(double theta, int64_t head_dim, int64_t p, int64_t i, float* c, float* s) {
  const double inv = std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(head_dim));
  const double ang = static_cast<double>(p) * inv;
  *c = static_cast<float>(std::cos(ang));
  *s = static_cast<float>(std::sin(ang));
}

void rope(const RopeArgs& a, bool inverse) {
  const int64_t hd = a.head_dim, half = hd / 2, heads = a.heads;
  const float* x = a.x.as<const float>();
  float* out = a.out.as<float>();
  const int32_t* pos = a.positions.as<const int32_t>();
  const float* table = a.table.defined() ? a.table.as<const float>() : nullptr;
  // inverse rotation = rotation by -angle: flip the sign of sin.
  const float sign = inverse ? -1.0f : 1.0f;
  // At least 16k elements per thread (a decode step's rows run inline; tokens are independent).
  parallel_for(a.tokens, std::max<int64_t>(8, 16384 / std::max<int64_t>(heads * hd, 1)), [&](int64_t t0, int64_t t1) {
    vector<float> cs(static_cast<size_t>(hd));
    for (int64_t t = t0; t < t1; ++t) {
      const float* c;
      const float* s;
      if (table != nullptr) {
        c = table + static_cast<int64_t>(pos[t]) * hd;
      } else {
        for (int64_t i = 0; i < half; ++i) rope_angle(a.theta, hd, pos[t], i, &cs[i], &cs[half + i]);
        c = cs.data();
      }
      s = c + half;
      for (int64_t h = 0; h < heads; ++h) {
        const float* xr = x + (t * heads + h) * hd;
        float* orow = out + (t * heads + h) * hd;  // may alias xr: each pair is read before written
        for (int64_t i = 0; i < half; ++i) {
          const float x1 = xr[i], x2 = xr[half + i], si = sign * s[i];
          orow[i] = x1 * c[i] - x2 * si;
          orow[half + i] = x2 * c[i] + x1 * si;
        }
      }
    }
  });
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h). rope_angle is not
// dispatched: ops/rope.cpp's table and the CUDA launcher take the scalar set's.
namespace tx::cpu {
TX_CPU_DISPATCH(void, rope, (const RopeArgs& a, bool inverse), (a, inverse))
#if defined(TX_ISA_IS_scalar)
void rope_angle(double theta, int64_t head_dim, int64_t p, int64_t i, float* c, float* s) {
  scalar::rope_angle(theta, head_dim, p, i, c, s);
}
#endif
}  // namespace tx::cpu

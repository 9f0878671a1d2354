// SwiGLU: out = silu(gate) * up, elementwise (trivially row-wise batch invariant).
#include <cmath>

#include "cpu/cpu_ops.h"
#include "cpu/parallel.h"

namespace tx::cpu {

void swiglu(const SwigluArgs& a) {
  const float* g = a.gate.as<const float>();
  const float* u = a.up.as<const float>();
  float* out = a.out.as<float>();
  parallel_for(a.gate.numel(), 4096, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float sig = 1.0f / (1.0f + std::exp(-g[i]));
      out[i] = g[i] * sig * u[i];
    }
  });
}

// d/dg silu(g) = s (1 + g (1 - s)), s = sigmoid(g).
void swiglu_backward(const SwigluBackwardArgs& a) {
  const float* g = a.gate.as<const float>();
  const float* u = a.up.as<const float>();
  const float* go = a.grad_out.as<const float>();
  float* gg = a.grad_gate.as<float>();
  float* gu = a.grad_up.as<float>();
  parallel_for(a.gate.numel(), 4096, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float gi = g[i], ui = u[i], goi = go[i];  // outputs may alias inputs
      const float sig = 1.0f / (1.0f + std::exp(-gi));
      gu[i] = goi * gi * sig;
      gg[i] = goi * ui * sig * (1.0f + gi * (1.0f - sig));
    }
  });
}

}  // namespace tx::cpu

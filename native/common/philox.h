// Philox4x32-10 (Salmon et al., SC'11; Random123's constants), the counter-based generator
// behind sampling: a draw is a pure function of (key, counter), so any device and any batch
// layout reproduce it. test/reference/sampling.ts has the same function in TypeScript.
#pragma once
#include <cstdint>
#include <cstring>

#include "common/hd.h"

namespace tx {

struct Philox4 {
  uint32_t v[4];
};

TX_HD void philox_mulhilo(uint32_t a, uint32_t b, uint32_t* hi, uint32_t* lo) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  *lo = static_cast<uint32_t>(p);
}

TX_HD Philox4 philox4x32_10(Philox4 c, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(0xD2511F53u, c.v[0], &hi0, &lo0);
    philox_mulhilo(0xCD9E8D57u, c.v[2], &hi1, &lo1);
    c = Philox4{{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
  }
  return c;
}

// Uniform in (0, 1), never 0 or 1, for (seed, sequence id, position, vocabulary index).
TX_HD double sample_uniform(uint64_t seed, uint32_t seq, uint32_t pos, uint32_t index) {
  const Philox4 out = philox4x32_10(Philox4{{index, pos, seq, 0u}}, static_cast<uint32_t>(seed),
                                    static_cast<uint32_t>(seed >> 32));
  return (static_cast<double>(out.v[0]) + 0.5) * (1.0 / 4294967296.0);
}

// Monotone map of a float to uint32 (larger float -> larger key): radix selection on keys.
TX_HD uint32_t float_key(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

}  // namespace tx

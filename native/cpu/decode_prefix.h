// KV-cache decode attention for generation with a shared prompt prefix (Model::generate on
// the CPU). The n samples of a prompt share its K/V: the prompt's full key blocks are held
// once, transposed once at prefill, and every block is read once for all of that prompt's
// running rows (more rows per tile, 1/n of the K/V traffic). Positions from the prompt's
// last full block on live in each row's own cache, K already transposed in the block
// layout the tile kernels read, so a step transposes nothing.
//
// Each output row walks key blocks 0, 1, ... with the arithmetic of attention.cpp's
// attend_rows (the same tile kernels, the same online-softmax passes): a row's output
// equals the packed forward's for the same token and prefix bit for bit, whatever rows
// share its tile (tests: test/model/tiny-policy-generate.test.ts).
#pragma once
#include <cstdint>

namespace tx::cpu {

// Keys per block of the layouts below: attn::kKeyBlock (checked in decode_prefix.cpp).
constexpr int kPrefixBlock = 64;

// A run of rows (contiguous in the row arrays) that share one prompt.
struct PrefixGroup {
  int32_t row_begin, row_end;
  const float* kt;  // [hkv][full][D][64]: the prompt's full key blocks, transposed (null when full == 0)
  const float* v;   // the prompt's values, position j of kv head g at v + (j * hkv + g) * D
  int32_t full;     // full blocks held here; keys from full * 64 on are in each row's own cache
};

struct PrefixDecodeArgs {
  int hq = 0, hkv = 0, D = 0;
  float scale = 1.0f;
  const float* q = nullptr;  // [rows, hq, D]
  float* out = nullptr;      // [rows, hq, D]
  const int32_t* nkeys = nullptr;  // [rows]: keys 0..nkeys-1 visible (the new token's included)
  const int32_t* slot = nullptr;   // [rows]: the row's own cache slot
  // Own cache of slot s: K^T blocks at own_kt + ((s * hkv + g) * own_blocks + b) * D * 64,
  // own position i's values at own_v + ((s * own_blocks * 64 + i) * hkv + g) * D; own
  // position i is key full * 64 + i of the row.
  const float* own_kt = nullptr;
  const float* own_v = nullptr;
  int64_t own_blocks = 0;
  const PrefixGroup* groups = nullptr;
  int64_t ngroups = 0;
};

// Both dispatched to the selected kernel set (cpu/dispatch.h), like attention.cpp's kernels,
// so decode runs the very tile code the packed forward runs.
void decode_attention_prefix(const PrefixDecodeArgs& a);

// dst[d][j] = key j's element d for j < n (keys `stride` floats apart), 0 for n <= j < 64:
// one block of the layouts above (the tiles' transpose, so generate.cpp needs no SIMD header).
void prefix_transpose_block(const float* keys, int64_t stride, int n, int D, float* dst);

}  // namespace tx::cpu

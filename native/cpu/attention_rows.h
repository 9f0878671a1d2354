// Causal attention for selected query rows of a packed batch (Model's last layer on the
// CPU: only the rows an output head reads need the layer past its keys and values, and in
// an RL batch most rows are prompt rows, which have no target). Keys and values are every
// row's; queries, outputs and their gradients only the selected rows', compacted.
//
// Each selected row gets exactly the arithmetic attention.cpp's packed forward gives it (the
// same tile code, each row walking its key blocks 0, 1, ...): its output and lse equal the
// packed forward's bit for bit. The backward sums dK and dV over the selected rows in row
// order, which equals the packed backward's sums when the other rows' output gradients are
// zero (their terms are exact zeros there), and dQ of a row over its key blocks in order, as
// the packed backward does.
#pragma once
#include <cstdint>

namespace tx::cpu {

struct AttentionRowsArgs {
  int hq = 0, hkv = 0, D = 0;
  float scale = 1.0f;
  int64_t nt = 0;      // rows of k and v
  int64_t rows = 0;    // selected query rows
  int64_t batch = 0;   // sequences
  const int32_t* cu = nullptr;       // [batch + 1]: sequence b is rows cu[b] .. cu[b+1]-1 of k and v
  const int32_t* rows_cu = nullptr;  // [batch + 1]: its selected rows are rows_cu[b] .. rows_cu[b+1]-1
  const int32_t* pos = nullptr;      // [rows]: a selected row's position in its sequence, ascending within it
  const float* q = nullptr;          // [rows, hq, D]
  const float* k = nullptr;          // [nt, hkv, D]
  const float* v = nullptr;          // [nt, hkv, D]
  float* out = nullptr;              // [rows, hq, D]
  float* lse = nullptr;              // [hq, rows]
  // Backward only: inputs out, lse (the forward's) and grad_out; outputs grad_q [rows, hq, D],
  // grad_k and grad_v [nt, hkv, D] (every key row written; zero where no selected row sees it).
  const float* grad_out = nullptr;
  float* grad_q = nullptr;
  float* grad_k = nullptr;
  float* grad_v = nullptr;
};

// Dispatched to the selected kernel set (cpu/dispatch.h).
void attention_rows(const AttentionRowsArgs& a);
void attention_rows_backward(const AttentionRowsArgs& a);

}  // namespace tx::cpu

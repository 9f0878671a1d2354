// Packed varlen grouped-query attention, its backward, and decode attention (docs/kernels.md section 3).
#pragma once
#include <cstdint>

#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// Packed variable-length (FlashAttention varlen layout) grouped-query attention.
// f32 on the CPU; f32 or bf16 on CUDA (D = 64 or 128 there). scale <= 0 means 1/sqrt(D).

struct AttentionArgs {
  TensorView q;           // [Nt, Hq, D]
  TensorView k;           // [Nt, Hkv, D], Hq % Hkv == 0
  TensorView v;           // [Nt, Hkv, D]
  TensorView cu_seqlens;  // i32[B+1], host: 0 = cu[0] <= cu[1] <= ... <= cu[B] = Nt
  bool causal = true;
  double scale = 0;
  // Outputs, on the device of q.
  TensorView out;  // [Nt, Hq, D], dtype of q
  TensorView lse;  // f32[Hq, Nt]
};

struct AttentionBackwardArgs {
  TensorView q, k, v, out, lse, grad_out, cu_seqlens;  // as AttentionArgs; grad_out like out
  bool causal = true;
  double scale = 0;
  // Outputs, on the device of q, dtype of q.
  TensorView grad_q;  // [Nt, Hq, D]
  TensorView grad_k;  // [Nt, Hkv, D] (summed over the query heads sharing a kv head)
  TensorView grad_v;  // [Nt, Hkv, D]
};

// One new query per sequence against a KV cache holding its prefix (the new token's own
// k/v included): the query of sequence b sees cache positions 0..lengths[b]-1.
struct DecodeAttentionArgs {
  TensorView q;        // [B, Hq, D]
  TensorView k_cache;  // [B, Tmax, Hkv, D]
  TensorView v_cache;  // [B, Tmax, Hkv, D]
  TensorView lengths;  // i32[B], host, 1 <= lengths[b] <= Tmax
  double scale = 0;
  TensorView out;  // [B, Hq, D]
  TensorView lse;  // f32[B, Hq]
};

Status attention(const AttentionArgs& args);
Status attention_backward(const AttentionBackwardArgs& args);
Status decode_attention(const DecodeAttentionArgs& args);
// Input checks only, so a binding can size outputs safely first.
Status validate_attention_inputs(const AttentionArgs& args);
Status validate_attention_backward_inputs(const AttentionBackwardArgs& args);
Status validate_decode_attention_inputs(const DecodeAttentionArgs& args);

}  // namespace tx

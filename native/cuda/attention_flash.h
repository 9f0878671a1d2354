// Tensor-core flash attention (bf16, D = 64 or 128, sm_80+): launchers called by
// attention.cu when the tensor-core path is selected. Device pointers; cu is a device copy
// of cu_seqlens; max_len is the longest sequence (host side, sizes the grid). Asynchronous
// on `stream`.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "tx/status.h"

namespace tx::cuda::flash {

struct Problem {
  int nt, hq, hkv, batch, d, max_len;
  bool causal;
  float scale;
  const int32_t* cu;  // device
};

// out [Nt, Hq, D], lse f32 [Hq, Nt].
Status forward(const Problem& p, const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v,
               __nv_bfloat16* out, float* lse, cudaStream_t stream);

// delta (f32 [Hq, Nt], scratch) = rowsum(dO * O); then dK/dV (one CTA per key tile looping
// over query tiles and the heads of its group) and dQ (one CTA per query tile looping over
// key tiles). No atomics: each output element is written by one thread in a fixed order.
Status backward(const Problem& p, const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v,
                const __nv_bfloat16* out, const __nv_bfloat16* dout, const float* lse, float* delta,
                __nv_bfloat16* dq, __nv_bfloat16* dk, __nv_bfloat16* dv, cudaStream_t stream);

}  // namespace tx::cuda::flash

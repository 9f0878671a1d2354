// Ampere-style tensor-core building blocks (sm_80+, also used on sm_90a): cp.async tile
// loads into swizzled shared memory, ldmatrix fragment loads and mma.sync m16n8k16 bf16 ->
// f32, as inline PTX. Used by the flash attention kernels (attention_flash*.cu).
//
// Tiles in shared memory are [rows][D] bf16, D = 64 or 128, with the 16-byte chunk index of
// each row XOR-ed with (row & 7): the 8 rows an ldmatrix reads at the same logical column
// then land in 8 different bank groups (no conflicts), and cp.async still writes whole
// 16-byte chunks.
//
// Fragment layouts (PTX ISA, "Matrix fragments for mma.m16n8k16"), g = lane / 4, t = lane % 4:
//   A 16x16 (4 regs of bf16x2): a0 (g, 2t..2t+1), a1 (g+8, 2t..), a2 (g, 2t+8..), a3 (g+8, 2t+8..)
//   B 16x8  (2 regs):           b0 (k 2t..2t+1, n g), b1 (k 2t+8.., n g)
//   C 16x8  (4 f32):            c0 (g, 2t), c1 (g, 2t+1), c2 (g+8, 2t), c3 (g+8, 2t+1)
// A C fragment pair (two n8 tiles) is therefore already an A fragment of the next product
// once packed to bf16: FlashAttention-2 keeps P in registers that way.
#pragma once
#include <cuda_bf16.h>

#include <cstdint>

namespace tx::cuda::mma {

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
#define TX_MMA_UNSUPPORTED 1  // host code only selects these kernels on sm_80+
#endif

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Element offset of (row, col) in a swizzled [rows][D] tile; col at a chunk start (col % 8
// == 0) for ldmatrix / cp.async.
template <int D>
__device__ __forceinline__ int swz(int row, int col) {
  return row * D + ((((col >> 3) ^ (row & 7))) << 3) + (col & 7);
}

// 16-byte global -> shared copy; src_bytes = 0 fills the chunk with zeros (rows past the end
// of a sequence), without reading global memory.
__device__ __forceinline__ void cp_async16(void* dst, const void* src, int src_bytes) {
#ifndef TX_MMA_UNSUPPORTED
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(dst)), "l"(src), "r"(src_bytes));
#endif
}
__device__ __forceinline__ void cp_async_commit() {
#ifndef TX_MMA_UNSUPPORTED
  asm volatile("cp.async.commit_group;\n" ::);
#endif
}
template <int N>
__device__ __forceinline__ void cp_async_wait() {
#ifndef TX_MMA_UNSUPPORTED
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
#endif
}

// Loads rows [0, ROWS) of a [*, D] bf16 matrix with `stride` elements between rows into a
// swizzled tile; rows >= valid are zero-filled. All THREADS threads of the CTA take part.
template <int ROWS, int D, int THREADS>
__device__ __forceinline__ void load_tile(__nv_bfloat16* tile, const __nv_bfloat16* src, int64_t stride, int valid) {
  constexpr int kChunks = D / 8;
  for (int i = threadIdx.x; i < ROWS * kChunks; i += THREADS) {
    const int row = i / kChunks, c = i % kChunks;
    const bool ok = row < valid;
    const __nv_bfloat16* g = ok ? src + row * stride + c * 8 : src;
    cp_async16(tile + swz<D>(row, c * 8), g, ok ? 16 : 0);
  }
}

// A fragment of the 16x16 block at (row0, k0) of a [rows][D] tile (rows = M, cols = K).
template <int D>
__device__ __forceinline__ void ldsm_a(uint32_t (&a)[4], const __nv_bfloat16* tile, int row0, int k0) {
#ifndef TX_MMA_UNSUPPORTED
  const int lane = threadIdx.x % 32;
  const uint32_t p = smem_addr(tile + swz<D>(row0 + (lane % 16), k0 + (lane / 16) * 8));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(a[0]), "=r"(a[1]), "=r"(a[2]), "=r"(a[3])
               : "r"(p));
#endif
}

// B fragments of two n8 tiles where B[k][n] = tile[n0 + n][k0 + k] (the tile holds B^T, e.g.
// K for S = Q K^T): b[0], b[1] for n0..n0+7, b[2], b[3] for n0+8..n0+15.
template <int D>
__device__ __forceinline__ void ldsm_b_nt(uint32_t (&b)[4], const __nv_bfloat16* tile, int n0, int k0) {
#ifndef TX_MMA_UNSUPPORTED
  const int lane = threadIdx.x % 32;
  const uint32_t p = smem_addr(tile + swz<D>(n0 + (lane % 8) + (lane / 16) * 8, k0 + ((lane / 8) % 2) * 8));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(b[0]), "=r"(b[1]), "=r"(b[2]), "=r"(b[3])
               : "r"(p));
#endif
}

// B fragments of two n8 tiles where B[k][n] = tile[k0 + k][n0 + n] (the tile holds B, e.g.
// V for O = P V), through the transposing ldmatrix.
template <int D>
__device__ __forceinline__ void ldsm_b_t(uint32_t (&b)[4], const __nv_bfloat16* tile, int k0, int n0) {
#ifndef TX_MMA_UNSUPPORTED
  const int lane = threadIdx.x % 32;
  const uint32_t p = smem_addr(tile + swz<D>(k0 + (lane % 8) + ((lane / 8) % 2) * 8, n0 + (lane / 16) * 8));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(b[0]), "=r"(b[1]), "=r"(b[2]), "=r"(b[3])
               : "r"(p));
#endif
}

// c += a * b (16x8x16, bf16 inputs, f32 accumulators).
__device__ __forceinline__ void mma16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
#ifndef TX_MMA_UNSUPPORTED
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#else
  __trap();
#endif
}

__device__ __forceinline__ uint32_t pack_bf16(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);  // .x (low half) = lo
  return *reinterpret_cast<const uint32_t*>(&v);
}

// The A fragment (16 rows x 16 k) made of two C tiles c_lo (k 0..7) and c_hi (k 8..15).
__device__ __forceinline__ void c_to_a(uint32_t (&a)[4], const float (&c_lo)[4], const float (&c_hi)[4]) {
  a[0] = pack_bf16(c_lo[0], c_lo[1]);
  a[1] = pack_bf16(c_lo[2], c_lo[3]);
  a[2] = pack_bf16(c_hi[0], c_hi[1]);
  a[3] = pack_bf16(c_hi[2], c_hi[3]);
}

// Max / sum over the 4 threads of a quad (they hold the same rows of a C fragment).
__device__ __forceinline__ float quad_max(float v) {
  v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
  return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}
__device__ __forceinline__ float quad_sum(float v) {
  v += __shfl_xor_sync(0xffffffffu, v, 1);
  return v + __shfl_xor_sync(0xffffffffu, v, 2);
}

}  // namespace tx::cuda::mma

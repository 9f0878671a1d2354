// Floors for benchmarks: multi-threaded streaming copy and read, measured in the same run
// as the op being benchmarked (this machine is shared; absolute numbers drift).
#pragma once
#include <cstddef>

namespace tx::bench {

// dst[i] = src[i] over `bytes`, split across cpu_threads() threads.
void stream_copy(void* dst, const void* src, size_t bytes);
// Reads every float of src (vectorised sum) and returns the sum so the read is not elided.
double stream_read(const float* src, size_t count);

// GEMM FLOP-rate floor for benchmarks until the engine has its own GEMM: a plain blocked,
// vectorised, multi-threaded C[m,n] = A[m,k] B[k,n] (row-major f32). Not an engine op.
void sgemm_floor(const float* a, const float* b, float* c, int m, int n, int k);

}  // namespace tx::bench

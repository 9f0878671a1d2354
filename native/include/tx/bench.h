// Floors for benchmarks: multi-threaded streaming copy and read, measured in the same run
// as the op being benchmarked (this machine is shared; absolute numbers drift).
#pragma once
#include <cstddef>

namespace tx::bench {

// dst[i] = src[i] over `bytes`, split across cpu_threads() threads.
void stream_copy(void* dst, const void* src, size_t bytes);
// Reads every float of src (vectorised sum) and returns the sum so the read is not elided.
double stream_read(const float* src, size_t count);

}  // namespace tx::bench

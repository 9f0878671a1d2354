// Streaming copy/read used as the bandwidth floor by the benchmarks.
#include <atomic>
#include <cstring>
#include <vector>

#include "cpu/parallel.h"
#include "tx/bench.h"

namespace tx::bench {

void stream_copy(void* dst, const void* src, size_t bytes) {
  constexpr int64_t kLine = 64;
  const int64_t lines = static_cast<int64_t>((bytes + kLine - 1) / kLine);
  cpu::parallel_for(lines, 1 << 14, [&](int64_t l0, int64_t l1) {
    const size_t begin = static_cast<size_t>(l0 * kLine);
    const size_t end = static_cast<size_t>(l1 * kLine) < bytes ? static_cast<size_t>(l1 * kLine) : bytes;
    std::memcpy(static_cast<char*>(dst) + begin, static_cast<const char*>(src) + begin, end - begin);
  });
}

double stream_read(const float* src, size_t count) {
  constexpr int kLanes = 16;  // independent accumulators so the adds vectorise and pipeline
  double total = 0.0;
  std::vector<double> partial(static_cast<size_t>(cpu_threads()) + 1, 0.0);
  std::atomic<int> slot{0};
  cpu::parallel_for(static_cast<int64_t>(count), 1 << 16, [&](int64_t i0, int64_t i1) {
    float acc[kLanes] = {};
    int64_t i = i0;
    for (; i + kLanes <= i1; i += kLanes)
      for (int l = 0; l < kLanes; ++l) acc[l] += src[i + l];
    double s = 0.0;
    for (; i < i1; ++i) s += src[i];
    for (float a : acc) s += a;
    partial[static_cast<size_t>(slot.fetch_add(1))] = s;
  });
  for (double p : partial) total += p;
  return total;
}

}  // namespace tx::bench

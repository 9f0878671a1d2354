// CPU parallelism: OpenMP with an engine-wide thread count (tx::set_cpu_threads).
// Work is split into contiguous static chunks, so which thread computes an element never
// changes the arithmetic done on it: results are identical for any thread count.
#pragma once
#include <cstdint>

#include "tx/runtime.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace tx::cpu {

// Calls body(begin, end) over [0, n) in contiguous chunks, on up to cpu_threads() threads.
// Runs inline when n is below `min_per_thread` * 2 (thread start-up costs more than the work).
template <typename Body>
void parallel_for(int64_t n, int64_t min_per_thread, Body body) {
  if (n <= 0) return;
  int threads = cpu_threads();
  if (min_per_thread < 1) min_per_thread = 1;
  const int64_t useful = n / min_per_thread;
  if (useful < threads) threads = static_cast<int>(useful < 1 ? 1 : useful);
  if (threads <= 1) {
    body(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
#ifdef _OPENMP
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
#else
    const int t = 0, nt = 1;
#endif
    const int64_t chunk = (n + nt - 1) / nt;
    const int64_t begin = t * chunk;
    const int64_t end = begin + chunk < n ? begin + chunk : n;
    if (begin < end) body(begin, end);
  }
}

}  // namespace tx::cpu


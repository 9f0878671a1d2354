// CPU parallelism: OpenMP with an engine-wide thread count (tx::set_cpu_threads); where the
// compiler has no OpenMP (Apple clang, a node-gyp build without -fopenmp) the same chunks run
// on the work pool (cpu/work_pool.h), so no build is left single-threaded.
// Work is split into contiguous static chunks, so which thread computes an element never
// changes the arithmetic done on it: results are identical for any thread count.
#pragma once
#include <cstdint>

#include "tx/runtime.h"

#ifdef _OPENMP
#include <omp.h>
#else
#include <atomic>

#include "cpu/work_pool.h"
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
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    const int64_t chunk = (n + nt - 1) / nt;
    const int64_t begin = t * chunk;
    const int64_t end = begin + chunk < n ? begin + chunk : n;
    if (begin < end) body(begin, end);
  }
#else
  // The same `threads` static chunks as the OpenMP path, claimed from a counter by the caller
  // and whichever pool helpers join.
  const int nt = threads;
  const int64_t chunk = (n + nt - 1) / nt;
  std::atomic<int> next{0};
  run_shared(nt, [&] {
    for (int t = next.fetch_add(1, std::memory_order_relaxed); t < nt; t = next.fetch_add(1, std::memory_order_relaxed)) {
      const int64_t begin = t * chunk;
      const int64_t end = begin + chunk < n ? begin + chunk : n;
      if (begin < end) body(begin, end);
    }
  });
#endif
}

}  // namespace tx::cpu


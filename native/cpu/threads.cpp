// Engine-wide CPU thread count (the kernel set in use is isa.cpp's).
#include <atomic>
#include <thread>

#include "tx/runtime.h"

namespace tx {

namespace {
int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}
std::atomic<int> g_threads{0};  // 0 = hardware default
}  // namespace

int cpu_threads() {
  const int n = g_threads.load(std::memory_order_relaxed);
  return n > 0 ? n : hardware_threads();
}

void set_cpu_threads(int n) { g_threads.store(n > 0 ? n : 0, std::memory_order_relaxed); }

}  // namespace tx

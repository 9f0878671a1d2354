// OpenBLAS peer for the GEMM benchmark, loaded with dlopen (see tx/bench_openblas.h).
#include "tx/bench_openblas.h"

#include "tx/platform.h"

#include <cstdlib>
#include <mutex>

namespace tx::bench {

namespace {

// cblas.h's values, declared here so that no OpenBLAS header is needed.
constexpr int kCblasRowMajor = 101, kCblasNoTrans = 111;
using SgemmFn = void (*)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda,
                         const float* b, int ldb, float beta, float* c, int ldc);
using SetThreadsFn = void (*)(int);
using NameFn = char* (*)();

struct Loaded {
  OpenBlasPeer peer;
  SgemmFn sgemm = nullptr;
  SetThreadsFn set_threads = nullptr;
};

Loaded load() {
  Loaded l;
  // A forced core type (set for other tools on shared machines) would give OpenBLAS a
  // slower kernel than this CPU supports; the peer must run its best. Read at load time.
  platform::unset_env("OPENBLAS_CORETYPE");
  void* h = nullptr;
#if defined(_WIN32)
  for (const char* name : {"libopenblas.dll", "openblas.dll"}) {
#elif defined(__APPLE__)
  for (const char* name : {"libopenblas.dylib", "libopenblas.0.dylib"}) {
#else
  for (const char* name : {"libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0", "libopenblaso.so.0"}) {
#endif
    h = platform::dl_open(name);
    if (h != nullptr) {
      l.peer.library = name;
      break;
    }
  }
  if (h == nullptr) {
    l.peer.reason = "libopenblas.so.0 / libopenblas.so not found by dlopen";
    return l;
  }
  l.sgemm = reinterpret_cast<SgemmFn>(platform::dl_sym(h, "cblas_sgemm"));
  if (l.sgemm == nullptr) {
    l.peer.reason = l.peer.library + " has no cblas_sgemm";
    return l;
  }
  l.set_threads = reinterpret_cast<SetThreadsFn>(platform::dl_sym(h, "openblas_set_num_threads"));
  if (auto core = reinterpret_cast<NameFn>(platform::dl_sym(h, "openblas_get_corename"))) l.peer.core = core();
  if (auto config = reinterpret_cast<NameFn>(platform::dl_sym(h, "openblas_get_config"))) l.peer.config = config();
  l.peer.found = true;  // the handle stays open for the life of the process
  return l;
}

const Loaded& loaded() {
  static const Loaded l = load();  // C++11 magic static: thread-safe, once
  return l;
}

}  // namespace

const OpenBlasPeer& openblas_peer() { return loaded().peer; }

bool openblas_sgemm(const float* a, const float* b, float* c, int m, int n, int k, int threads) {
  const Loaded& l = loaded();
  if (!l.peer.found) return false;
  if (l.set_threads != nullptr) l.set_threads(threads);
  l.sgemm(kCblasRowMajor, kCblasNoTrans, kCblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
  return true;
}

}  // namespace tx::bench

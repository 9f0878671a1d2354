// OpenBLAS as a benchmark peer for the CPU GEMM (bench-only, not an engine op). The library
// is dlopen()ed at run time: no OpenBLAS headers, no link-time dependency, so builds and CI
// never need it. OPENBLAS_CORETYPE is unset before loading so OpenBLAS picks its best
// kernel for this CPU, and its thread count is set to the engine's before every call.
#pragma once
#include <string>

namespace tx::bench {

struct OpenBlasPeer {
  bool found = false;
  std::string library;  // the name that loaded, e.g. "libopenblas.so.0"
  std::string core;     // openblas_get_corename(), when exported
  std::string config;   // openblas_get_config(), when exported
  std::string reason;   // why not found
};

// Loaded once per process (thread-safe), cached.
const OpenBlasPeer& openblas_peer();

// Row-major C[m,n] = A[m,k] B[k,n] with cblas_sgemm on `threads` threads. Returns false when
// the peer is not loaded.
bool openblas_sgemm(const float* a, const float* b, float* c, int m, int n, int k, int threads);

}  // namespace tx::bench

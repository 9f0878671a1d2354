// Engine-wide CPU runtime settings: the thread count every CPU kernel splits its work over,
// and the SIMD level the build reports. Kernels need only this, not the op surface.
#pragma once

namespace tx {

int cpu_threads();
void set_cpu_threads(int n);  // n <= 0: back to the hardware default
const char* cpu_simd();       // widest SIMD the build targets: "avx512", "avx2", "sse2", "neon", "scalar"

}  // namespace tx

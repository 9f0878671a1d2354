// Engine-wide CPU runtime settings: the thread count every CPU kernel splits its work over,
// and the CPU kernel set in use. Kernels need only this, not the op surface.
#pragma once
#include <string>

#include "tx/status.h"

namespace tx {

int cpu_threads();
void set_cpu_threads(int n);  // n <= 0: back to the hardware default
// The CPU kernel set in use, chosen once at the first kernel call (native/cpu/isa.h):
// "scalar", "avx2", "avx512" or "neon"; TOOLEXPANDER_SIMD overrides the widest supported.
const char* cpu_simd();
std::string cpu_simd_supported();  // the sets this CPU can run, narrowest first: "scalar,avx2,avx512"
Status cpu_simd_status();          // why TOOLEXPANDER_SIMD could not be honoured, or ok

}  // namespace tx

// Run-time choice of the CPU kernel set. The binary is built for a portable baseline
// (x86-64-v2, armv8-a); each kernel set is the same kernel sources compiled once more for a
// wider ISA, in its own namespace, and cpu/dispatch.h routes every kernel to the chosen one. One set is chosen at the first
// kernel call, from what the CPU (and, on x86, the OS: xgetbv) supports, or from
// TOOLEXPANDER_SIMD=scalar|avx2|avx512|neon, and never changes afterwards.
#pragma once
#include <string>

#include "tx/status.h"

// The architectures with wider sets (the sets CMakeLists.txt builds per architecture).
#if defined(__x86_64__) || defined(_M_X64)
#define TX_ISA_X86 1
#elif defined(__aarch64__) || defined(_M_ARM64)
#define TX_ISA_ARM 1
#endif

namespace tx::cpu {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kNeon = 3 };
constexpr int kIsaCount = 4;

const char* isa_name(Isa isa);
// Compiled into this binary (x86 builds have scalar/avx2/avx512, arm builds scalar/neon).
bool isa_compiled(Isa isa);
// Compiled in and runnable on this CPU (with the OS saving the wider registers).
bool isa_supported(Isa isa);
// The set every kernel call uses: the override when valid, else the widest supported.
Isa selected_isa();
// Ok, or why TOOLEXPANDER_SIMD could not be honoured (then the scalar set is selected,
// and the addon refuses to load with this message).
const Status& isa_selection_status();
// "scalar,avx2,avx512": the supported sets, narrowest first.
std::string supported_isa_list();

}  // namespace tx::cpu

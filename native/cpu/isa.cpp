// Which kernel set this CPU can run, and which one runs (isa.h).
#include "cpu/isa.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "tx/runtime.h"

#if defined(TX_ISA_X86)
#include <cpuid.h>
#elif defined(TX_ISA_ARM) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#endif

namespace tx::cpu {

namespace {

#if defined(TX_ISA_X86)
struct X86Features {
  bool avx2 = false;    // x86-64-v3: AVX, AVX2, FMA, F16C, BMI1/2, LZCNT, MOVBE, with OS ymm state
  bool avx512 = false;  // x86-64-v4: v3 + AVX-512 F/BW/CD/DQ/VL, with OS zmm and opmask state
};

uint64_t xgetbv0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

X86Features detect_x86() {
  X86Features f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12), f16c = c & (1u << 29),
             movbe = c & (1u << 22);
  if (!osxsave || !avx) return f;
  // The OS must save the registers on a context switch: XCR0 bits 1-2 (xmm, ymm), and for
  // AVX-512 also bits 5-7 (opmask, upper halves of zmm0-15, zmm16-31).
  const uint64_t xcr0 = xgetbv0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6, os_zmm = (xcr0 & 0xe6) == 0xe6;
  unsigned a7 = 0, b7 = 0, c7 = 0, d7 = 0;
  if (!__get_cpuid_count(7, 0, &a7, &b7, &c7, &d7)) return f;
  unsigned ae = 0, be = 0, ce = 0, de = 0;
  const bool lzcnt = __get_cpuid(0x80000001, &ae, &be, &ce, &de) && (ce & (1u << 5));
  const bool avx2 = b7 & (1u << 5), bmi1 = b7 & (1u << 3), bmi2 = b7 & (1u << 8);
  f.avx2 = os_ymm && avx2 && fma && f16c && movbe && bmi1 && bmi2 && lzcnt;
  const bool f512 = b7 & (1u << 16), dq = b7 & (1u << 17), cd = b7 & (1u << 28), bw = b7 & (1u << 30),
             vl = b7 & (1u << 31);
  f.avx512 = f.avx2 && os_zmm && f512 && dq && cd && bw && vl;
  return f;
}
#endif

bool neon_present() {
#if defined(TX_ISA_ARM) && defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
#elif defined(TX_ISA_ARM)
  return true;  // Advanced SIMD is mandatory in armv8-a (macOS and Windows on arm64 always have it)
#else
  return false;
#endif
}

bool supported_now(Isa isa) {
  if (!isa_compiled(isa)) return false;
  switch (isa) {
    case Isa::kScalar: return true;
#if defined(TX_ISA_X86)
    case Isa::kAvx2: return detect_x86().avx2;
    case Isa::kAvx512: return detect_x86().avx512;
#endif
    case Isa::kNeon: return neon_present();
    default: return false;
  }
}

struct Selection {
  Isa isa = Isa::kScalar;
  Status status;
  bool supported[kIsaCount] = {};
};

Selection select() {
  Selection s;
  for (int i = 0; i < kIsaCount; ++i) s.supported[i] = supported_now(static_cast<Isa>(i));
  for (int i = 0; i < kIsaCount; ++i)
    if (s.supported[i]) s.isa = static_cast<Isa>(i);  // widest: kNeon and kAvx* never coexist
  const char* want = std::getenv("TOOLEXPANDER_SIMD");
  if (want == nullptr || *want == '\0') return s;
  for (int i = 0; i < kIsaCount; ++i) {
    const Isa isa = static_cast<Isa>(i);
    if (std::strcmp(want, isa_name(isa)) != 0) continue;
    if (s.supported[i]) {
      s.isa = isa;
    } else {
      s.isa = Isa::kScalar;
      s.status = Status(Code::kDevice, std::string("TOOLEXPANDER_SIMD=") + want + ": " +
                                           (isa_compiled(isa) ? "this CPU (or its OS) does not support it"
                                                              : "not built for this architecture") +
                                           "; supported here: " + supported_isa_list());
    }
    return s;
  }
  s.isa = Isa::kScalar;
  s.status = Status(Code::kRange, std::string("TOOLEXPANDER_SIMD=") + want +
                                      ": expected one of scalar, avx2, avx512, neon (or unset for the widest supported)");
  return s;
}

const Selection& selection() {
  static const Selection s = select();
  return s;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kNeon: return "neon";
  }
  return "scalar";
}

bool isa_compiled(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return true;
#if defined(TX_ISA_X86)
    case Isa::kAvx2:
    case Isa::kAvx512: return true;
#elif defined(TX_ISA_ARM)
    case Isa::kNeon: return true;
#endif
    default: return false;
  }
}

bool isa_supported(Isa isa) { return selection().supported[static_cast<int>(isa)]; }

Isa selected_isa() { return selection().isa; }

const Status& isa_selection_status() { return selection().status; }

std::string supported_isa_list() {
  std::string out;
  for (int i = 0; i < kIsaCount; ++i) {
    if (!supported_now(static_cast<Isa>(i))) continue;
    if (!out.empty()) out += ",";
    out += isa_name(static_cast<Isa>(i));
  }
  return out;
}

}  // namespace tx::cpu

namespace tx {

const char* cpu_simd() { return cpu::isa_name(cpu::selected_isa()); }

std::string cpu_simd_supported() { return cpu::supported_isa_list(); }

Status cpu_simd_status() { return cpu::isa_selection_status(); }

}  // namespace tx

// How a CPU kernel reaches the kernel set chosen at run time (cpu/isa.h). Every kernel
// source (each native/cpu/*.cpp but the runtime's, see CMakeLists.txt) is compiled once per
// set with -DTX_ISA_NS=<set> and that set's flags, so its definitions land in
// tx::cpu::<set> (cpu/isa_ns.h). The public entry point tx::cpu::<kernel> that cpu/<family>.h
// declares is one line beside the kernel's definition, in the family's own source:
//
//   namespace tx::cpu {
//   TX_CPU_DISPATCH(void, rms_norm, (const RmsNormArgs& a), (a))
//   }  // namespace tx::cpu
//
// In the scalar set's compile (the portable baseline flags) the line declares the kernel in
// every set this architecture builds and defines the entry point, which calls the selected
// set's copy (looked up at its first call; the selection never changes). In the wider sets'
// compiles it is empty, so no wider code runs before the CPU was checked.
#pragma once
#include "cpu/isa.h"

#ifndef TX_ISA_NS
#error "kernel sources are compiled with -DTX_ISA_NS=<set> (see TX_KERNEL_SOURCES in CMakeLists.txt)"
#endif

namespace tx::cpu::detail {

// The selected set's copy of one kernel, from every compiled set's (typed, so an overloaded
// kernel name resolves to the overload of the entry point's signature).
#if defined(TX_ISA_X86)
template <typename Fn>
Fn selected_copy(Fn in_scalar, Fn in_avx2, Fn in_avx512) {
  switch (selected_isa()) {
    case Isa::kAvx2: return in_avx2;
    case Isa::kAvx512: return in_avx512;
    default: return in_scalar;
  }
}
#define TX_CPU_IN_SETS(ret, name, params) \
  namespace scalar { ret name params; } namespace avx2 { ret name params; } namespace avx512 { ret name params; }
#define TX_CPU_COPIES(name) &scalar::name, &avx2::name, &avx512::name
#elif defined(TX_ISA_ARM)
template <typename Fn>
Fn selected_copy(Fn in_scalar, Fn in_neon) {
  return selected_isa() == Isa::kNeon ? in_neon : in_scalar;
}
#define TX_CPU_IN_SETS(ret, name, params) namespace scalar { ret name params; } namespace neon { ret name params; }
#define TX_CPU_COPIES(name) &scalar::name, &neon::name
#else
template <typename Fn>
Fn selected_copy(Fn in_scalar) {
  return in_scalar;
}
#define TX_CPU_IN_SETS(ret, name, params) namespace scalar { ret name params; }
#define TX_CPU_COPIES(name) &scalar::name
#endif

}  // namespace tx::cpu::detail

// TX_CPU_DISPATCH(return type, name, parameter list, argument list), inside namespace tx::cpu.
#if defined(TX_ISA_IS_scalar)
#define TX_CPU_DISPATCH(ret, name, params, args)                              \
  TX_CPU_IN_SETS(ret, name, params)                                           \
  ret name params {                                                           \
    using Fn = ret(*) params;                                                 \
    static const Fn copy = ::tx::cpu::detail::selected_copy<Fn>(TX_CPU_COPIES(name)); \
    return copy args;                                                         \
  }
#else
#define TX_CPU_DISPATCH(ret, name, params, args)
#endif

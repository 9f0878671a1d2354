// Kernel sources are compiled once per ISA set with -DTX_ISA_NS=<set> (CMake's
// TX_KERNEL_SOURCES) and define everything in tx::cpu::<set>. Templates instantiated for
// types from outside that namespace (std::vector<float>::resize, say) would still be
// emitted as one shared weak symbol per set, and the linker keeps an arbitrary copy: an
// AVX-512 one could end up serving the scalar set. So kernel sources use `vector`, a
// std::vector with this set's own allocator type, whose instantiations belong to the set;
// test/engine/simd/symbols.test.ts checks that no other weak symbol is shared.
#pragma once
#include <memory>
#include <vector>

#ifndef TX_ISA_NS
#error "kernel sources are compiled with -DTX_ISA_NS=<set> (see TX_KERNEL_SOURCES in CMakeLists.txt)"
#endif

namespace tx::cpu::TX_ISA_NS {

template <typename T>
struct SetAllocator : std::allocator<T> {
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = SetAllocator<U>;
  };
  SetAllocator() = default;
  template <typename U>
  SetAllocator(const SetAllocator<U>&) {}  // NOLINT: converting, as std::allocator's
};
template <typename T, typename U>
bool operator==(const SetAllocator<T>&, const SetAllocator<U>&) { return true; }
template <typename T, typename U>
bool operator!=(const SetAllocator<T>&, const SetAllocator<U>&) { return false; }

template <typename T>
using vector = std::vector<T, SetAllocator<T>>;

}  // namespace tx::cpu::TX_ISA_NS

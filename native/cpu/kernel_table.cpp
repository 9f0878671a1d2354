// This kernel set's table (compiled once per set, like every kernel source).
#include "cpu/kernel_table.h"

#ifndef TX_ISA_NS
#error "kernel sources are compiled with -DTX_ISA_NS=<set> (see TX_KERNEL_SOURCES in CMakeLists.txt)"
#endif

namespace tx::cpu::TX_ISA_NS {

#define TX_KERNEL_DECLARE(ret, name, params, args) ret name params;
TX_CPU_KERNELS(TX_KERNEL_DECLARE)
#undef TX_KERNEL_DECLARE

const KernelTable& kernel_table() {
#define TX_KERNEL_ENTRY(ret, name, params, args) &name,
  static const KernelTable table{TX_CPU_KERNELS(TX_KERNEL_ENTRY)};
#undef TX_KERNEL_ENTRY
  return table;
}

}  // namespace tx::cpu::TX_ISA_NS

// Kernel sources are compiled once per ISA set with -DTX_ISA_NS=<set> (CMake's
// TX_KERNEL_SOURCES) and define everything in tx::cpu::<set>, so the sets never share a
// symbol: no inline function or template compiled with AVX-512 can be picked by the linker
// for the scalar set.
#pragma once
#ifndef TX_ISA_NS
#error "kernel sources are compiled with -DTX_ISA_NS=<set> (see TX_KERNEL_SOURCES in CMakeLists.txt)"
#endif

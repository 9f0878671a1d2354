// Host memory guard. Linux grants large requests lazily (overcommit) and, without swap,
// kills the process when the pages are first touched; V8 aborts the process when it cannot
// allocate an ArrayBuffer. Sizes that come from arguments (an output of vocab * dim, a
// model config, a generation batch) are therefore checked against this limit before any
// allocation, and refused with E_OOM instead.
#pragma once
#include <cstdint>

#include "tx/status.h"

namespace tx {

// Half of the machine's physical memory (no limit where it cannot be read).
uint64_t host_allocation_limit();

// E_OOM naming `what` when `bytes` (a double: products of unchecked sizes cannot wrap)
// exceeds host_allocation_limit().
Status check_host_bytes(double bytes, const char* what);

}  // namespace tx

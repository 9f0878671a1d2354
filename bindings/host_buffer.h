// Host output buffers. Large outputs are allocated natively, 2 MiB-aligned and advised
// for transparent huge pages, then handed to JS as external ArrayBuffers that free
// themselves in their finalizer: first-touch page faults on fresh 4 KiB pages cost more
// than the whole op on some machines (measured here: 64 MiB took ~250 ms to fault in
// with 4 KiB pages, ~10 ms with huge pages).
#pragma once
#include <napi.h>

#include "tx/tensor.h"

namespace txn {

// A new Float32Array / Uint8Array / Int32Array / Uint16Array of n elements (uninitialised
// when large: the op writes every element). *data receives its first byte.
Napi::TypedArray new_host_array(Napi::Env env, tx::DType dtype, size_t n, void** data);

}  // namespace txn

#include "host_buffer.h"

#include "errors.h"
#include "tx/memory.h"

#include <cstdlib>
#include <cstring>
#include <string>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace txn {

namespace {

constexpr size_t kHugeAlign = size_t{2} << 20;
constexpr size_t kNativeThreshold = size_t{4} << 20;  // below this, V8's allocator is fine
// Node 20 builds an external ArrayBuffer as a Buffer, at most 2^32 bytes; past that it
// fails *after* running the finalizer (free_block), so freeing here too was a double
// free. Larger outputs take V8's own allocator (the size limit above already applied).
constexpr size_t kMaxExternal = (size_t{1} << 32) - 1;

struct NativeBlock {
  size_t bytes;
};

void free_block(Napi::Env env, void* data, NativeBlock* hint) {
  Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(hint->bytes));
  std::free(data);
  delete hint;
}

Napi::ArrayBuffer new_buffer(Napi::Env env, size_t bytes) {
  // Output sizes come from arguments (embeddingBackward's vocab * dim): a size past the
  // limit, or one malloc refuses, is an E_OOM here. Handing it to V8 instead aborts the
  // process ("ArrayBuffer::New Allocation failed").
  throw_if_error(env, tx::check_host_bytes(static_cast<double>(bytes), "an output"));
  if (bytes >= kNativeThreshold && bytes <= kMaxExternal) {
    void* p = nullptr;
    const size_t rounded = (bytes + kHugeAlign - 1) / kHugeAlign * kHugeAlign;
    if (posix_memalign(&p, kHugeAlign, rounded) != 0) {
      throw_error(env, tx::Code::kOom, "an output of " + std::to_string(bytes >> 20) + " MiB could not be allocated");
    }
    {
#ifdef MADV_HUGEPAGE
      madvise(p, rounded, MADV_HUGEPAGE);
#endif
      auto* hint = new NativeBlock{rounded};
      try {
        Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, p, bytes, free_block, hint);
        Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(rounded));
        return ab;
      } catch (const Napi::Error&) {
        // External buffers refused up front (napi_no_external_buffers_allowed: a V8
        // sandbox; the finalizer has not run): fall back to a V8-owned buffer.
        std::free(p);
        delete hint;
      }
    }
  }
  return Napi::ArrayBuffer::New(env, bytes);
}

}  // namespace

Napi::TypedArray new_host_array(Napi::Env env, tx::DType dtype, size_t n, void** data) {
  Napi::ArrayBuffer ab = new_buffer(env, n * tx::dtype_size(dtype));
  *data = ab.Data();
  switch (dtype) {
    case tx::DType::kF32: return Napi::Float32Array::New(env, n, ab, 0);
    case tx::DType::kI32: return Napi::Int32Array::New(env, n, ab, 0);
    case tx::DType::kBF16: return Napi::Uint16Array::New(env, n, ab, 0);
    case tx::DType::kU8: return Napi::Uint8Array::New(env, n, ab, 0);
  }
  return Napi::Float32Array::New(env, n, ab, 0);
}

}  // namespace txn

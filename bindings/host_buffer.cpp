#include "host_buffer.h"

#include "errors.h"
#include "tx/memory.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

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

// Recently freed blocks, kept for the next output of the same size. A fresh block's pages
// are zeroed by the kernel on first touch, and on a VM that costs far more than the op that
// fills them (logprobsBackward into a new [4096, 32000] output: 6 s against 0.4 s in place,
// measured here, almost all of it in clear_page). Bounded so the process keeps little that
// V8 does not see: a few blocks, 1 GiB in all.
constexpr size_t kPoolBlocks = 4;
constexpr size_t kPoolBytes = size_t{1} << 30;
std::mutex pool_mu;
std::vector<std::pair<void*, size_t>> pool;  // oldest first
size_t pool_bytes = 0;

void* take_pooled(size_t rounded) {
  std::lock_guard<std::mutex> lock(pool_mu);
  for (size_t i = pool.size(); i-- > 0;) {
    if (pool[i].second == rounded) {
      void* p = pool[i].first;
      pool_bytes -= rounded;
      pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(i));
      return p;
    }
  }
  return nullptr;
}

void release(void* p, size_t rounded) {
  std::vector<void*> evicted;
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    if (rounded > kPoolBytes) {
      evicted.push_back(p);
    } else {
      pool.emplace_back(p, rounded);
      pool_bytes += rounded;
      while (pool.size() > kPoolBlocks || pool_bytes > kPoolBytes) {
        evicted.push_back(pool.front().first);
        pool_bytes -= pool.front().second;
        pool.erase(pool.begin());
      }
    }
  }
  for (void* e : evicted) std::free(e);
}

void free_block(Napi::Env env, void* data, NativeBlock* hint) {
  Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(hint->bytes));
  release(data, hint->bytes);
  delete hint;
}

Napi::ArrayBuffer new_buffer(Napi::Env env, size_t bytes) {
  // Output sizes come from arguments (embeddingBackward's vocab * dim): a size past the
  // limit, or one malloc refuses, is an E_OOM here. Handing it to V8 instead aborts the
  // process ("ArrayBuffer::New Allocation failed").
  throw_if_error(env, tx::check_host_bytes(static_cast<double>(bytes), "an output"));
  if (bytes >= kNativeThreshold && bytes <= kMaxExternal) {
    const size_t rounded = (bytes + kHugeAlign - 1) / kHugeAlign * kHugeAlign;
    void* p = take_pooled(rounded);
    if (p == nullptr && posix_memalign(&p, kHugeAlign, rounded) != 0) {
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

// The few operating-system calls the engine makes, behind one portable face: loading a
// shared library at run time (cuBLAS, the OpenBLAS benchmark peer), aligned host memory,
// unsetting an environment variable, a no-inline marker and a prefetch hint. POSIX and Windows branches;
// everything else in native/ is standard C++.
#pragma once
#include <cstddef>
#include <cstdlib>

#if defined(_WIN32)
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <malloc.h>
#include <windows.h>
#else
#include <dlfcn.h>
#endif

#if defined(_MSC_VER)
#define TX_NOINLINE __declspec(noinline)
#define TX_PREFETCH(p) ((void)(p))
#else
#define TX_NOINLINE __attribute__((noinline))
// A read hint for memory the next iterations will need (no effect on results).
#define TX_PREFETCH(p) __builtin_prefetch(p)
#endif

namespace tx::platform {

// The library stays loaded until dl_close (callers keep what they use for the process).
inline void* dl_open(const char* name) {
#if defined(_WIN32)
  return static_cast<void*>(LoadLibraryA(name));
#else
  return dlopen(name, RTLD_NOW | RTLD_LOCAL);
#endif
}

inline void* dl_sym(void* lib, const char* symbol) {
#if defined(_WIN32)
  return reinterpret_cast<void*>(GetProcAddress(static_cast<HMODULE>(lib), symbol));
#else
  return dlsym(lib, symbol);
#endif
}

inline void dl_close(void* lib) {
#if defined(_WIN32)
  FreeLibrary(static_cast<HMODULE>(lib));
#else
  dlclose(lib);
#endif
}

// `align` is a power of two >= sizeof(void*); `bytes` a multiple of it. Free with aligned_free.
inline void* aligned_alloc_bytes(size_t align, size_t bytes) {
#if defined(_WIN32)
  return _aligned_malloc(bytes, align);
#else
  void* p = nullptr;
  return posix_memalign(&p, align, bytes) == 0 ? p : nullptr;
#endif
}

inline void aligned_free(void* p) {
#if defined(_WIN32)
  _aligned_free(p);
#else
  std::free(p);
#endif
}

inline void unset_env(const char* name) {
#if defined(_WIN32)
  _putenv_s(name, "");
#else
  unsetenv(name);
#endif
}

}  // namespace tx::platform

#include "tx/memory.h"

#include <cstdio>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#elif defined(_WIN32)
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#endif

namespace tx {

uint64_t host_allocation_limit() {
  static const uint64_t limit = [] {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 2;
#elif defined(_WIN32)
    MEMORYSTATUSEX status{};
    status.dwLength = sizeof(status);
    if (GlobalMemoryStatusEx(&status)) return static_cast<uint64_t>(status.ullTotalPhys) / 2;
#endif
    return UINT64_MAX;
  }();
  return limit;
}

Status check_host_bytes(double bytes, const char* what) {
  const double limit = static_cast<double>(host_allocation_limit());
  if (bytes > limit) {
    char msg[160];
    std::snprintf(msg, sizeof(msg), " would need %.0f MiB of host memory, more than half of this machine's (%.0f MiB)",
                  bytes / (1 << 20), limit / (1 << 20));
    return {Code::kOom, std::string(what) + msg};
  }
  return Status::ok();
}

}  // namespace tx

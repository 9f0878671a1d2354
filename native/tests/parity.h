// The parity runner's small framework: every CUDA op against its CPU twin on random
// inputs, plus CPU self-checks that run everywhere. Each case records its worst error.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tx/device.h"
#include "tx/status.h"
#include "tx/tensor.h"

namespace tx::parity {

struct CaseResult {
  std::string op;
  std::string name;        // shape / mode
  std::string device;      // "cuda" or "cpu"
  bool passed = false;
  bool skipped = false;
  std::string detail;      // failure or skip reason
  double max_abs_err = 0;  // worst |cuda - cpu|
  double ms = -1;          // median time of the op on the device, when benchmarked
  double gbps = -1;        // achieved bandwidth, when benchmarked
  double tflops = -1;      // achieved arithmetic rate, when benchmarked (model step)
};

struct Options {
  bool bench = false;
  uint64_t seed = 1234;
};

using Suite = std::function<void(const Options&, std::vector<CaseResult>&)>;

// Registers a suite at static-initialization time (one per op family file).
struct Register {
  Register(const char* name, Suite suite);
};

std::vector<float> random_floats(std::mt19937_64& rng, size_t n, float lo, float hi);

// Median wall time in ms of `fn` over `repeats` runs after `warmup` runs.
double median_ms(int warmup, int repeats, const std::function<void()>& fn);

// Returns false and fills detail when a Status failed.
bool ok_or(const Status& s, CaseResult& r);

// Copies a host vector into new device memory on device 0; nullptr on failure (recorded
// in r). Free with cuda_free.
template <typename T>
void* to_device(const std::vector<T>& v, CaseResult& r) {
  void* d = nullptr;
  if (!ok_or(cuda_malloc(&d, v.size() * sizeof(T), 0), r)) return nullptr;
  if (!ok_or(cuda_copy_to_device(d, v.data(), v.size() * sizeof(T), 0), r)) {
    cuda_free(d, 0);
    return nullptr;
  }
  return d;
}

template <typename T>
bool from_device(std::vector<T>& v, const void* d, CaseResult& r) {
  return ok_or(cuda_copy_to_host(v.data(), d, v.size() * sizeof(T), 0), r);
}

// Worst relative error max |got - want| / (1 + |want|); *nan_seen is set when either side
// has a NaN. Equal infinities count as agreement.
inline double rel_err(const std::vector<float>& got, const std::vector<float>& want, bool* nan_seen) {
  double m = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isinf(got[i]) && got[i] == want[i]) continue;
    if (std::isnan(got[i]) || std::isnan(want[i])) *nan_seen = true;
    m = std::max(m, std::fabs(static_cast<double>(got[i]) - want[i]) / (1.0 + std::fabs(static_cast<double>(want[i]))));
  }
  return m;
}

// bf16 bits of x, rounded to nearest even (NaN stays NaN, infinities stay infinite).
inline uint16_t to_bf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if (std::isnan(x)) return static_cast<uint16_t>(u >> 16 | 0x40);
  if (std::isinf(x)) return static_cast<uint16_t>(u >> 16);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

inline float from_bf16(uint16_t b) {
  const uint32_t u = static_cast<uint32_t>(b) << 16;
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

// A 1-D host view of a vector (f32 or i32).
inline TensorView host_view(std::vector<float>& v) {
  return TensorView::contiguous(v.data(), {static_cast<int64_t>(v.size())}, DType::kF32);
}
inline TensorView host_view(std::vector<int32_t>& v) {
  return TensorView::contiguous(v.data(), {static_cast<int64_t>(v.size())}, DType::kI32);
}

// The same view, pointing at device memory.
inline TensorView on_cuda(TensorView v, void* ptr) {
  v.data = ptr;
  v.device = Device::kCuda;
  return v;
}

}  // namespace tx::parity

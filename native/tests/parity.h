// The parity runner's small framework: every CUDA op against its CPU twin on random
// inputs, plus CPU self-checks that run everywhere. Each case records its worst error.
#pragma once
#include <chrono>
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

// The same view, pointing at device memory.
inline TensorView on_cuda(TensorView v, void* ptr) {
  v.data = ptr;
  v.device = Device::kCuda;
  return v;
}

}  // namespace tx::parity

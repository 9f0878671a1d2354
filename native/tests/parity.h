// The parity runner's small framework: every CUDA op against its CPU twin on random
// inputs, plus CPU self-checks that run everywhere. Each case records its worst error.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tx/status.h"

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

}  // namespace tx::parity

// tx_parity: runs every registered suite, prints a table, optionally writes JSON.
//   tx_parity [--bench] [--seed N] [--json out.json] [--only name,name] [--list]
// --only runs the suites whose registered name starts with one of the given prefixes
// ("gemm" runs gemm/cpu and gemm/cuda; "logprobs/cuda" one suite): benchmarks/gpu/run.sh
// uses it to put only chosen suites under compute-sanitizer. --list prints the names.
// Exit status: 0 when every case passed or was skipped, 1 otherwise (2: bad arguments).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "parity.h"
#include "tx/device.h"
#include "tx/ops.h"

namespace tx::parity {

namespace {
std::vector<std::pair<std::string, Suite>>& registry() {
  static std::vector<std::pair<std::string, Suite>> r;
  return r;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    o += c;
  }
  return o;
}
// JSON has no inf or nan: a non-finite error (a kernel that wrote NaN) becomes null.
std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  std::ostringstream o;
  o.precision(9);
  o << x;
  return o.str();
}
}  // namespace

Register::Register(const char* name, Suite suite) { registry().emplace_back(name, std::move(suite)); }

std::vector<float> random_floats(std::mt19937_64& rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

double median_ms(int warmup, int repeats, const std::function<void()>& fn) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    const auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

bool ok_or(const Status& s, CaseResult& r) {
  if (s.is_ok()) return true;
  r.passed = false;
  r.detail = std::string(code_name(s.code())) + ": " + s.message();
  return false;
}

}  // namespace tx::parity

namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string p; std::getline(in, p, ',');)
    if (!p.empty()) parts.push_back(p);
  return parts;
}

bool selected(const std::string& name, const std::vector<std::string>& only) {
  if (only.empty()) return true;
  for (const auto& prefix : only)
    if (name.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tx::parity;
  Options opts;
  std::string json_path;
  std::vector<std::string> only;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--bench")) opts.bench = true;
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) only = split_commas(argv[++i]);
    else if (!std::strcmp(argv[i], "--list")) list = true;
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) opts.seed = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
    else {
      std::fprintf(stderr, "usage: tx_parity [--bench] [--seed N] [--json out.json] [--only name,name] [--list]\n");
      return 2;
    }
  }
  if (list) {
    for (const auto& entry : registry()) std::printf("%s\n", entry.first.c_str());
    return 0;
  }
  for (const auto& prefix : only) {
    bool any = false;
    for (const auto& entry : registry()) any = any || entry.first.compare(0, prefix.size(), prefix) == 0;
    if (!any) {
      std::fprintf(stderr, "tx_parity: --only %s matches no suite (see --list)\n", prefix.c_str());
      return 2;
    }
  }
  const tx::CudaReport& cuda = tx::cuda_report();
  std::printf("cuda: compiled=%s usable=%s %s\n", cuda.compiled ? "yes" : "no", cuda.usable ? "yes" : "no",
              cuda.usable ? "" : cuda.reason.c_str());
  for (const auto& d : cuda.devices) std::printf("  device %d: %s (sm %s, %.1f GiB)\n", d.index, d.name.c_str(),
                                                 d.sm.c_str(), d.memory_bytes / 1073741824.0);
  const tx::Status simd = tx::cpu_simd_status();
  if (!simd.is_ok()) {  // a TOOLEXPANDER_SIMD this CPU cannot run: refuse, as the addon does
    std::fprintf(stderr, "%s: %s\n", tx::code_name(simd.code()), simd.message().c_str());
    return 2;
  }
  std::printf("cpu: %d threads, %s (supported: %s)\n\n", tx::cpu_threads(), tx::cpu_simd(), tx::cpu_simd_supported().c_str());

  std::vector<CaseResult> results;
  for (auto& [name, suite] : registry())
    if (selected(name, only)) suite(opts, results);

  int passed = 0, failed = 0, skipped = 0;
  std::printf("%-22s %-34s %-5s %-6s %12s %10s %10s %8s\n", "op", "case", "dev", "result", "max_abs_err", "ms", "GB/s", "TFLOP/s");
  for (const auto& r : results) {
    const char* verdict = r.skipped ? "SKIP" : r.passed ? "ok" : "FAIL";
    (r.skipped ? skipped : r.passed ? passed : failed)++;
    std::printf("%-22s %-34s %-5s %-6s %12.3g %10.4f %10.1f %8.4f", r.op.c_str(), r.name.c_str(), r.device.c_str(), verdict,
                r.max_abs_err, r.ms, r.gbps, r.tflops);
    if (!r.detail.empty()) std::printf("  %s", r.detail.c_str());
    std::printf("\n");
  }
  std::printf("\n%d passed, %d failed, %d skipped\n", passed, failed, skipped);

  if (!json_path.empty()) {
    std::ofstream f(json_path);
    f << "{\n  \"cuda\": {\"compiled\": " << (cuda.compiled ? "true" : "false")
      << ", \"usable\": " << (cuda.usable ? "true" : "false") << ", \"reason\": \"" << json_escape(cuda.reason)
      << "\", \"architectures\": \"" << json_escape(cuda.architectures) << "\", \"devices\": [";
    for (size_t i = 0; i < cuda.devices.size(); ++i) {
      const auto& d = cuda.devices[i];
      f << (i ? ", " : "") << "{\"index\": " << d.index << ", \"name\": \"" << json_escape(d.name)
        << "\", \"sm\": \"" << d.sm << "\", \"memoryBytes\": " << d.memory_bytes << "}";
    }
    f << "]},\n  \"cpu\": {\"threads\": " << tx::cpu_threads() << ", \"simd\": \"" << tx::cpu_simd() << "\"},\n"
      << "  \"summary\": {\"passed\": " << passed << ", \"failed\": " << failed << ", \"skipped\": " << skipped
      << "},\n  \"cases\": [\n";
    for (size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      f << "    {\"op\": \"" << r.op << "\", \"case\": \"" << json_escape(r.name) << "\", \"device\": \"" << r.device
        << "\", \"passed\": " << (r.passed ? "true" : "false") << ", \"skipped\": " << (r.skipped ? "true" : "false")
        << ", \"maxAbsErr\": " << json_number(r.max_abs_err) << ", \"ms\": " << json_number(r.ms)
        << ", \"gbps\": " << json_number(r.gbps) << ", \"tflops\": " << json_number(r.tflops)
        << ", \"detail\": \"" << json_escape(r.detail) << "\"}" << (i + 1 < results.size() ? "," : "") << "\n";
    }
    f << "  ]\n}\n";
    std::printf("wrote %s\n", json_path.c_str());
  }
  return failed == 0 ? 0 : 1;
}

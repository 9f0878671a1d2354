// Token sampling on the CPU, a row per task: temperature, top-k and top-p as thresholds on
// the f32 key of z = logit / T, then Gumbel-max with one Philox draw per vocabulary entry
// (common/philox.h). The rules match the CUDA twin's radix selection exactly (see ops.h).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "common/philox.h"
#include "cpu/sampling.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

namespace {

constexpr int64_t kNone = std::numeric_limits<int64_t>::max();

// Returns kNone, or the flat index of a NaN/+Inf logit, or -(row + 1) for a row with no
// finite logit.
int64_t sample_row(const SampleArgs& a, int64_t row, vector<float>& z, vector<uint32_t>& keys, int32_t* out) {
  const int64_t V = a.vocab;
  const float* x = a.logits.as<const float>() + row * V;
  for (int64_t i = 0; i < V; ++i) {
    if (std::isnan(x[i]) || x[i] == INFINITY) return row * V + i;
  }
  if (a.temperature == 0) {  // greedy: first argmax
    int64_t best = -1;
    for (int64_t i = 0; i < V; ++i)
      if (x[i] > -INFINITY && (best < 0 || x[i] > x[best])) best = i;
    if (best < 0) return -(row + 1);
    *out = static_cast<int32_t>(best);
    return kNone;
  }
  float zmax = -INFINITY;
  keys.clear();
  for (int64_t i = 0; i < V; ++i) {
    z[i] = static_cast<float>(static_cast<double>(x[i]) / a.temperature);
    if (z[i] > -INFINITY) {
      keys.push_back(float_key(z[i]));
      zmax = std::max(zmax, z[i]);
    }
  }
  if (keys.empty()) return -(row + 1);
  uint32_t thr = 0;  // keep finite z with float_key(z) >= thr
  const int64_t finite = static_cast<int64_t>(keys.size());
  if (a.top_k > 0 && a.top_k < finite) {
    std::nth_element(keys.begin(), keys.begin() + (a.top_k - 1), keys.end(), std::greater<uint32_t>());
    thr = keys[a.top_k - 1];
  }
  if (a.top_p < 1) {
    double total = 0;
    vector<std::pair<uint32_t, double>> kept;
    for (int64_t i = 0; i < V; ++i) {
      if (z[i] > -INFINITY && float_key(z[i]) >= thr) {
        const double e = std::exp(static_cast<double>(z[i]) - zmax);
        total += e;
        kept.emplace_back(float_key(z[i]), e);
      }
    }
    std::sort(kept.begin(), kept.end(), [](const auto& l, const auto& r) { return l.first > r.first; });
    const double target = a.top_p * total;
    double cum = 0;
    for (const auto& [key, e] : kept) {
      cum += e;
      if (cum >= target) {
        thr = key;
        break;
      }
    }
  }
  int64_t best = -1;
  double best_v = -INFINITY;
  const uint32_t seq = static_cast<uint32_t>(a.seq_ids.as<const int32_t>()[row]);
  const uint32_t pos = static_cast<uint32_t>(a.positions.as<const int32_t>()[row]);
  for (int64_t i = 0; i < V; ++i) {
    if (!(z[i] > -INFINITY) || float_key(z[i]) < thr) continue;
    const double u = sample_uniform(a.seed, seq, pos, static_cast<uint32_t>(i));
    const double v = static_cast<double>(z[i]) - std::log(-std::log(u));
    if (v > best_v) {
      best_v = v;
      best = i;
    }
  }
  *out = static_cast<int32_t>(best);
  return kNone;
}

}  // namespace

int64_t sample(const SampleArgs& a, bool* empty_row) {
  const int64_t rows = a.tokens.numel();
  int32_t* out = a.tokens.as<int32_t>();
  std::atomic<int64_t> first{kNone};
  parallel_for(rows, 1, [&](int64_t r0, int64_t r1) {
    vector<float> z(static_cast<size_t>(a.vocab));
    vector<uint32_t> keys;
    keys.reserve(static_cast<size_t>(a.vocab));
    for (int64_t r = r0; r < r1; ++r) {
      int64_t bad = sample_row(a, r, z, keys, out + r);
      if (bad == kNone) continue;
      // Encode an empty row after every bad logit index: rows * V + row.
      if (bad < 0) bad = rows * a.vocab + (-bad - 1);
      int64_t seen = first.load(std::memory_order_relaxed);
      while (bad < seen && !first.compare_exchange_weak(seen, bad)) {
      }
    }
  });
  const int64_t f = first.load();
  *empty_row = f != kNone && f >= rows * a.vocab;
  if (f == kNone) return -1;
  return *empty_row ? f - rows * a.vocab : f;
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h).
namespace tx::cpu {
TX_CPU_DISPATCH(int64_t, sample, (const SampleArgs& a, bool* empty_row), (a, empty_row))
}  // namespace tx::cpu

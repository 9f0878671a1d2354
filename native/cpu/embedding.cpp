// Embedding gather and its deterministic scatter-add: tokens are grouped by id with a
// stable counting sort, then each id's rows are summed in token order by the one thread
// that owns that id. No atomics; same bits for any thread count.
#include <cstring>
#include <vector>

#include "cpu/embedding.h"
#include "cpu/dispatch.h"
#include "cpu/isa_ns.h"
#include "cpu/parallel.h"

namespace tx::cpu::TX_ISA_NS {

// Integer work on std::vectors (the public signature, shared with the CUDA launcher): only
// the scalar set has it, the others call the public tx::cpu::group_by_id, which forwards
// there (end of file), so no wider set emits a std::vector<int32_t> member the linker could
// share.
#if defined(TX_ISA_IS_scalar)
void group_by_id(const int32_t* ids, int64_t tokens, int64_t vocab, std::vector<int32_t>* order,
                 std::vector<int32_t>* start, std::vector<int32_t>* uid) {
  std::vector<int32_t> count(static_cast<size_t>(vocab) + 1, 0);
  for (int64_t t = 0; t < tokens; ++t) ++count[ids[t] + 1];
  for (int64_t v = 0; v < vocab; ++v) count[v + 1] += count[v];
  order->assign(static_cast<size_t>(tokens), 0);
  start->clear();
  uid->clear();
  for (int64_t v = 0; v < vocab; ++v) {
    if (count[v + 1] > count[v]) {
      start->push_back(count[v]);
      uid->push_back(static_cast<int32_t>(v));
    }
  }
  start->push_back(static_cast<int32_t>(tokens));
  std::vector<int32_t> fill(count.begin(), count.end() - 1);
  for (int64_t t = 0; t < tokens; ++t) (*order)[fill[ids[t]]++] = static_cast<int32_t>(t);
}
#endif

void embedding(const EmbeddingArgs& a) {
  const int64_t d = a.dim;
  const float* w = a.weight.as<const float>();
  const int32_t* ids = a.ids.as<const int32_t>();
  float* out = a.out.as<float>();
  parallel_for(a.ids.numel(), 64, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) std::memcpy(out + t * d, w + static_cast<int64_t>(ids[t]) * d, d * sizeof(float));
  });
}

void embedding_backward(const EmbeddingBackwardArgs& a) {
  const int64_t d = a.dim;
  const float* go = a.grad_out.as<const float>();
  float* gw = a.grad_weight.as<float>();
  if (!a.accumulate) std::memset(gw, 0, static_cast<size_t>(a.vocab * d) * sizeof(float));
  std::vector<int32_t> order, start, uid;
  tx::cpu::group_by_id(a.ids.as<const int32_t>(), a.ids.numel(), a.vocab, &order, &start, &uid);
  parallel_for(static_cast<int64_t>(uid.size()), 8, [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; ++j) {
      float* row = gw + static_cast<int64_t>(uid[j]) * d;
      for (int32_t k = start[j]; k < start[j + 1]; ++k) {
        const float* g = go + static_cast<int64_t>(order[k]) * d;
        for (int64_t c = 0; c < d; ++c) row[c] += g[c];
      }
    }
  });
}

}  // namespace tx::cpu::TX_ISA_NS

// The public entry points, to the selected set (cpu/dispatch.h); group_by_id is the scalar
// set's only (above).
namespace tx::cpu {
TX_CPU_DISPATCH(void, embedding, (const EmbeddingArgs& a), (a))
TX_CPU_DISPATCH(void, embedding_backward, (const EmbeddingBackwardArgs& a), (a))
#if defined(TX_ISA_IS_scalar)
void group_by_id(const int32_t* ids, int64_t tokens, int64_t vocab, std::vector<int32_t>* order,
                 std::vector<int32_t>* start, std::vector<int32_t>* uid) {
  scalar::group_by_id(ids, tokens, vocab, order, start, uid);
}
#endif
}  // namespace tx::cpu

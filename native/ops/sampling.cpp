// Token sampling (docs/kernels.md section 6): argument checks, each message naming the
// argument as the JS API spells it, and the dispatch to native/cpu/ or native/cuda/.
#include "tx/ops/sampling.h"

#include <climits>
#include <string>

#include "check.h"
#include "cpu/sampling.h"
#include "ops/dispatch.h"

#ifdef TX_HAVE_CUDA
#include "cuda/sampling.h"
#endif

namespace tx {

Status validate_sample_inputs(const SampleArgs& a) {
  TX_RETURN_IF_ERROR(check::vector(a.logits, "logits", DType::kF32));
  if (a.vocab < 1 || a.vocab > INT32_MAX) return {Code::kRange, "vocab must be in [1, 2^31-1], got " + std::to_string(a.vocab)};
  if (a.logits.shape[0] % a.vocab != 0) {
    return {Code::kShape, "logits.length " + std::to_string(a.logits.shape[0]) + " is not a multiple of vocab " +
                              std::to_string(a.vocab)};
  }
  const int64_t rows = a.logits.shape[0] / a.vocab;
  TX_RETURN_IF_ERROR(check::vector(a.seq_ids, "seqIds", DType::kI32, rows));
  TX_RETURN_IF_ERROR(check::on_host(a.seq_ids, "seqIds"));
  TX_RETURN_IF_ERROR(check::vector(a.positions, "positions", DType::kI32, rows));
  TX_RETURN_IF_ERROR(check::on_host(a.positions, "positions"));
  if (a.seed > (uint64_t{1} << 53)) return {Code::kRange, "opts.seed must be an integer in [0, 2^53]"};
  TX_RETURN_IF_ERROR(check::finite_non_negative(a.temperature, "opts.temperature"));
  if (a.top_k < 0) return {Code::kRange, "opts.topK must be >= 0 (0 = off), got " + std::to_string(a.top_k)};
  if (!(a.top_p > 0 && a.top_p <= 1)) return {Code::kRange, "opts.topP must be in (0, 1], got " + std::to_string(a.top_p)};
  return Status::ok();
}

Status sample(const SampleArgs& a) {
  TX_RETURN_IF_ERROR(validate_sample_inputs(a));
  TX_RETURN_IF_ERROR(check::vector(a.tokens, "tokens", DType::kI32, a.logits.shape[0] / a.vocab));
  TX_RETURN_IF_ERROR(check::same_device(a.tokens, "tokens", a.logits, "logits"));
  int64_t bad = -1;
  bool empty_row = false;
  TX_RETURN_IF_ERROR(ops::dispatch(a.logits, "logits", [&] { bad = cpu::sample(a, &empty_row); return Status::ok(); },
                                   [&] { return TX_CUDA(cuda::sample(a, &bad, &empty_row, nullptr)); }));
  if (bad < 0) return Status::ok();
  if (empty_row) return {Code::kRange, "logits row " + std::to_string(bad) + " has no finite value (all -Infinity)"};
  return {Code::kRange, "logits[" + std::to_string(bad) + "] is NaN or +Infinity (row " + std::to_string(bad / a.vocab) + ")"};
}

}  // namespace tx

// Argument checks of the model's entry points, in one place: the model runs them, and the
// binding (bindings/model.cpp) runs the same ones on its copies before it sizes any output.
#include <algorithm>
#include <string>

#include "check.h"
#include "tx/model/model.h"

namespace tx::model {

Status validate_offsets(const int32_t* offsets, int64_t count, const char* name, int64_t total, const char* total_name) {
  const TensorView o = TensorView::contiguous(const_cast<int32_t*>(offsets), {count}, DType::kI32);
  return check::offsets(o, name, total, total_name);
}

Status validate_generate(const Config& c, const GenerateSpec& s, int64_t* tmax_out) {
  const int64_t P = s.prompts;
  if (P < 1) return {Code::kRange, "prompts must not be empty"};
  if (s.n < 1) return {Code::kRange, "opts.n must be >= 1"};
  if (s.max_tokens < 1) return {Code::kRange, "opts.maxTokens must be >= 1"};
  int64_t longest = 0;
  for (int64_t p = 0; p < P; ++p) {
    const int64_t len = s.prompt_offsets[p + 1] - s.prompt_offsets[p];
    if (len < 1) return {Code::kRange, "prompt " + std::to_string(p) + " has no token"};
    longest = std::max(longest, len);
  }
  const int64_t total = s.prompt_offsets[P];
  for (int64_t i = 0; i < total; ++i) {
    if (s.prompt_tokens[i] < 0 || s.prompt_tokens[i] >= c.vocab_size) {
      return {Code::kRange, "prompt token " + std::to_string(s.prompt_tokens[i]) + " is outside [0, vocab_size)"};
    }
  }
  const int64_t tmax = longest + s.max_tokens;
  if (tmax > c.max_position_embeddings) {
    return {Code::kRange, "longest prompt (" + std::to_string(longest) + ") + opts.maxTokens (" + std::to_string(s.max_tokens) +
                              ") exceeds config.max_position_embeddings = " + std::to_string(c.max_position_embeddings)};
  }
  if (tmax_out != nullptr) *tmax_out = tmax;
  return Status::ok();
}

}  // namespace tx::model

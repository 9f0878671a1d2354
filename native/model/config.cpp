#include "tx/model/config.h"

#include <cmath>
#include <string>

namespace tx::model {

namespace {
Status positive(int64_t v, const char* name, int64_t max) {
  if (v < 1 || v > max) {
    return {Code::kRange, std::string("config.") + name + " must be an integer in [1, " + std::to_string(max) + "], got " +
                              std::to_string(v)};
  }
  return Status::ok();
}
}  // namespace

Status validate(const Config& c) {
  TX_RETURN_IF_ERROR(positive(c.vocab_size, "vocab_size", 1 << 24));
  TX_RETURN_IF_ERROR(positive(c.hidden_size, "hidden_size", 1 << 16));
  TX_RETURN_IF_ERROR(positive(c.intermediate_size, "intermediate_size", 1 << 18));
  TX_RETURN_IF_ERROR(positive(c.num_hidden_layers, "num_hidden_layers", 1024));
  TX_RETURN_IF_ERROR(positive(c.num_attention_heads, "num_attention_heads", 1024));
  TX_RETURN_IF_ERROR(positive(c.num_key_value_heads, "num_key_value_heads", 1024));
  TX_RETURN_IF_ERROR(positive(c.max_position_embeddings, "max_position_embeddings", 1 << 20));
  if (c.hidden_size % c.num_attention_heads != 0) {
    return {Code::kRange, "config.num_attention_heads (" + std::to_string(c.num_attention_heads) +
                              ") must divide config.hidden_size (" + std::to_string(c.hidden_size) + ")"};
  }
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    return {Code::kRange, "config.num_key_value_heads (" + std::to_string(c.num_key_value_heads) +
                              ") must divide config.num_attention_heads (" + std::to_string(c.num_attention_heads) + ")"};
  }
  if (c.head_dim() % 2 != 0) {
    return {Code::kRange, "config: head dim hidden_size / num_attention_heads = " + std::to_string(c.head_dim()) +
                              " must be even (RoPE rotates pairs)"};
  }
  if (!(c.rope_theta > 1) || !std::isfinite(c.rope_theta)) return {Code::kRange, "config.rope_theta must be a finite number > 1"};
  if (!(c.rms_norm_eps > 0) || !std::isfinite(c.rms_norm_eps)) return {Code::kRange, "config.rms_norm_eps must be a finite number > 0"};
  return Status::ok();
}

}  // namespace tx::model

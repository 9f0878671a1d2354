// The policy model's configuration, in Qwen2's config.json names (hidden_size, ...), and
// its validation. Head dim = hidden_size / num_attention_heads, as Qwen2.
#pragma once
#include <cstdint>

#include "tx/status.h"

namespace tx::model {

struct Config {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t max_position_embeddings = 0;  // RoPE table size; sequences must be shorter
  double rope_theta = 1e6;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = true;

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
  int64_t q_dim() const { return hidden_size; }
  int64_t kv_dim() const { return head_dim() * num_key_value_heads; }
};

// E_RANGE naming the field (config.json spelling) when a value is out of range or the
// shapes disagree (heads not dividing hidden_size, kv heads not dividing heads, odd head dim).
Status validate(const Config& c);

}  // namespace tx::model

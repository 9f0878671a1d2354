// Parameters: ONE flat f32 allocation and a pointer table into it (llm.c style). The walk
// order below is the storage order; every tensor carries its Hugging Face Qwen2 name and
// PyTorch shape ([out, in] for Linear weights: y = x W^T + b).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tx/model/config.h"

namespace tx::model {

struct LayerParams {
  float* ln1;   // [d]                 model.layers.i.input_layernorm.weight
  float* wq;    // [H*Dh, d]           self_attn.q_proj.weight
  float* bq;    // [H*Dh]              self_attn.q_proj.bias
  float* wk;    // [Hkv*Dh, d]         self_attn.k_proj.weight
  float* bk;    // [Hkv*Dh]            self_attn.k_proj.bias
  float* wv;    // [Hkv*Dh, d]         self_attn.v_proj.weight
  float* bv;    // [Hkv*Dh]            self_attn.v_proj.bias
  float* wo;    // [d, H*Dh]           self_attn.o_proj.weight (no bias in Qwen2)
  float* ln2;   // [d]                 post_attention_layernorm.weight
  float* wg;    // [F, d]              mlp.gate_proj.weight
  float* wu;    // [F, d]              mlp.up_proj.weight
  float* wd;    // [d, F]              mlp.down_proj.weight
};

struct ParamTable {
  float* embed = nullptr;    // [V, d]  model.embed_tokens.weight
  std::vector<LayerParams> layers;
  float* norm = nullptr;     // [d]     model.norm.weight
  float* lm_head = nullptr;  // [V, d]  lm_head.weight; == embed when tied
};

enum class Init { kNormal, kOnes, kZeros };

struct ParamInfo {
  std::string name;
  std::vector<int64_t> shape;
  int64_t offset = 0;  // in floats from the start of the allocation
  int64_t numel = 0;
  Init init = Init::kNormal;
};

// The storage order with names, shapes and offsets; total = sum of numel.
std::vector<ParamInfo> param_layout(const Config& c, int64_t* total);

// Pointers into `base` (a buffer of `total` floats) for the same layout: used for the
// parameters, and again for the gradients, which share the layout.
ParamTable bind_params(const Config& c, float* base);

}  // namespace tx::model

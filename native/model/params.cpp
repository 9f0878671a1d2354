#include "tx/model/params.h"

#include <functional>

namespace tx::model {

namespace {

// Walks the tensors in storage order: f(name, shape, init, slot).
void walk(const Config& c, ParamTable* t,
          const std::function<void(const std::string&, std::vector<int64_t>, Init, float**)>& f) {
  const int64_t d = c.hidden_size, q = c.q_dim(), kv = c.kv_dim(), ff = c.intermediate_size, v = c.vocab_size;
  f("model.embed_tokens.weight", {v, d}, Init::kNormal, &t->embed);
  t->layers.resize(static_cast<size_t>(c.num_hidden_layers));
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    LayerParams& l = t->layers[static_cast<size_t>(i)];
    const std::string p = "model.layers." + std::to_string(i) + ".";
    f(p + "input_layernorm.weight", {d}, Init::kOnes, &l.ln1);
    f(p + "self_attn.q_proj.weight", {q, d}, Init::kNormal, &l.wq);
    f(p + "self_attn.q_proj.bias", {q}, Init::kZeros, &l.bq);
    f(p + "self_attn.k_proj.weight", {kv, d}, Init::kNormal, &l.wk);
    f(p + "self_attn.k_proj.bias", {kv}, Init::kZeros, &l.bk);
    f(p + "self_attn.v_proj.weight", {kv, d}, Init::kNormal, &l.wv);
    f(p + "self_attn.v_proj.bias", {kv}, Init::kZeros, &l.bv);
    f(p + "self_attn.o_proj.weight", {d, q}, Init::kNormal, &l.wo);
    f(p + "post_attention_layernorm.weight", {d}, Init::kOnes, &l.ln2);
    f(p + "mlp.gate_proj.weight", {ff, d}, Init::kNormal, &l.wg);
    f(p + "mlp.up_proj.weight", {ff, d}, Init::kNormal, &l.wu);
    f(p + "mlp.down_proj.weight", {d, ff}, Init::kNormal, &l.wd);
  }
  f("model.norm.weight", {d}, Init::kOnes, &t->norm);
  if (c.tie_word_embeddings) {
    t->lm_head = t->embed;
  } else {
    f("lm_head.weight", {v, d}, Init::kNormal, &t->lm_head);
  }
}

}  // namespace

std::vector<ParamInfo> param_layout(const Config& c, int64_t* total) {
  std::vector<ParamInfo> out;
  ParamTable scratch;
  int64_t off = 0;
  walk(c, &scratch, [&](const std::string& name, std::vector<int64_t> shape, Init init, float**) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    out.push_back({name, shape, off, n, init});
    off += n;
  });
  *total = off;
  return out;
}

ParamTable bind_params(const Config& c, float* base) {
  ParamTable t;
  int64_t off = 0;
  walk(c, &t, [&](const std::string&, std::vector<int64_t> shape, Init, float** slot) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    *slot = base + off;
    off += n;
  });
  if (c.tie_word_embeddings) t.lm_head = t.embed;
  return t;
}

}  // namespace tx::model

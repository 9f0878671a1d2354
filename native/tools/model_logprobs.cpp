// tx_model_logprobs: runs the native policy model on weights written by another tool (no
// Node), for benchmarks/gpu/qwen2_parity.py's comparison with transformers' Qwen2.
//   tx_model_logprobs layout <dir>            prints "name dim0 dim1 ..." per parameter, in
//                                             storage order (the order params.f32 must use)
//   tx_model_logprobs run <dir> cpu|cuda|cuda-bf16   reads <dir>/model.cfg ("key value" lines, Qwen2
//                                             config.json names), params.f32 (f32, storage
//                                             order), tokens.i32 and cu_seqlens.i32; writes
//                                             logp_<dev>.f32 and entropy_<dev>.f32 ([N]:
//                                             log p(token i | tokens before it), 0 for a
//                                             sequence's first token); cuda-bf16 = CUDA with
//                                             bf16 forward weights
// Exit status: 0 ok, 1 error, 3 device not usable (the message says why).
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tx/model/model.h"

namespace {

using tx::model::Config;

bool read_config(const std::string& path, Config* c, std::string* err) {
  std::ifstream f(path);
  if (!f) return *err = "cannot open " + path, false;
  std::string key;
  double value = 0;
  while (f >> key >> value) {
    if (key == "vocab_size") c->vocab_size = static_cast<int64_t>(value);
    else if (key == "hidden_size") c->hidden_size = static_cast<int64_t>(value);
    else if (key == "intermediate_size") c->intermediate_size = static_cast<int64_t>(value);
    else if (key == "num_hidden_layers") c->num_hidden_layers = static_cast<int64_t>(value);
    else if (key == "num_attention_heads") c->num_attention_heads = static_cast<int64_t>(value);
    else if (key == "num_key_value_heads") c->num_key_value_heads = static_cast<int64_t>(value);
    else if (key == "max_position_embeddings") c->max_position_embeddings = static_cast<int64_t>(value);
    else if (key == "rope_theta") c->rope_theta = value;
    else if (key == "rms_norm_eps") c->rms_norm_eps = value;
    else if (key == "tie_word_embeddings") c->tie_word_embeddings = value != 0;
    else return *err = "unknown config key " + key, false;
  }
  const tx::Status s = tx::model::validate(*c);
  if (!s.is_ok()) return *err = s.message(), false;
  return true;
}

template <typename T>
bool read_file(const std::string& path, std::vector<T>* out, std::string* err) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return *err = "cannot open " + path, false;
  const std::streamsize bytes = f.tellg();
  if (bytes % static_cast<std::streamsize>(sizeof(T)) != 0) return *err = path + ": size is not a multiple of the element", false;
  out->resize(static_cast<size_t>(bytes) / sizeof(T));
  f.seekg(0);
  f.read(reinterpret_cast<char*>(out->data()), bytes);
  return static_cast<bool>(f) || (*err = "cannot read " + path, false);
}

bool write_file(const std::string& path, const std::vector<float>& v) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  return static_cast<bool>(f);
}

int fail(const std::string& msg, int code = 1) {
  std::cerr << "tx_model_logprobs: " << msg << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return fail("usage: tx_model_logprobs layout <dir> | run <dir> cpu|cuda|cuda-bf16", 2);
  const std::string cmd = argv[1], dir = argv[2];
  Config c;
  std::string err;
  if (!read_config(dir + "/model.cfg", &c, &err)) return fail(err);
  if (cmd == "layout") {
    int64_t total = 0;
    for (const auto& p : tx::model::param_layout(c, &total)) {
      std::cout << p.name;
      for (int64_t s : p.shape) std::cout << ' ' << s;
      std::cout << '\n';
    }
    return 0;
  }
  if (cmd != "run" || argc < 4) return fail("usage: tx_model_logprobs layout <dir> | run <dir> cpu|cuda|cuda-bf16", 2);
  const std::string dev = argv[3];
  if (dev != "cpu" && dev != "cuda" && dev != "cuda-bf16") return fail("device must be cpu, cuda or cuda-bf16", 2);
  std::vector<float> params;
  std::vector<int32_t> tokens, cu;
  if (!read_file(dir + "/params.f32", &params, &err) || !read_file(dir + "/tokens.i32", &tokens, &err) ||
      !read_file(dir + "/cu_seqlens.i32", &cu, &err)) {
    return fail(err);
  }
  if (cu.size() < 2 || cu.front() != 0 || cu.back() != static_cast<int32_t>(tokens.size())) return fail("cu_seqlens must run from 0 to the token count");
  for (size_t i = 1; i < cu.size(); ++i) {
    if (cu[i] < cu[i - 1]) return fail("cu_seqlens must be non-decreasing");
  }
  tx::model::ModelOptions opts;
  opts.device = dev == "cpu" ? tx::Device::kCpu : tx::Device::kCuda;
  opts.bf16_weights = dev == "cuda-bf16";
  std::unique_ptr<tx::model::Model> m;
  tx::Status s = tx::model::Model::create(c, 0, static_cast<int64_t>(tokens.size()), opts, &m);
  if (!s.is_ok()) return fail(std::string(tx::code_name(s.code())) + ": " + s.message(), s.code() == tx::Code::kDevice ? 3 : 1);
  if (static_cast<int64_t>(params.size()) != m->num_params()) {
    return fail("params.f32 holds " + std::to_string(params.size()) + " floats, the config needs " + std::to_string(m->num_params()));
  }
  s = m->write_state(tx::model::StateTensor::kParams, params.data());
  std::vector<uint8_t> mask(tokens.size(), 1);
  for (size_t b = 0; b + 1 < cu.size(); ++b) {
    if (cu[b] < cu[b + 1]) mask[cu[b]] = 0;  // a first token has no log-prob
  }
  tx::model::Batch batch;
  batch.tokens = tokens.data(), batch.cu_seqlens = cu.data(), batch.mask = mask.data();
  batch.tokens_n = static_cast<int64_t>(tokens.size()), batch.seqs = static_cast<int64_t>(cu.size()) - 1;
  std::vector<float> logp(tokens.size()), entropy(tokens.size());
  if (s.is_ok()) s = m->forward_logprobs(batch, logp.data(), entropy.data());
  if (!s.is_ok()) return fail(std::string(tx::code_name(s.code())) + ": " + s.message());
  if (!write_file(dir + "/logp_" + dev + ".f32", logp) || !write_file(dir + "/entropy_" + dev + ".f32", entropy)) {
    return fail("cannot write the outputs to " + dir);
  }
  std::cout << "wrote " << dir << "/logp_" << dev << ".f32 (" << tokens.size() << " tokens)\n";
  return 0;
}

// The whole-model RL step as a benchmark (only with --bench): forward_logprobs (the
// reference pass), train_micro + optimizer_step (the update) and generate (rollouts) on
// random weights. Each case reports its median time and its rate in TFLOP/s against the
// matmul FLOPs it must do (2 x matmul parameters per token forward, 6 x for forward +
// backward, attention's 4 x T x D per token and layer on top), so the JSON says how far the
// step is from the chip's rate. On CUDA: Qwen2.5-0.5B's shapes (f32 and bf16 forward
// weights); on the CPU: the demo model's shape on a small batch (the CPU dry run stays short).
#include <cmath>
#include <memory>
#include <string>

#include "parity.h"
#include "tx/device.h"
#include "tx/model/model.h"

namespace tx::parity {

namespace {

using model::Model;

model::Config qwen25_05b() {
  model::Config c;
  c.vocab_size = 151936, c.hidden_size = 896, c.intermediate_size = 4864, c.num_hidden_layers = 24;
  c.num_attention_heads = 14, c.num_key_value_heads = 2, c.max_position_embeddings = 4096;
  c.rope_theta = 1e6, c.tie_word_embeddings = true;
  return c;
}

// The shipped demo checkpoint's shape (checkpoints/weak-sft).
model::Config demo_tiny() {
  model::Config c;
  c.vocab_size = 2048, c.hidden_size = 128, c.intermediate_size = 352, c.num_hidden_layers = 4;
  c.num_attention_heads = 4, c.num_key_value_heads = 4, c.max_position_embeddings = 1024;
  c.rope_theta = 1e6, c.tie_word_embeddings = true;
  return c;
}

// Matmul parameters per token: the layers' projections plus the output head.
double matmul_params(const model::Config& c) {
  const double d = static_cast<double>(c.hidden_size), kv = static_cast<double>(c.kv_dim());
  const double layer = d * d * 2 + d * kv * 2 + 3.0 * d * static_cast<double>(c.intermediate_size);
  return layer * static_cast<double>(c.num_hidden_layers) + d * static_cast<double>(c.vocab_size);
}

// Forward FLOPs of `seqs` causal sequences of length T: 2 x params per token, plus QK^T and
// PV over the causal half (2 x 2 x T/2 x D per token and layer).
double forward_flops(const model::Config& c, int64_t seqs, int64_t T) {
  const double tokens = static_cast<double>(seqs * T);
  const double attn = 2.0 * static_cast<double>(T) * static_cast<double>(c.hidden_size) * static_cast<double>(c.num_hidden_layers);
  return tokens * (2.0 * matmul_params(c) + attn);
}

struct Batch {
  std::vector<int32_t> tokens, cu;
  std::vector<uint8_t> mask;
  model::Batch view() const {
    model::Batch b;
    b.tokens = tokens.data(), b.cu_seqlens = cu.data(), b.mask = mask.data();
    b.tokens_n = static_cast<int64_t>(tokens.size()), b.seqs = static_cast<int64_t>(cu.size()) - 1;
    return b;
  }
};

Batch random_batch(std::mt19937_64& rng, int64_t vocab, int64_t seqs, int64_t T) {
  Batch b;
  std::uniform_int_distribution<int32_t> tok(0, static_cast<int32_t>(vocab - 1));
  b.cu.push_back(0);
  for (int64_t s = 0; s < seqs; ++s) {
    for (int64_t i = 0; i < T; ++i) b.tokens.push_back(tok(rng)), b.mask.push_back(i > 0);
    b.cu.push_back(static_cast<int32_t>(b.tokens.size()));
  }
  return b;
}

void rate(CaseResult& r, double flops) {
  if (r.ms > 0) r.tflops = flops / (r.ms * 1e-3) / 1e12;
}

struct Shape {
  const char* name;
  model::Config cfg;
  Device device;
  bool bf16;
  int64_t seqs, T;            // forward / train batch
  int64_t prompts, n, prompt_len, gen_tokens;  // generate
};

void bench_shape(const Shape& s, std::mt19937_64& rng, std::vector<CaseResult>& out) {
  const char* dev = s.device == Device::kCuda ? "cuda" : "cpu";
  const std::string tag = std::string(s.name) + (s.bf16 ? " bf16" : "");
  model::ModelOptions o;
  o.device = s.device;
  o.bf16_weights = s.bf16;
  std::unique_ptr<Model> m;
  CaseResult create{"modelStep.create", tag, dev};
  if (!ok_or(Model::create(s.cfg, 3, s.seqs * s.T, o, &m), create)) {
    out.push_back(create);
    return;
  }
  const Batch b = random_batch(rng, s.cfg.vocab_size, s.seqs, s.T);
  const size_t N = b.tokens.size();
  std::vector<float> logp(N), ent(N);
  const double fwd = forward_flops(s.cfg, s.seqs, s.T);

  CaseResult f{"modelStep.forwardLogprobs", tag + " " + std::to_string(s.seqs) + "x" + std::to_string(s.T), dev};
  f.passed = ok_or(m->forward_logprobs(b.view(), logp.data(), ent.data()), f);
  if (f.passed) {
    for (float x : logp) f.passed = f.passed && std::isfinite(x);
    f.ms = median_ms(1, 5, [&] { (void)m->forward_logprobs(b.view(), logp.data(), ent.data()); });
    rate(f, fwd);
    f.detail = "TFLOP/s vs 2 x matmul params x tokens + causal attention";
  }
  out.push_back(f);

  CaseResult t{"modelStep.train", tag + " " + std::to_string(s.seqs) + "x" + std::to_string(s.T) + " SFT + AdamW", dev};
  model::LossSpec sft;
  sft.sft = true;
  model::StepStats st;
  model::OptimConfig opt;
  double norm = 0;
  t.passed = ok_or(m->train_micro(b.view(), sft, &st), t) && ok_or(m->optimizer_step(opt, &norm), t) && std::isfinite(norm);
  if (t.passed) {
    t.ms = median_ms(1, 3, [&] {
      (void)m->train_micro(b.view(), sft, &st);
      (void)m->optimizer_step(opt, &norm);
    });
    rate(t, 3 * fwd);
    t.detail = "TFLOP/s vs 3 x forward FLOPs";
  }
  out.push_back(t);

  CaseResult g{"modelStep.generate",
               tag + " " + std::to_string(s.prompts) + " prompts x n=" + std::to_string(s.n) + ", " + std::to_string(s.gen_tokens) + " tokens",
               dev};
  const Batch p = random_batch(rng, s.cfg.vocab_size, s.prompts, s.prompt_len);
  const int64_t rows = s.prompts * s.n;
  std::vector<int32_t> toks(static_cast<size_t>(rows * s.gen_tokens)), lens(static_cast<size_t>(rows));
  std::vector<float> glogp(toks.size());
  model::GenerateSpec gs;
  gs.prompt_tokens = p.tokens.data(), gs.prompt_offsets = p.cu.data(), gs.prompts = s.prompts, gs.n = s.n;
  gs.max_tokens = s.gen_tokens, gs.seed = 5, gs.temperature = 1.0;  // no stop ids: every row runs to the end
  gs.out_tokens = toks.data(), gs.out_logp = glogp.data(), gs.out_lengths = lens.data();
  g.passed = ok_or(m->generate(gs), g);
  if (g.passed) {
    g.ms = median_ms(1, 3, [&] { (void)m->generate(gs); });
    // Decode FLOPs: 2 x params per generated token plus attention over the growing context.
    const double per_row = static_cast<double>(s.gen_tokens) * 2.0 * matmul_params(s.cfg) +
                           4.0 * static_cast<double>(s.cfg.hidden_size * s.cfg.num_hidden_layers) *
                               (static_cast<double>(s.gen_tokens) * s.prompt_len + 0.5 * s.gen_tokens * s.gen_tokens);
    rate(g, per_row * static_cast<double>(rows));
    g.detail = std::to_string(static_cast<long long>(static_cast<double>(rows * s.gen_tokens) / (g.ms * 1e-3))) + " tokens/s";
  }
  out.push_back(g);
}

void model_bench(const Options& opts, std::vector<CaseResult>& out) {
  if (!opts.bench) return;
  std::mt19937_64 rng(opts.seed);
  // The CPU row is small on purpose: it proves the benchmark runs (the CPU dry run in CI);
  // the CPU's own RL-step figures come from `npm run bench rlstep` on the demo's data.
  bench_shape({"demo-shaped d=128 L=4 V=2048", demo_tiny(), Device::kCpu, false, 4, 128, 4, 4, 64, 32}, rng, out);
  if (!cuda_report().usable) {
    CaseResult r{"modelStep", "Qwen2.5-0.5B shapes on CUDA", "cuda"};
    r.skipped = true;
    r.detail = cuda_report().reason;
    out.push_back(r);
    return;
  }
  for (bool bf16 : {false, true})
    bench_shape({"Qwen2.5-0.5B", qwen25_05b(), Device::kCuda, bf16, 16, 512, 16, 8, 256, 256}, rng, out);
}

const Register reg("model-bench", model_bench);

}  // namespace

}  // namespace tx::parity

// The native policy model: a Qwen2-shaped decoder (embedding, L x [RMSNorm -> GQA attention
// with RoPE and q/k/v biases -> residual -> RMSNorm -> SwiGLU MLP -> residual], final
// RMSNorm, lm_head, optionally tied) in f32, built from the engine's ops, on the CPU or on
// one CUDA device (ModelOptions::device). On CUDA the parameters, gradients, AdamW state,
// activations and the KV cache live in device memory; token ids, offsets and masks stay in
// host memory (the ops take their index vectors from the host), and the few per-token
// vectors the host needs (log-probs, loss gradients) are copied across.
//
// Every forward op is row-wise batch invariant (GEMM with alpha 1 / beta 0, RMSNorm, RoPE
// from one table, SwiGLU, linear_logprobs) and decode attention equals the packed forward
// bit for bit, so the log-probs generate() reports equal forward_logprobs() exactly.
// On CUDA the same holds with the engine's own f32 GEMM (the default there; cuBLAS picks
// its algorithm by row count) and the SIMT attention (the f32 path): bitwise equality of
// rollout and training log-probs on one device. CUDA and CPU agree to f32 rounding only
// (bf16 weights, ModelOptions::bf16_weights: to bf16 rounding).
// One Model is used by one call at a time (callers hold `mu`).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "tx/model/config.h"
#include "tx/model/params.h"
#include "tx/model/storage.h"
#include "tx/ops.h"

namespace tx::model {

// A packed batch: sequences back to back (FlashAttention varlen layout). cu_seqlens is
// validated by the caller with validate_offsets (bindings/model.cpp, on its copy); tokens
// and mask are checked here.
struct Batch {
  const int32_t* tokens = nullptr;      // [N]
  const int32_t* cu_seqlens = nullptr;  // [B+1]
  int64_t tokens_n = 0, seqs = 0;
  const uint8_t* mask = nullptr;        // [N]: tokens whose log-prob is wanted / trained (never a first token)
};

// Loss of a training micro-batch; gradients are ADDED to the accumulated ones, times `scale`.
struct LossSpec {
  bool sft = false;             // true: -mean logp over masked tokens; false: GRPO (grpo below)
  GrpoLossArgs grpo;            // old_logp / ref_logp / advantages [N] token-aligned, clip, KL, aggregation
  double scale = 1;             // e.g. 1 / micro-batches
};

struct StepStats {
  double loss = 0;
  int64_t tokens = 0;           // masked tokens
  GrpoLossResult grpo;          // GRPO statistics (GRPO only)
};

struct GenerateSpec {
  const int32_t* prompt_tokens = nullptr;  // concatenated prompts
  const int32_t* prompt_offsets = nullptr; // [P+1]
  int64_t prompts = 0;
  int64_t n = 1;                 // samples per prompt: sequence b = prompt b / n, sample b % n
  double temperature = 1, top_p = 1;
  int32_t top_k = 0;
  int64_t max_tokens = 16;
  uint64_t seed = 0;
  std::vector<int32_t> stop_ids;  // generation of a sequence ends after one of these
  // Outputs, [P*n*max_tokens] and [P*n]: completion tokens, their logp (temperature 1, the
  // same number forward_logprobs gives), and lengths.
  int32_t* out_tokens = nullptr;
  float* out_logp = nullptr;
  int32_t* out_lengths = nullptr;
};

struct OptimConfig {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0, max_grad_norm = 1.0;
};

// The checks of the entry points below (model/checks.cpp), for a caller to run before it
// sizes outputs. validate_offsets: offsets[0] = 0, non-decreasing, offsets[count-1] = total
// (check::offsets, as every op checks its offsets; total_name spells total in messages). validate_generate: what generate()
// accepts, given prompt_offsets already valid; *tmax = longest prompt + max_tokens.
Status validate_offsets(const int32_t* offsets, int64_t count, const char* name, int64_t total, const char* total_name);
Status validate_generate(const Config& c, const GenerateSpec& g, int64_t* tmax = nullptr);

struct Head;       // model/head.h (private to native/model)
struct LinearCtx;  // model/linear.h

struct ModelOptions {
  Device device = Device::kCpu;
  int device_index = 0;
  // CUDA only: GEMMs through cuBLAS when it loads (faster) instead of the engine's own
  // kernels. Gives up the bitwise generate == forward_logprobs guarantee (see above).
  bool cublas = false;
  // CUDA only: the forward GEMMs of the decoder layers use a bf16 copy of the weights
  // (refreshed from the f32 master after every optimizer step and setState) with their
  // inputs rounded to bf16 (tensor cores, f32 accumulation). The output head, attention,
  // norms and every backward GEMM stay f32; AdamW updates the f32 master.
  bool bf16_weights = false;
};

// The four parameter-shaped vectors, for checkpoints (copied to / from host memory).
enum class StateTensor { kParams, kGrads, kExpAvg, kExpAvgSq };

class Model {
 public:
  // Normal(0, 0.02) weights from a counter-based generator keyed by seed (norm weights 1,
  // biases 0), drawn on the host, so a seed gives the same weights on every device.
  // Activations are planned for `max_tokens` tokens (grown if a batch is larger).
  // CUDA: E_DEVICE naming the reason when CUDA is not compiled or not usable here;
  // E_RANGE when the head dim is not 64 or 128 (the CUDA attention's sizes).
  static Status create(const Config& c, uint64_t seed, int64_t max_tokens, const ModelOptions& opts, std::unique_ptr<Model>* out);
  static Status create(const Config& c, uint64_t seed, int64_t max_tokens, std::unique_ptr<Model>* out) {
    return create(c, seed, max_tokens, ModelOptions(), out);
  }
  ~Model();

  const Config& config() const { return cfg_; }
  const std::vector<ParamInfo>& layout() const { return layout_; }
  int64_t num_params() const { return total_; }
  Device device() const { return place_.device; }
  int64_t step() const { return step_; }
  // num_params() floats of one state tensor to / from host memory.
  Status read_state(StateTensor t, float* host) const;
  Status write_state(StateTensor t, const float* host);
  // n floats at offset: checkpoints stream tensor by tensor instead of holding a whole copy.
  // Writing kParams this way does not refresh the bf16 copy: call sync_weights() after.
  Status read_state_range(StateTensor t, int64_t offset, int64_t n, float* host) const;
  Status write_state_range(StateTensor t, int64_t offset, int64_t n, const float* host);
  Status sync_weights() { return refresh_bf16(); }
  size_t native_bytes() const;

  // logp[i] = log p(tokens[i] | tokens before i in its sequence) for masked i, else 0;
  // entropy[i] of that distribution (or 0). Both f32[N].
  Status forward_logprobs(const Batch& b, float* logp, float* entropy);
  // Forward, loss, backward; adds gradients. Returns the loss in stats.
  Status train_micro(const Batch& b, const LossSpec& loss, StepStats* stats);
  // AdamW over all parameters, then clears the gradients. Returns the gradient norm.
  Status optimizer_step(const OptimConfig& o, double* grad_norm);
  Status zero_grad();
  Status generate(const GenerateSpec& g);

  void set_step(int64_t s) { step_ = s; }

  std::mutex mu;

 private:
  struct LayerActs {
    float *x, *h1, *r1, *q, *k, *v, *att, *lse, *mid, *h2, *r2, *g, *u, *a;
  };
  Status plan(int64_t tokens);
  Status refresh_bf16();  // bf16 copy of the parameters from the f32 master (bf16_weights)
  // Forward over a packed batch; keeps every activation (the backward's inputs, and the
  // k/v rows generation's prefill copies into its cache); final hidden rows in hf_.
  // With row targets (-100: none), on the CPU, the last layer runs past its keys and values
  // only for the rows that have a target (model/tail.cpp) and hf_ holds those rows, compacted.
  Status forward(const int32_t* tokens, const int32_t* cu, int64_t n, int64_t seqs, const int32_t* targets = nullptr);
  // grad_rows: the loss gradient per row the head read (head_rows(n) of them).
  Status backward(const int32_t* tokens, const int32_t* cu, int64_t n, int64_t seqs, const int32_t* targets,
                  const float* grad_rows);
  // The last layer over the rows with a target (model/tail.cpp).
  struct Tail {
    bool on = false;  // false: every row runs the whole model
    std::vector<int32_t> rows, cu, pos, targets;  // rows (ascending), per-sequence offsets into them, positions, targets
  };
  struct BackwardScratch {
    float *gx, *gtmp, *ghid, *gq, *gatt, *gk, *gv, *gg, *gu, *ga;
  };
  void plan_tail(const int32_t* targets, const int32_t* cu, int64_t n, int64_t seqs);
  Status forward_tail(const LayerActs& A, const LayerParams& P, int64_t n, int64_t seqs, const int32_t* cu);
  Status backward_tail(const LayerActs& A, const LayerParams& P, const LayerParams& G, int64_t n, int64_t seqs,
                       const int32_t* cu, const BackwardScratch& s);
  // Rows of hf_ the head reads after forward(): all n, or the tail's.
  int64_t head_rows(int64_t n) const { return tail_.on ? static_cast<int64_t>(tail_.rows.size()) : n; }
  // Row j of the batch for head row r.
  int64_t head_row(int64_t r) const { return tail_.on ? tail_.rows[r] : r; }
  // Row targets: row j predicts tokens[j+1] when that token is in the same sequence and masked.
  void row_targets(const Batch& b, std::vector<int32_t>* targets) const;
  Storage& state(StateTensor t);
  // generate() after its argument checks: the CPU path (compacted rows, shared prompt K/V)
  // and the device path (every row every step, per-sample caches).
  Status generate_host(const GenerateSpec& g, int64_t tmax);
  Status generate_device(const GenerateSpec& g, int64_t tmax);
  Head head(int64_t n, const int32_t* targets);  // the output head over hf_'s first n rows
  LinearCtx lc();        // the decoder layers' Linear context (bf16 weights when enabled)
  LinearCtx lc_f32() const;  // f32 GEMMs on place_ (the output head)

  Config cfg_;
  Place place_;
  GemmBackend gemm_backend_ = GemmBackend::kAuto;
  std::vector<ParamInfo> layout_;
  int64_t total_ = 0;
  Storage params_, grads_, m_, v_;  // one allocation each, on place_
  bool bf16_weights_ = false;
  Storage params_bf16_;  // bf16 copy of params_ (bf16_weights_), ceil(total / 2) words
  Storage x_bf16_;       // bf16 rows of a Linear layer's input (bf16_weights_)
  ParamTable p_, gp_;
  int64_t step_ = 0;
  Storage rope_table_;  // [max_position, head_dim] on place_

  // Activations (planned): one buffer, per-layer pointers; all on place_.
  int64_t capacity_ = 0;
  Storage acts_;
  Storage bwd_;  // backward scratch, planned with the activations
  std::vector<LayerActs> la_;
  float *xf_ = nullptr, *hf_ = nullptr, *rf_ = nullptr, *tmp_ = nullptr;
  std::vector<int32_t> positions_;  // host: the ops take positions from host memory
  Storage rows_;  // per-row vectors: logp, entropy, lse, loss gradient [4 * capacity]
  float *logp_rows_ = nullptr, *ent_rows_ = nullptr, *lse_rows_ = nullptr, *grad_rows_ = nullptr;
  Storage logits_;  // [capacity, V] when the head materialises logits (model/head.h)
  Tail tail_;       // of the last forward()
  // Generation buffers (KV cache, decode rows) kept between calls and only grown: a fresh
  // allocation per call costs page faults comparable to the decode work at this size.
  struct GenState;
  std::shared_ptr<GenState> gen_;
};

}  // namespace tx::model

// The engine's op surface. Each op checks its arguments (returning a Status that names
// the offending argument) and dispatches to native/cpu/ or native/cuda/ by device.
// docs/kernels.md has the exact math of every op.
#pragma once
#include "tx/status.h"
#include "tx/tensor.h"

namespace tx {

// ---- 1. Grouped advantage normalization (docs/kernels.md section 1) ----

enum class AdvantageMode : int { kGrpo = 0, kDrGrpo, kRloo };

// Token count accepted from seqOffsets alone (no responseMask): 2^26 tokens, 256 MiB of
// tokenAdvantages. Nothing else bounds that allocation.
constexpr int64_t kMaxUnmaskedTokens = int64_t{1} << 26;
enum class StdKind : int { kUnbiased = 0, kBiased };

struct GroupedAdvantagesArgs {
  TensorView rewards;        // f32[R]
  TensorView group_offsets;  // i32[G+1], host memory always (it drives the launch)
  AdvantageMode mode = AdvantageMode::kGrpo;
  StdKind std_kind = StdKind::kUnbiased;
  double eps = 1e-6;
  // Optional token broadcast (both undefined = off; mask may be undefined = all tokens).
  TensorView seq_offsets;    // i32[R+1], host
  TensorView response_mask;  // u8[N], N = seq_offsets[R]
  // Outputs, on the device of `rewards`.
  TensorView advantages;     // f32[R]
  TensorView mean;           // f32[G]
  TensorView std;            // f32[G]
  TensorView zero_variance;  // u8[G]
  TensorView token_advantages;  // f32[N] when seq_offsets is given
};

Status grouped_advantages(const GroupedAdvantagesArgs& args);
// Input checks only (no outputs needed): lets a caller size its outputs safely first.
Status validate_grouped_advantages_inputs(const GroupedAdvantagesArgs& args);
// Token count N of the broadcast output (0 without seq_offsets); call after validation.
int64_t grouped_advantages_tokens(const GroupedAdvantagesArgs& args);

// ---- 2. Log-prob gathering (docs/kernels.md section 2) ----
// Rows whose target is ignore_index give logp 0, entropy 0, lse 0 and a zero gradient.
// A row whose logits are all -inf gives lse -inf, logp -inf, entropy 0 and a zero gradient.
// NaN or +inf logits are not checked (that would cost a pass); they give NaN results.
// Targets are host memory (an Int32Array): they are range-checked before any launch.

struct LogprobsArgs {
  TensorView logits;   // [N, V] f32 (CPU, CUDA) or bf16 (CUDA)
  TensorView targets;  // i32[N], host
  double temperature = 1.0;  // z = logits * (1/T)
  int32_t ignore_index = -100;
  // Outputs, f32[N] on the device of `logits`; entropy undefined = not computed.
  TensorView logp;
  TensorView entropy;
  TensorView lse;
};

struct LogprobsBackwardArgs {
  TensorView logits;        // [N, V] as in the forward
  TensorView targets;       // i32[N], host
  TensorView lse;           // f32[N] saved by the forward
  TensorView grad_logp;     // f32[N]
  TensorView grad_entropy;  // f32[N] or undefined (no entropy term)
  double temperature = 1.0;
  int32_t ignore_index = -100;
  TensorView grad_logits;   // [N, V], dtype of logits; may be `logits` itself (in place)
};

// Fused with the output projection: logits = hidden x weight^T, never materialized.
struct LinearLogprobsArgs {
  TensorView hidden;   // [N, Dm] f32
  TensorView weight;   // [V, Dm] f32 (lm_head)
  TensorView targets;  // i32[N], host
  double temperature = 1.0;
  int32_t ignore_index = -100;
  TensorView logp;     // f32[N]
  TensorView entropy;  // f32[N] or undefined
  TensorView lse;      // f32[N]
};

struct LinearLogprobsBackwardArgs {
  TensorView hidden;        // [N, Dm] f32
  TensorView weight;        // [V, Dm] f32
  TensorView targets;       // i32[N], host
  TensorView lse;           // f32[N]
  TensorView grad_logp;     // f32[N]
  TensorView grad_entropy;  // f32[N] or undefined
  double temperature = 1.0;
  int32_t ignore_index = -100;
  TensorView grad_hidden;   // [N, Dm] f32 (overwritten)
  TensorView grad_weight;   // [V, Dm] f32 (overwritten)
};

Status logprobs(const LogprobsArgs& args);
Status logprobs_backward(const LogprobsBackwardArgs& args);
Status linear_logprobs(const LinearLogprobsArgs& args);
Status linear_logprobs_backward(const LinearLogprobsBackwardArgs& args);
// Input checks only, so that a caller can size its outputs safely first.
Status validate_logprobs_inputs(const LogprobsArgs& args);
Status validate_logprobs_backward_inputs(const LogprobsBackwardArgs& args);
Status validate_linear_logprobs_inputs(const LinearLogprobsArgs& args);
Status validate_linear_logprobs_backward_inputs(const LinearLogprobsBackwardArgs& args);
// ---- 3. Attention (docs/kernels.md section 3) ----
// Packed variable-length (FlashAttention varlen layout) grouped-query attention.
// f32 on the CPU; f32 or bf16 on CUDA (D = 64 or 128 there). scale <= 0 means 1/sqrt(D).

struct AttentionArgs {
  TensorView q;           // [Nt, Hq, D]
  TensorView k;           // [Nt, Hkv, D], Hq % Hkv == 0
  TensorView v;           // [Nt, Hkv, D]
  TensorView cu_seqlens;  // i32[B+1], host: 0 = cu[0] <= cu[1] <= ... <= cu[B] = Nt
  bool causal = true;
  double scale = 0;
  // Outputs, on the device of q.
  TensorView out;  // [Nt, Hq, D], dtype of q
  TensorView lse;  // f32[Hq, Nt]
};

struct AttentionBackwardArgs {
  TensorView q, k, v, out, lse, grad_out, cu_seqlens;  // as AttentionArgs; grad_out like out
  bool causal = true;
  double scale = 0;
  // Outputs, on the device of q, dtype of q.
  TensorView grad_q;  // [Nt, Hq, D]
  TensorView grad_k;  // [Nt, Hkv, D] (summed over the query heads sharing a kv head)
  TensorView grad_v;  // [Nt, Hkv, D]
};

// One new query per sequence against a KV cache holding its prefix (the new token's own
// k/v included): the query of sequence b sees cache positions 0..lengths[b]-1.
struct DecodeAttentionArgs {
  TensorView q;        // [B, Hq, D]
  TensorView k_cache;  // [B, Tmax, Hkv, D]
  TensorView v_cache;  // [B, Tmax, Hkv, D]
  TensorView lengths;  // i32[B], host, 1 <= lengths[b] <= Tmax
  double scale = 0;
  TensorView out;  // [B, Hq, D]
  TensorView lse;  // f32[B, Hq]
};

Status attention(const AttentionArgs& args);
Status attention_backward(const AttentionBackwardArgs& args);
Status decode_attention(const DecodeAttentionArgs& args);
// Input checks only, so a binding can size outputs safely first.
Status validate_attention_inputs(const AttentionArgs& args);
Status validate_attention_backward_inputs(const AttentionBackwardArgs& args);
Status validate_decode_attention_inputs(const DecodeAttentionArgs& args);

// ---- Threads ----
int cpu_threads();
void set_cpu_threads(int n);  // n <= 0: back to the hardware default
// The CPU kernel set in use, chosen once at the first kernel call (native/cpu/isa.h):
// "scalar", "avx2", "avx512" or "neon"; TOOLEXPANDER_SIMD overrides the widest supported.
const char* cpu_simd();
std::string cpu_simd_supported();  // the sets this CPU can run, narrowest first: "scalar,avx2,avx512"
Status cpu_simd_status();          // why TOOLEXPANDER_SIMD could not be honoured, or ok

}  // namespace tx

// GRPO loss (appended block: one family, one namespace block).
namespace tx {

// ---- 4. GRPO policy loss, fused forward + backward (docs/kernels.md section 4) ----

enum class KlType : int { kK1 = 0, kK2, kK3 };
enum class LossAggregation : int { kTokenMean = 0, kSeqMeanTokenMean, kSeqMeanTokenSum, kSeqMeanTokenSumNorm };

struct GrpoLossArgs {
  TensorView logp;         // f32[N] current policy
  TensorView old_logp;     // f32[N] behaviour policy
  TensorView ref_logp;     // f32[N] reference policy; needed only when kl_coef > 0
  TensorView advantages;   // f32[N] per token
  TensorView mask;         // u8[N], nonzero = response token
  TensorView seq_offsets;  // i32[B+1], host always (it drives the launch)
  double clip_low = 0.2;
  double clip_high = 0.2;
  double dual_clip = 0;    // 0 = off, else c > 1
  double kl_coef = 0;
  KlType kl_type = KlType::kK3;
  LossAggregation aggregation = LossAggregation::kTokenMean;
  bool has_norm_constant = false;  // seq-mean-token-sum-norm divisor; default: longest sequence
  double norm_constant = 0;
  TensorView grad_logp;    // f32[N] output, on the device of logp
};

struct GrpoLossResult {
  double loss = 0;
  double clip_frac_high = 0;  // A > 0 and r > 1 + clipHigh (clipped from above)
  double clip_frac_low = 0;   // A < 0 and r < 1 - clipLow  (clipped from below)
  double dual_clip_frac = 0;  // A < 0 and the dual clip -A c was taken (verl pg_clipfrac_lower)
  double ratio_mean = 0;      // masked mean of r
  double approx_kl = 0;       // masked mean of -log ratio (verl ppo_kl)
  double kl_mean = 0;         // masked mean of the KL estimator (0 without refLogp)
  int64_t tokens = 0;         // masked tokens
};

Status grpo_loss(const GrpoLossArgs& args, GrpoLossResult* result);
// Input checks only (no outputs needed): lets a caller size its outputs safely first.
Status validate_grpo_loss_inputs(const GrpoLossArgs& args);

}  // namespace tx

// AdamW (appended block: one family, one namespace block).
namespace tx {

// ---- 5. AdamW step, fused (docs/kernels.md section 5; torch.optim.AdamW semantics) ----
// All four vectors are one flat f32 buffer each (the parameters live in one contiguous
// buffer), updated in place. Global-norm clipping is torch.nn.utils.clip_grad_norm_.
struct AdamWArgs {
  TensorView params;      // f32[P] master weights, in/out
  TensorView grads;       // f32[P], read only (clipping scales on the fly)
  TensorView exp_avg;     // f32[P] first moment, in/out
  TensorView exp_avg_sq;  // f32[P] second moment, in/out
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.01;
  int64_t step = 1;            // 1-based step number after this update (bias correction)
  double max_grad_norm = 0;    // 0 = no clipping
};

struct AdamWResult {
  double grad_norm = 0;   // global L2 norm of grads before clipping
  double clip_scale = 1;  // factor applied to grads: min(1, maxGradNorm / (norm + 1e-6))
};

Status adamw_step(const AdamWArgs& args, AdamWResult* result);
Status validate_adamw_inputs(const AdamWArgs& args);

}  // namespace tx

// Sampling (appended block: one family, one namespace block).
namespace tx {

// ---- 5. Token sampling (docs/kernels.md section 6) ----
// Per row: z = logits / temperature (rounded to f32); top-k keeps z >= the k-th largest z
// (ties kept, as HF TopKLogitsWarper); top-p keeps the smallest set of largest z whose
// probability mass reaches topP (ties at the boundary kept); then Gumbel-max over the kept
// tokens with one Philox4x32-10 draw per (seed, sequence id, position, vocabulary index),
// so a sequence's tokens never depend on the batch it is sampled in. temperature 0 = greedy
// (first argmax).
struct SampleArgs {
  TensorView logits;     // f32[B*V], row-major, on the sampling device
  int64_t vocab = 0;     // V
  TensorView seq_ids;    // i32[B], host
  TensorView positions;  // i32[B], host
  uint64_t seed = 0;
  double temperature = 1;
  int32_t top_k = 0;     // 0 = off
  double top_p = 1;      // 1 = off
  TensorView tokens;     // i32[B] output, on the device of logits
};

Status sample(const SampleArgs& args);
Status validate_sample_inputs(const SampleArgs& args);

}  // namespace tx

// GEMM (appended block: one family, one namespace block).
namespace tx {

// ---- 5. GEMM: C = alpha op(A) op(B) + beta C (row-major) ----
// op(A) is M x K (A stored M x K, or K x M when trans_a); op(B) is K x N (stored K x N, or
// N x K when trans_b); C is M x N. beta = 0 ignores C's old contents (NaN included).
// Host: A, B, C f32. CUDA: A and B both f32 or both bf16 (f32 accumulation), C f32, all on
// one device; cuBLAS when it loads at run time, else the engine's own kernels
// (tensor-core mma for bf16, SIMT for f32).
enum class GemmBackend : int {
  kAuto = 0,  // CUDA: cuBLAS when available, else own kernels (the CPU ignores this)
  kCublas,    // CUDA: cuBLAS or E_DEVICE
  kOwn,       // CUDA: the engine's own kernels
};

struct GemmArgs {
  TensorView a, b, c;  // flat vectors
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  double alpha = 1, beta = 0;
  GemmBackend backend = GemmBackend::kAuto;
};

Status gemm(const GemmArgs& args);

// The cuBLAS library the CUDA GEMM loaded ("libcublas.so.13"), or "" (none, or no CUDA build).
const char* gemm_cublas_library();

}  // namespace tx

// Model ops: RMSNorm, RoPE, SwiGLU, embedding, residual add (appended block).
namespace tx {

// ---- 5. Model ops (docs/kernels.md sections 8-12), f32 on the CPU and CUDA ----
// Tensors are flat f32 vectors with explicit dims (as GemmArgs). Every forward is row-wise:
// a row's result depends only on that row, bit for bit, whatever the row count (the
// policy's generate == forwardLogprobs guarantee rests on it). Index vectors (positions,
// ids) are host memory, range-checked before any launch.

// RMSNorm (Qwen2RMSNorm): out = weight * x / sqrt(mean(x^2) + eps); rstd saved.
struct RmsNormArgs {
  TensorView x;       // f32[rows*dim]
  TensorView weight;  // f32[dim]
  int64_t rows = 0, dim = 0;
  double eps = 1e-6;
  TensorView out;     // f32[rows*dim], may alias x
  TensorView rstd;    // f32[rows]
};

struct RmsNormBackwardArgs {
  TensorView x, weight, rstd, grad_out;  // as the forward; grad_out f32[rows*dim]
  int64_t rows = 0, dim = 0;
  bool accumulate = false;  // grad_weight += (gradient accumulation) instead of =
  TensorView grad_x;        // f32[rows*dim], may alias grad_out
  TensorView grad_weight;   // f32[dim]; summed over fixed 64-row chunks in chunk order
};

// RoPE, Qwen2 rotate-half layout: for i < D/2, angle = pos * theta^(-2i/D) and
//   out[i] = x[i] cos - x[i+D/2] sin,  out[i+D/2] = x[i+D/2] cos + x[i] sin.
// Backward applies the inverse rotation to grad_out (same args, x := grad_out).
struct RopeArgs {
  TensorView x;          // f32[tokens*heads*head_dim]
  TensorView positions;  // i32[tokens], host, >= 0 (packed sequences restart at 0)
  int64_t tokens = 0, heads = 0, head_dim = 0;  // head_dim even
  double theta = 10000;
  TensorView table;      // optional f32[P*head_dim] from rope_table (cos | sin per position), P > max position
  TensorView out;        // f32, same size, may alias x
  const char* x_name = "x";  // how errors name x ("gradOut" for the backward)
};

// Fills table[p*D + i] = cos(p*inv_i), table[p*D + D/2 + i] = sin(p*inv_i) for p < P, the
// exact values the table-free path computes (double, rounded to f32). Host only.
Status rope_table(double theta, int64_t head_dim, int64_t positions, const TensorView& table);

// SwiGLU: out = silu(gate) * up, silu(g) = g / (1 + exp(-g)).
struct SwigluArgs {
  TensorView gate, up;  // f32[n]
  TensorView out;       // f32[n], may alias gate or up
};

struct SwigluBackwardArgs {
  TensorView gate, up, grad_out;  // f32[n]
  TensorView grad_gate, grad_up;  // f32[n]
};

// Embedding: out[t] = weight[ids[t]]. Backward scatter-adds rows of grad_out into
// grad_weight in a fixed order (rows grouped by id, ascending token index): deterministic.
struct EmbeddingArgs {
  TensorView weight;  // f32[vocab*dim]
  TensorView ids;     // i32[tokens], host, in [0, vocab)
  int64_t vocab = 0, dim = 0;
  TensorView out;     // f32[tokens*dim]
};

struct EmbeddingBackwardArgs {
  TensorView grad_out;  // f32[tokens*dim]
  TensorView ids;       // i32[tokens], host
  int64_t vocab = 0, dim = 0;
  bool accumulate = false;  // grad_weight += (tied lm_head, gradient accumulation)
  TensorView grad_weight;   // f32[vocab*dim]; rows of unused ids untouched when accumulating, else zero
};

// Residual add: out = a + b (may alias a). Backward: grad_a = grad_b = grad_out.
struct ResidualAddArgs {
  TensorView a, b, out;  // f32[n]
};

Status rms_norm(const RmsNormArgs& args);
Status rms_norm_backward(const RmsNormBackwardArgs& args);
Status rope(const RopeArgs& args);
Status rope_backward(const RopeArgs& args);
Status swiglu(const SwigluArgs& args);
Status swiglu_backward(const SwigluBackwardArgs& args);
Status embedding(const EmbeddingArgs& args);
Status embedding_backward(const EmbeddingBackwardArgs& args);
Status residual_add(const ResidualAddArgs& args);
// Input checks only, so a binding can size its outputs safely first.
Status validate_rms_norm_inputs(const RmsNormArgs& args);
Status validate_rms_norm_backward_inputs(const RmsNormBackwardArgs& args);
Status validate_rope_inputs(const RopeArgs& args);
Status validate_swiglu_inputs(const SwigluArgs& args);
Status validate_swiglu_backward_inputs(const SwigluBackwardArgs& args);
Status validate_embedding_inputs(const EmbeddingArgs& args);
Status validate_embedding_backward_inputs(const EmbeddingBackwardArgs& args);
Status validate_residual_add_inputs(const ResidualAddArgs& args);

}  // namespace tx

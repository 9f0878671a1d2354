// The native policy model on the CPU, default tiny config (d=128, 4 layers, 4 heads,
// SwiGLU 352, V=512, tied: about 0.85M parameters; PyTorch reference on these cores trains
// a 0.86M GPT at about 6.3-6.9k tokens/s). Training: SFT steps on batches of 32 x 130
// tokens (forward + backward + AdamW). Generation: 8 prompts x n=4 of 20 tokens, 64 new
// tokens each, KV cache. FLOP utilisation = model FLOP rate / GEMM rate measured in the
// same run (at 1024^3, and at the model's own largest GEMM shape 4160 x 352 x 128). Medians
// and best runs are both reported: on a shared machine the best run is the capability.
// Model FLOPs count matmuls 2*M*N*K (training = 3x forward) and causal attention
// 2 x 2 x (T+1)/2 x d per token and layer forward (backward 2.5x).
import { devices } from '../lib/engine/devices.js';
import { gemmSync } from '../lib/engine/gemm.js';
import { TinyPolicy, tinyConfig } from '../lib/model/index.js';
import { round, time, timeAsync, type Harness } from './harness.js';

export const family = 'model';

function gemmRate(m: number, n: number, k: number): number {
  const a = new Float32Array(m * k).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = new Float32Array(k * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const c = new Float32Array(m * n);
  const t = time(() => gemmSync(a, b, c, m, n, k), { warmup: 1, repeats: 5, minMs: 0 });
  return (2 * m * n * k) / (t.medianMs * 1e6);
}

export async function run(h: Harness): Promise<void> {
  const threads = devices().cpu.threads;
  const cfg = tinyConfig(512);
  const d = cfg.hidden_size, F = cfg.intermediate_size, L = cfg.num_hidden_layers, V = cfg.vocab_size;
  const kv = (d / cfg.num_attention_heads) * (cfg.num_key_value_heads ?? cfg.num_attention_heads);
  const B = 32, T = 130, N = B * T;
  const p = await TinyPolicy.create(cfg, { seed: 1, maxBatchTokens: N });
  const tokens = Int32Array.from({ length: N }, (_, i) => (i * 2654435761) % V >>> 0);
  const cu = Int32Array.from({ length: B + 1 }, (_, i) => i * T);
  const mask = new Uint8Array(N).fill(1);
  for (let b = 0; b < B; b++) mask[b * T] = 0;
  const batch = { tokens, cuSeqlens: cu, mask };
  // Forward FLOPs per token: matmuls (q, k, v, o, gate, up, down; lm_head) and attention.
  const matmul = 2 * (L * (d * d + 2 * d * kv + d * d + 3 * d * F) + V * d);
  const attn = L * 2 * 2 * ((T + 1) / 2) * d;
  const trainFlopsPerToken = 3 * matmul + 3.5 * attn;

  const train = await timeAsync(() => p.sftStep(batch, 1e-4), { warmup: 2, repeats: 9 });
  const trainTokS = N / (train.medianMs / 1e3);
  const fwd = await timeAsync(() => p.forwardLogprobs(batch), { warmup: 1, repeats: 5 });

  const prompts = Array.from({ length: 8 }, (_, i) => Int32Array.from({ length: 20 }, (_, j) => (i * 31 + j * 7) % V));
  const genOpts = { n: 4, maxTokens: 64, seed: 1, temperature: 1 };
  const gen = await timeAsync(() => p.generateTokens(prompts, genOpts, []), { warmup: 1, repeats: 5 });
  const genTokens = 8 * 4 * 64;
  const params = p.numParams;
  p.dispose();

  const g1024 = gemmRate(1024, 1024, 1024);
  const gModel = gemmRate(N, F, d);
  const modelGflops = (trainTokS * trainFlopsPerToken) / 1e9;
  h.add(family, {
    config: `d=${d} L=${L} H=${cfg.num_attention_heads} F=${F} V=${V} tied`,
    params,
    threads,
    trainTokensPerS: round(trainTokS, 0),
    // Best step: this machine is shared, so the median mostly measures the neighbours.
    trainTokensPerSBest: round(N / (train.minMs / 1e3), 0),
    trainStepMs: round(train.medianMs),
    vsPyTorch6500: round(trainTokS / 6500, 2),
    forwardTokensPerS: round(N / (fwd.medianMs / 1e3), 0),
    generateTokensPerS: round(genTokens / (gen.medianMs / 1e3), 0),
    generateTokensPerSBest: round(genTokens / (gen.minMs / 1e3), 0),
    modelTrainGFLOPs: round(modelGflops, 1),
    gemm1024GFLOPs: round(g1024, 1),
    gemmModelShapeGFLOPs: round(gModel, 1),
    flopUtilVsGemm1024: round(modelGflops / g1024, 3),
    flopUtilVsGemmModelShape: round(modelGflops / gModel, 3),
  });
}

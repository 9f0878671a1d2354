// One RL step of the demo on its real shapes (benchmarks/rlstep/shapes.ts): the shipped
// checkpoint, 8 prompts x 8 rollouts, maxTokens 128, temperature 1, the grpo arm's loss.
// Parts: generate (plain prompts, and with 2 demonstrations), score, reference log-probs,
// train (trainStep: forward, GRPO loss, backward, AdamW), and the whole step (generate +
// score + advantages + reference + train, as lib/rl/trainer.ts runs it).
//
// Each part is given as tokens/s and as a FLOP rate over the engine's own 1024^3 GEMM rate
// measured in the same process. FLOPs count 2 x (matmul parameters) per token: generated
// tokens for generation (prefill and attention are not counted: the ratio is a floor on
// the useful work), packed tokens for reference log-probs, 3x that for training.
//
// The train step runs at lr = 0 so that every repeat (and the whole-step rows) sees the same
// weights, hence the same rollouts; AdamW does the same work at any lr.
//
// When /usr/bin/python3 has torch, benchmarks/rlstep/peer_torch.py runs the same model and
// step in PyTorch in the same run (see benchmarks/README.md) and each part gets a ratio
// engine / PyTorch (> 1: the engine is faster).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { devices } from '../lib/engine/devices.js';
import { gemmSync } from '../lib/engine/gemm.js';
import type { Rollout, TrainSequence } from '../lib/model/policy.js';
import { WEAK_SFT_DIR } from '../lib/model/shipped.js';
import { TinyPolicy } from '../lib/model/tiny-policy.js';
import { grpoAdvantagesByGroup } from '../lib/rl/advantages.js';
import { lossConfig } from '../lib/rl/presets.js';
import { scoreRollout } from '../lib/reward/score.js';
import { round, time, timeAsync, type Harness, type Row, type Timing } from './harness.js';
import { rlShapes } from './rlstep/shapes.js';
import { generationOptions, rlStep } from './rlstep/step.js';

export const family = 'rlstep';
const here = dirname(fileURLToPath(import.meta.url));
const REPEATS = { warmup: 1, repeats: 3 };

function gemmRate(m: number, n: number, k: number): number {
  const a = new Float32Array(m * k).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = new Float32Array(k * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const c = new Float32Array(m * n);
  const t = time(() => gemmSync(a, b, c, m, n, k), { warmup: 1, repeats: 5, minMs: 0 });
  return (2 * m * n * k) / (t.minMs * 1e6);
}

type PeerResult = Record<string, { bestMs: number; medianMs: number; tokens: number }> & { torch?: unknown };

function runPeer(input: object): { result?: PeerResult; reason?: string } {
  if (process.env['RLSTEP_PEER'] === '0') return { reason: 'skipped (RLSTEP_PEER=0)' };
  const py = '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { reason: `${py} has no torch (apt-get install -y python3-torch libopenblas0-pthread)` };
  const dir = mkdtempSync(join(tmpdir(), 'rlstep-peer-'));
  try {
    const inPath = join(dir, 'in.json'), outPath = join(dir, 'out.json');
    writeFileSync(inPath, JSON.stringify(input));
    // OpenBLAS is told the machine's core type by its own detection: these two variables
    // (set for the engine's bench_openblas elsewhere) would mislead it here.
    const env = { ...process.env };
    delete env['OPENBLAS_CORETYPE'];
    delete env['OPENBLAS_L2_SIZE'];
    const r = spawnSync(py, [join(here, 'rlstep', 'peer_torch.py'), inPath, outPath], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) return { reason: `peer failed (${String(r.status)}): ${(r.stderr || '').slice(-400)}` };
    return { result: JSON.parse(readFileSync(outPath, 'utf8')) as PeerResult };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(h: Harness): Promise<void> {
  const shapes = await rlShapes();
  const cfg = shapes.config;
  const policy = await TinyPolicy.load(WEAK_SFT_DIR);
  const reference = await TinyPolicy.load(WEAK_SFT_DIR);
  const tok = policy.tokenizer!;
  const c = policy.config;
  const d = c.hidden_size, F = c.intermediate_size, L = c.num_hidden_layers, V = c.vocab_size;
  const hd = d / c.num_attention_heads, kv = hd * c.num_key_value_heads;
  const matmulParams = L * (2 * d * d + 2 * d * kv + 3 * d * F) + V * d;
  const flopsPerToken = 2 * matmulParams;
  const gen = generationOptions(shapes);
  const encode = (p: string) => tok.encode(p, { allowSpecial: true }).length;

  // The GEMM rate is the machine's capability; a shared machine only ever makes it look
  // lower, so it is measured at the start, middle and end of the run and the best kept.
  let gemm = gemmRate(1024, 1024, 1024);
  let plainOut: Rollout[][] = [];
  const genPlain = await timeAsync(async () => { plainOut = await policy.generate(shapes.plain, gen); }, REPEATS);
  let demoOut: Rollout[][] = [];
  const genDemos = await timeAsync(async () => { demoOut = await policy.generate(shapes.demos2, gen); }, REPEATS);
  const genTokens = (out: Rollout[][]) => out.flat().reduce((s, r) => s + r.tokens.length, 0);

  const scoreAll = (out: Rollout[][]) => out.map((rs, i) => rs.map((r) => scoreRollout(r.text, shapes.tasks[i]!, cfg.reward)));
  let scores = scoreAll(plainOut);
  const score = time(() => { scores = scoreAll(plainOut); }, { warmup: 1, repeats: 5, minMs: 0 });
  const adv = await grpoAdvantagesByGroup(scores.map((g) => g.map((s) => s.reward)));
  const sequences: TrainSequence[] = [];
  plainOut.forEach((g, gi) => g.forEach((r, j) => sequences.push({
    prompt: shapes.plain[gi]!, completion: r.tokens, advantage: adv.perGroup[gi]?.[j] ?? 0, oldLogp: r.logp,
  })));
  const items = sequences.map((s) => ({ prompt: s.prompt, completion: s.completion }));
  let refLogp: Float32Array[] = [];
  const ref = await timeAsync(async () => { refLogp = await reference.logprobs(items); }, REPEATS);
  sequences.forEach((s, i) => { s.refLogp = refLogp[i]; });
  const packed = sequences.reduce((s, q) => s + encode(q.prompt) + q.completion.length, 0);
  gemm = Math.max(gemm, gemmRate(1024, 1024, 1024));
  const train = await timeAsync(() => policy.trainStep({ sequences }, lossConfig(cfg), 0), REPEATS);

  // The whole step as the trainer runs it (no hard-sampling rounds: the plain prompts).
  const step = await timeAsync(() => rlStep(policy, reference, shapes), REPEATS);

  gemm = Math.max(gemm, gemmRate(1024, 1024, 1024));
  const peer = runPeer({
    checkpoint: WEAK_SFT_DIR, config: c, threads: devices().cpu.threads, maxTokens: gen.maxTokens, repeats: REPEATS.repeats,
    generate: {
      plain: { prompts: shapes.plain.map((p) => tok.encode(p, { allowSpecial: true })), lengths: plainOut.flat().map((r) => r.tokens.length), n: gen.n },
      demos2: { prompts: shapes.demos2.map((p) => tok.encode(p, { allowSpecial: true })), lengths: demoOut.flat().map((r) => r.tokens.length), n: gen.n },
    },
    train: {
      prompts: sequences.map((s) => tok.encode(s.prompt, { allowSpecial: true })),
      completions: sequences.map((s) => Array.from(s.completion)),
      advantages: sequences.map((s) => s.advantage),
      oldLogp: sequences.map((s) => Array.from(s.oldLogp)),
      loss: lossConfig(cfg),
    },
  });
  policy.dispose();
  reference.dispose();

  const threads = devices().cpu.threads;
  const base = { config: `d=${d} L=${L} H=${c.num_attention_heads} F=${F} V=${V}`, threads };
  const row = (part: string, t: Timing, tokens: number, flopsPerTok: number, peerKey?: string): Row => {
    const rate = (tokens * flopsPerTok) / (t.minMs * 1e6);
    const p = peerKey === undefined ? undefined : peer.result?.[peerKey];
    return {
      part, ...base, tokens, bestMs: round(t.minMs), medianMs: round(t.medianMs),
      tokensPerS: round(tokens / (t.minMs / 1e3), 0), GFLOPs: round(rate, 3), gemm1024GFLOPs: round(gemm, 4),
      ratioToGemm: round(rate / gemm, 3),
      torchBestMs: p ? round(p.bestMs) : null,
      vsTorch: p ? round(p.bestMs / t.minMs, 3) : null,
    };
  };
  const trainTokens = packed;
  h.add(family, row('generate', genPlain, genTokens(plainOut), flopsPerToken, 'generate_plain'));
  h.add(family, row('generate (2 demos)', genDemos, genTokens(demoOut), flopsPerToken, 'generate_demos2'));
  h.add(family, row('score', score, sequences.length, 0));
  h.add(family, row('reference logprobs', ref, packed, flopsPerToken, 'reference'));
  h.add(family, row('train', train, trainTokens, 3 * flopsPerToken, 'train'));
  // The step's FLOPs: generation (generated tokens), reference (packed) and train (3x packed).
  const stepFlopsPerGenToken = (genTokens(plainOut) * flopsPerToken + packed * 4 * flopsPerToken) / genTokens(plainOut);
  h.add(family, row('step (generate + score + reference + train)', step, genTokens(plainOut), stepFlopsPerGenToken, 'step'));
  if (peer.result === undefined) h.add(family, { part: 'torch peer', note: peer.reason ?? 'not run' });
  else h.add(family, { part: 'torch peer', note: JSON.stringify(peer.result.torch ?? {}) });
}

// Log-prob gathering on the CPU.
// 1. logprobs forward and backward at N=4096, V=32000 (f32): memory-bound, reported as
//    GB/s and as a ratio to the streaming-read floor measured in the same run (docs/kernels.md
//    benchmark goal: forward >= 60% of read). Bytes: forward reads the logits once (4NV);
//    backward reads them once and writes gradLogits once (8NV), so it is also given
//    against the copy floor (read + write).
// 2. Peak extra memory of the fused linearLogprobs at V=151936 against a naive
//    materialize-logits + log_softmax + gather baseline, each measured as the RSS peak of a
//    fresh child process (benchmarks/logprob.memory.ts). Target: fused <= 1/10 of naive.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { linearLogprobsSync, logprobsBackwardSync, logprobsSync } from '../lib/engine/logprob.js';
import { round, time, type Harness } from './harness.js';

export const family = 'logprobs';
const here = dirname(fileURLToPath(import.meta.url));

function bandwidth(h: Harness): void {
  const N = 4096, V = 32000;
  const logits = new Float32Array(N * V);
  for (let k = 0; k < logits.length; k++) logits[k] = ((Math.imul(k, 2654435761) >>> 0) / 4294967296) * 16 - 8;
  const targets = Int32Array.from({ length: N }, (_, i) => (i * 7919) % V);
  const L = { data: logits, shape: [N, V] };
  const bytes = 4 * N * V;
  let lse: Float32Array = new Float32Array(N);
  for (const entropy of [false, true]) {
    const t = time(() => { lse = logprobsSync(L, targets, { entropy }).lse; }, { warmup: 2, repeats: 7 });
    const gbs = bytes / (t.medianMs * 1e6);
    h.add(family, { op: 'forward', N, V, entropy, medianMs: round(t.medianMs), GBs: round(gbs),
      ratioToRead: round(gbs / h.floors.readGBs) });
  }
  const gradLogp = new Float32Array(N).fill(1);
  const gradEntropy = new Float32Array(N).fill(0.1);
  for (const withEntropy of [false, true]) {
    const t = time(() => logprobsBackwardSync(L, targets, lse, gradLogp, withEntropy ? { gradEntropy } : {}),
      { warmup: 1, repeats: 5 });
    const gbs = (2 * bytes) / (t.medianMs * 1e6);
    h.add(family, { op: withEntropy ? 'backward+entropy (new output)' : 'backward (new output)', N, V, entropy: withEntropy,
      medianMs: round(t.medianMs), GBs: round(gbs), ratioToRead: round(gbs / h.floors.readGBs),
      ratioToCopy: round(gbs / h.floors.copyGBs) });
  }
  // In place: same traffic, no fresh [N, V] output to allocate and fault in (the out-of-place
  // rows above include that cost). Repeats overwrite the copy with gradients, which are
  // finite logits too: the work per element is the same.
  const copy = logits.slice();
  const C = { data: copy, shape: [N, V] };
  for (const withEntropy of [false, true]) {
    const t = time(() => logprobsBackwardSync(C, targets, lse, gradLogp, withEntropy ? { gradEntropy, inPlace: true } : { inPlace: true }),
      { warmup: 1, repeats: 5 });
    const gbs = (2 * bytes) / (t.medianMs * 1e6);
    h.add(family, { op: withEntropy ? 'backward+entropy in place' : 'backward in place', N, V, entropy: withEntropy,
      medianMs: round(t.medianMs), GBs: round(gbs), ratioToRead: round(gbs / h.floors.readGBs),
      ratioToCopy: round(gbs / h.floors.copyGBs) });
  }
}

function childMemory(mode: string, N: number, Dm: number, V: number): { extraBytes: number; outputBytes: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'logprob.memory.ts'), mode, String(N), String(Dm), String(V)],
    { encoding: 'utf8', env: { ...process.env, TOOLEXPANDER_QUIET: '1' }, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`logprob.memory.ts ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { extraBytes: number; outputBytes: number };
}

function fusedMemory(h: Harness): void {
  const N = 256, Dm = 32, V = 151936;
  const MB = (b: number) => round(b / 2 ** 20);
  const naive = childMemory('naive-forward', N, Dm, V);
  const fwd = childMemory('fused-forward', N, Dm, V);
  const bwd = childMemory('fused-backward', N, Dm, V);
  const bwdScratch = Math.max(0, bwd.extraBytes - bwd.outputBytes);
  h.add(`${family} fused memory (V=${V}, N=${N}, Dm=${Dm}; peak extra RSS, child processes)`, {
    naiveForwardMB: MB(naive.extraBytes),
    naiveNVBuffersMB: MB(2 * 4 * N * V),
    fusedForwardMB: MB(fwd.extraBytes),
    fusedBackwardMinusOutputsMB: MB(bwdScratch),
    backwardOutputsMB: MB(bwd.outputBytes),
    fusedForwardOverNaive: round(fwd.extraBytes / naive.extraBytes),
    fusedBackwardOverNaive: round(bwdScratch / naive.extraBytes),
  });
  // The fused path's time, for scale (CPU tiles, not a tuned GEMM).
  const hidden = new Float32Array(N * Dm).map((_, k) => Math.sin(k) * 0.5);
  const weight = new Float32Array(V * Dm).map((_, k) => Math.cos(k * 0.37) * 0.5);
  const targets = Int32Array.from({ length: N }, (_, i) => (i * 7919) % V);
  const t = time(() => linearLogprobsSync({ data: hidden, shape: [N, Dm] }, { data: weight, shape: [V, Dm] }, targets),
    { warmup: 1, repeats: 3, minMs: 0 });
  h.add(family, { op: 'fused forward', N, V, Dm, medianMs: round(t.medianMs),
    GFLOPs: round((2 * N * V * Dm) / (t.medianMs * 1e6)) });
}

export async function run(h: Harness): Promise<void> {
  bandwidth(h);
  fusedMemory(h);
}

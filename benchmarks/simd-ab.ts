// Kernel sets head to head, interleaved: rounds of (set A, set B, ...) child processes, each
// timing GEMM 512^3 and 1024^3 (gemmSync, all threads) and one SFT training step of the
// model bench's tiny config (forward + backward + AdamW, the RL step's compute) on that set,
// so a busy shared machine slows every set alike. Prints and writes the median rate of each
// set and its ratio to the last (widest) set; benchmarks/results/<host>-simd-ab-<date>.json.
//   npx tsx benchmarks/simd-ab.ts [rounds] [sets, e.g. scalar,avx2,avx512]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { devices } from '../lib/engine/devices.js';
import { gemmSync } from '../lib/engine/gemm.js';
import { TinyPolicy } from '../lib/model/tiny-policy.js';
import { tinyConfig } from '../lib/model/qwen2-config.js';
import { round, time, timeAsync } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));

async function child(): Promise<void> {
  const out: Record<string, number | string> = { simd: devices().cpu.simd };
  for (const n of [512, 1024]) {
    const a = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    const b = new Float32Array(n * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
    const c = new Float32Array(n * n);
    const t = time(() => gemmSync(a, b, c, n, n, n), { warmup: 1, repeats: 5, minMs: 0 });
    out[`gemm${n}GFLOPs`] = (2 * n ** 3) / (t.medianMs * 1e6);
  }
  const V = 512, B = 8, T = 130, N = B * T;
  const p = await TinyPolicy.create(tinyConfig(V), { seed: 1, maxBatchTokens: N });
  const tokens = Int32Array.from({ length: N }, (_, i) => (i * 2654435761) % V >>> 0);
  const cu = Int32Array.from({ length: B + 1 }, (_, i) => i * T);
  const mask = new Uint8Array(N).fill(1);
  for (let s = 0; s < B; s++) mask[s * T] = 0;
  const step = await timeAsync(() => p.sftStep({ tokens, cuSeqlens: cu, mask }, 1e-4), { warmup: 1, repeats: 3 });
  out['trainTokensPerS'] = N / (step.medianMs / 1e3);
  p.dispose();
  console.log(JSON.stringify(out));
}

function parent(rounds: number, sets: string[]): void {
  const samples: Record<string, Record<string, number>[]> = Object.fromEntries(sets.map((s) => [s, []]));
  for (let r = 0; r < rounds; r++) {
    for (const set of sets) {
      const res = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child'], {
        env: { ...process.env, TOOLEXPANDER_SIMD: set, TOOLEXPANDER_QUIET: '1' }, encoding: 'utf8',
      });
      if (res.status !== 0) throw new Error(`${set}: ${res.stderr}`);
      const row = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
      samples[set]!.push(row);
      console.log(`round ${r} ${set}: ${JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])))}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const widest = sets.at(-1)!;
  const cols = ['gemm512GFLOPs', 'gemm1024GFLOPs', 'trainTokensPerS'];
  const med = Object.fromEntries(sets.map((s) => [s, Object.fromEntries(cols.map((c) => [c, round(median(samples[s]!.map((x) => x[c]!)))]))]));
  // Per round ratio to the widest set (neighbours in time see the same load), then the median.
  const ratio = Object.fromEntries(sets.map((s) => [s, Object.fromEntries(cols.map((c) => [c,
    round(median(samples[s]!.map((x, r) => x[c]! / samples[widest]![r]![c]!)))]))]));
  console.log('\nmedian rates', JSON.stringify(med, null, 1));
  console.log(`median per-round ratio to ${widest}`, JSON.stringify(ratio, null, 1));
  const date = new Date().toISOString().slice(0, 10);
  const file = join(here, 'results', `${hostname()}-simd-ab-${date}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ host: hostname(), date: new Date().toISOString(), node: process.version, rounds, sets,
    devices: devices(), medians: med, ratioToWidest: ratio, samples }, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

if (process.argv.includes('--child')) await child();
else parent(Number(process.argv[2] ?? 5), (process.argv[3] ?? devices().cpu.simdSupported.join(',')).split(','));

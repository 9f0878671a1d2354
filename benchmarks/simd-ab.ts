// Kernel sets head to head, interleaved: rounds of (set A, set B, ...) child processes, each
// timing GEMM 512^3 and 1024^3 (gemmSync, all threads) and one SFT training step of the
// model bench's tiny config (forward + backward + AdamW, the RL step's compute) on that set,
// so a busy shared machine slows every set alike. Prints and writes the median rate of each
// set and its ratio to the last (widest) set; benchmarks/results/<host>-simd-ab-<date>.json.
//   npx tsx benchmarks/simd-ab.ts [rounds] [sets, e.g. scalar,avx2,avx512] [--rlstep]
// An entry name@path.node runs that addon (TOOLEXPANDER_ADDON, its default set) with this
// checkout's TypeScript; name@dir runs the child from another checkout `dir` (its own lib/
// and build, e.g. the commit before the kernel sets, whose addon this lib/ cannot drive):
// copy this file, harness.ts and rlstep/step.ts into its benchmarks/ first.
// --rlstep adds the demo's whole RL step (benchmarks/rlstep/step.ts: shipped checkpoint,
// generate + score + reference + train) as rlstepTokensPerS: generated tokens per second of
// the step, best of a warm-up and up to 3 runs within BENCH_BUDGET_MS. The parent renders the
// prompts once (rlstep/shapes.ts) and hands every child the same file. Each sample records
// the load average when its child started. BENCH_TAG=x names the file
// <host>-simd-ab-<date>-x.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { devices } from '../lib/engine/devices.js';
import { gemmSync } from '../lib/engine/gemm.js';
import { WEAK_SFT_DIR } from '../lib/model/shipped.js';
import { TinyPolicy } from '../lib/model/tiny-policy.js';
import { tinyConfig } from '../lib/model/qwen2-config.js';
import { round, time, timeAsync } from './harness.js';
import { rlStep, type RlStepShapes } from './rlstep/step.js';

const here = dirname(fileURLToPath(import.meta.url));

async function child(shapesFile: string | undefined): Promise<void> {
  const out: Record<string, number | string> = { simd: devices().cpu.simd, load1: loadavg()[0]! };
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
  if (shapesFile !== undefined) {
    const shapes = JSON.parse(readFileSync(shapesFile, 'utf8')) as RlStepShapes;
    const policy = await TinyPolicy.load(WEAK_SFT_DIR), reference = await TinyPolicy.load(WEAK_SFT_DIR);
    let tokens = 0;
    const t = await timeAsync(async () => { tokens = await rlStep(policy, reference, shapes); }, { warmup: 1, repeats: 3 });
    out['rlstepTokensPerS'] = tokens / (t.minMs / 1e3);
    out['rlstepBestMs'] = t.minMs;
    policy.dispose();
    reference.dispose();
  }
  console.log(JSON.stringify(out));
}

async function parent(rounds: number, sets: string[], withRlstep: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tx-simd-ab-'));
  const shapesFile = join(dir, 'shapes.json');
  // Imported here only: a child from another checkout never loads this checkout's lib/.
  if (withRlstep) writeFileSync(shapesFile, JSON.stringify(await (await import('./rlstep/shapes.js')).rlShapes()));
  const entries = sets;
  sets = entries.map((s) => s.split('@')[0]!);  // results are keyed by name
  const samples: Record<string, Record<string, number>[]> = Object.fromEntries(sets.map((s) => [s, []]));
  for (let r = 0; r < rounds; r++) {
    for (const entry of entries) {
      const [name, other] = entry.split('@');
      const set = name!;
      const checkout = other !== undefined && !other.endsWith('.node') ? other : undefined;
      const env = other === undefined ? { TOOLEXPANDER_SIMD: name } : checkout === undefined
        ? { TOOLEXPANDER_ADDON: other, TOOLEXPANDER_SIMD: '' } : { TOOLEXPANDER_SIMD: '' };
      const script = checkout === undefined ? fileURLToPath(import.meta.url) : join(checkout, 'benchmarks', 'simd-ab.ts');
      const res = spawnSync(process.execPath, [...process.execArgv, script, '--child', ...(withRlstep ? [`--shapes=${shapesFile}`] : [])], {
        cwd: checkout, env: { ...process.env, ...env, TOOLEXPANDER_QUIET: '1' }, encoding: 'utf8',
      });
      if (res.status !== 0) throw new Error(`${set}: ${res.stderr}`);
      const row = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
      samples[set]!.push(row);
      console.log(`round ${r} ${set}: ${JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])))}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const widest = sets.at(-1)!;
  const cols = ['gemm512GFLOPs', 'gemm1024GFLOPs', 'trainTokensPerS', ...(withRlstep ? ['rlstepTokensPerS'] : [])];
  const med = Object.fromEntries(sets.map((s) => [s, Object.fromEntries(cols.map((c) => [c, round(median(samples[s]!.map((x) => x[c]!)))]))]));
  // Per round ratio to the widest set (neighbours in time see the same load), then the median.
  const ratio = Object.fromEntries(sets.map((s) => [s, Object.fromEntries(cols.map((c) => [c,
    round(median(samples[s]!.map((x, r) => x[c]! / samples[widest]![r]![c]!)))]))]));
  console.log('\nmedian rates', JSON.stringify(med, null, 1));
  console.log(`median per-round ratio to ${widest}`, JSON.stringify(ratio, null, 1));
  const date = new Date().toISOString().slice(0, 10);
  const tag = process.env['BENCH_TAG'] ? `-${process.env['BENCH_TAG'].replace(/[^A-Za-z0-9_.-]/g, '_')}` : '';
  const file = join(here, 'results', `${hostname()}-simd-ab-${date}${tag}.json`);
  mkdirSync(dirname(file), { recursive: true });
  // Spread: the best and worst per-round ratio beside the median.
  const spread = Object.fromEntries(sets.map((s) => [s, Object.fromEntries(cols.map((c) => {
    const rs = samples[s]!.map((x, r) => x[c]! / samples[widest]![r]![c]!);
    return [c, [round(Math.min(...rs)), round(Math.max(...rs))]];
  }))]));
  const best = Object.fromEntries(sets.map((s) => [s, Object.fromEntries(cols.map((c) => [c, round(Math.max(...samples[s]!.map((x) => x[c]!)))]))]));
  console.log(`per-round ratio to ${widest}, [min, max]`, JSON.stringify(spread, null, 1));
  console.log('best rates', JSON.stringify(best, null, 1));
  writeFileSync(file, JSON.stringify({ host: hostname(), date: new Date().toISOString(), node: process.version, rounds, sets: entries,
    budgetMs: process.env['BENCH_BUDGET_MS'] ?? null, devices: devices(), medians: med, best, ratioToWidest: ratio,
    ratioSpread: spread, samples }, null, 2) + '\n');
  rmSync(dir, { recursive: true, force: true });
  console.log(`wrote ${file}`);
}

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (process.argv.includes('--child')) await child(process.argv.find((a) => a.startsWith('--shapes='))?.slice('--shapes='.length));
else await parent(Number(positional[0] ?? 5), (positional[1] ?? devices().cpu.simdSupported.join(',')).split(','), process.argv.includes('--rlstep'));

// Load time, peak RSS and CPU decode speed of a Qwen2.5-0.5B-shaped checkpoint (random
// weights, written as the hub ships it: sharded BF16 + tokenizer files), against the
// memory-bandwidth floor measured in the same run: a decode step reads every f32 weight
// once (the tied head reads the whole embedding matrix), so tokens/s cannot exceed
// copy bandwidth / weight bytes. Run alone (about 9 GB):
//   npx tsx benchmarks/qwen25-load-decode.ts [--layers 24] [--tokens 16] [--dir DIR]
// Writes benchmarks/results/qwen25-load-decode-<date>.json.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

import { Qwen2Policy } from '../lib/model/qwen2-policy.js';
import { writeQwen25Folder } from '../test/model/qwen25-fixture.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const layers = arg('layers', 24), tokens = arg('tokens', 16);
const given = process.argv.includes('--dir') ? process.argv[process.argv.indexOf('--dir') + 1]! : undefined;

// Copy bandwidth: best of 5 copies of a 256 MiB buffer (bytes read per second).
function copyBandwidth(): number {
  const n = 64 * 1024 * 1024, a = new Float32Array(n).fill(1), b = new Float32Array(n);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    b.set(a);
    best = Math.min(best, performance.now() - t0);
  }
  return (n * 4) / (best / 1000);
}

const dir = given ?? (await mkdtemp(join(tmpdir(), 'tx-qwen25-bench-')));
if (!existsSync(join(dir, 'config.json'))) await writeQwen25Folder(dir, { layers, shardBytes: 4e8 });
const t0 = performance.now();
let plan = '';
const p = await Qwen2Policy.load(dir, { maxBatchTokens: 64, onMemory: (_, text) => (plan = text) });
const loadSeconds = (performance.now() - t0) / 1000;
const prompt = '<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n';
const bw0 = copyBandwidth();
// Prefill + 1 token, then prefill + `tokens` tokens: the difference is decode alone.
const gen = async (maxTokens: number) => {
  const s = performance.now();
  const r = await p.generate([prompt], { n: 1, maxTokens, seed: 1, stop: [] });
  return { ms: performance.now() - s, n: r[0]![0]!.tokens.length };
};
await gen(2);  // warm-up
const one = await gen(1), many = await gen(tokens);
const bw1 = copyBandwidth();
const bandwidth = Math.max(bw0, bw1);
const decodeTokens = many.n - one.n;
const decodeTps = decodeTokens / ((many.ms - one.ms) / 1000);
const weightBytes = p.numParams * 4;
const floorTps = bandwidth / weightBytes;
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
const result = {
  what: 'Qwen2.5-0.5B-shaped checkpoint (random weights, sharded BF16 on disk), CPU',
  layers, params: p.numParams, memoryPlan: plan, loadSeconds, peakRssBytes,
  decode: { tokens: decodeTokens, tokensPerSecond: decodeTps, weightBytesPerStep: weightBytes, copyBandwidthBytesPerSecond: bandwidth,
    floorTokensPerSecond: floorTps, ratioToFloor: decodeTps / floorTps },
  cpus: cpus().length, cpu: cpus()[0]?.model, date: new Date().toISOString(), note: 'machine shared with other jobs while measured',
};
p.dispose();
console.log(JSON.stringify(result, null, 2));
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL(`./results/qwen25-load-decode-${result.date.slice(0, 10)}.json`, import.meta.url), JSON.stringify(result, null, 2) + '\n');
if (given === undefined) await rm(dir, { recursive: true, force: true });

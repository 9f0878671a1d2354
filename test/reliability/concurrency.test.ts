// Concurrency: hundreds of async ops of mixed kinds in flight at once give bit-identical
// results to the same calls run one by one; the addon loads and computes in several
// worker_threads at once; two trainers interleaved in one process end exactly where each
// ends alone.
import { Worker } from 'node:worker_threads';
import t from 'tap';

import { native } from '../../lib/engine/native.js';
import { resolveTrainConfig, train } from '../../lib/rl/index.js';
import { syntheticSuite } from '../../lib/data/synthetic/suite.js';
import { opSpecs } from './fuzz/ops.js';
import { rng } from '../helpers/random.js';
import { TablePolicy } from '../helpers/table-policy.js';

const heavy = process.env.TOOLEXPANDER_HEAVY === '1';
const IN_FLIGHT = heavy ? 2000 : 400;

/** Bytes of every typed array in a result, in key order (comparable across runs). */
function digest(v: unknown): string {
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (v !== null && typeof v === 'object') return Object.keys(v).sort().map((k) => `${k}:${digest((v as Record<string, unknown>)[k])}`).join('|');
  return String(v);
}

t.test(`Promise.all over ${IN_FLIGHT} mixed async ops equals sequential runs`, async (t) => {
  const addon = native();
  const specs = opSpecs(addon).filter((s) => s.raw.async !== undefined && s.name !== 'adamwStep' && s.name !== 'gemm');
  // adamwStep and gemm update their inputs in place: each call gets its own copies below.
  const inPlace = opSpecs(addon).filter((s) => s.name === 'adamwStep' || s.name === 'gemm');
  const r = rng(42);
  const calls = Array.from({ length: IN_FLIGHT }, (_, i) => {
    const spec = i % 5 === 4 ? inPlace[i % inPlace.length]! : specs[i % specs.length]!;
    return { spec, args: spec.raw.valid(r) };
  });
  const copyArgs = (args: unknown[]) => args.map((a) => (ArrayBuffer.isView(a) ? (a as Float32Array).slice() : a));
  const sequential: string[] = [];
  for (const c of calls) sequential.push(digest(await c.spec.raw.async!(...copyArgs(c.args))));
  const parallel = (await Promise.all(calls.map((c) => c.spec.raw.async!(...copyArgs(c.args))))).map(digest);
  const kinds = new Set(calls.map((c) => c.spec.name));
  t.comment(`concurrency: ${IN_FLIGHT} async calls of ${kinds.size} kinds in flight at once`);
  const diff = parallel.findIndex((d, i) => d !== sequential[i]);
  t.equal(diff, -1, diff === -1 ? 'identical' : `call ${diff} (${calls[diff]!.spec.name}) differs`);
});

t.test('the addon in 4 worker_threads at once computes the same bits as the main thread', async (t) => {
  const url = new URL('../../lib/index.ts', import.meta.url).href;
  const rewards = new Float32Array(1024).map((_, i) => (i * 7919) % 13);
  const offsets = new Int32Array(1024 / 8 + 1).map((_, g) => g * 8);
  const logits = new Float32Array(64 * 50).map((_, i) => Math.sin(i));
  const targets = new Int32Array(64).map((_, i) => i % 50);
  const { groupedAdvantagesSync, logprobsSync } = await import('../../lib/index.js');
  const main = [groupedAdvantagesSync(rewards, offsets).advantages, logprobsSync({ data: logits, shape: [64, 50] }, targets, { entropy: true }).entropy!];
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    import('tsx/esm/api').then((api) => { api.register(); return import(workerData.url); }).then(async (m) => {
      const out = [];
      for (let i = 0; i < 20; i++) {
        const [a, l] = await Promise.all([m.groupedAdvantages(workerData.rewards, workerData.offsets),
          m.logprobs({ data: workerData.logits, shape: [64, 50] }, workerData.targets, { entropy: true })]);
        out.push([a.advantages, l.entropy]);
      }
      parentPort.postMessage(out);
    }).catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
  const results = await Promise.all(Array.from({ length: 4 }, async () => {
    const w = new Worker(source, { eval: true, workerData: { url, rewards, offsets, logits, targets }, env: { ...process.env, TOOLEXPANDER_QUIET: '1' } });
    try {
      return await new Promise<unknown>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    } finally {
      await w.terminate();
    }
  }));
  for (const [i, res] of results.entries()) {
    t.ok(Array.isArray(res), `worker ${i} answered ${Array.isArray(res) ? '20 rounds' : JSON.stringify(res)}`);
    if (!Array.isArray(res)) continue;
    t.ok((res as Float32Array[][]).every(([a, l]) => digest(a) === digest(main[0]) && digest(l) === digest(main[1])), `worker ${i}: every round identical to the main thread`);
  }
});

t.test('two trainers in one process end where each ends alone', async (t) => {
  const run = (seed: number, preset: 'grpo' | 'toolexpander') => {
    const cfg = resolveTrainConfig(preset, { seed, steps: 6, batchSize: 8, groupSize: 4, lr: 4, eval: { every: 0 }, checkpoint: { every: 0 }, data: { source: 'synthetic', seed, trainSize: 60 } });
    const s = syntheticSuite({ seed, trainSize: 60, testSize: 2, testTemplatesSize: 1, testUnseenApisSize: 1 });
    const policy = new TablePolicy(s.train, { seed });
    return { policy, go: () => train({ config: cfg, policy, reference: new TablePolicy(s.train, { seed }), train: s.train }) };
  };
  const alone = [run(1, 'toolexpander'), run(2, 'grpo')];
  const soloStates = [];
  for (const a of alone) soloStates.push((await a.go()).state);
  const together = [run(1, 'toolexpander'), run(2, 'grpo')];
  const both = await Promise.all(together.map((x) => x.go()));
  for (let i = 0; i < 2; i++) {
    t.same(both[i]!.state, soloStates[i], `trainer ${i}: same final state`);
    t.equal(together[i]!.policy.fingerprint(), alone[i]!.policy.fingerprint(), `trainer ${i}: same weights`);
  }
});

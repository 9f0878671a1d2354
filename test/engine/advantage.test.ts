// groupedAdvantages against the float64 reference (docs/kernels.md section 1): every mode and
// std kind, edge groups, huge R, token broadcast, determinism, and every bad input.
import t from 'tap';

import { DeviceTensor, TxError, devices, groupedAdvantages, groupedAdvantagesSync, setThreads } from '../../lib/index.js';
import { firstMismatch } from '../helpers/compare.js';
import { expectTxError } from '../helpers/expect-error.js';
import { offsetsFromSizes, randInt, rng } from '../helpers/random.js';
import { referenceAdvantages, referenceTokenBroadcast, type Mode } from '../reference/advantage.js';

// float32 outputs of a double computation: one rounding, so 1e-6 relative is generous;
// atol only absorbs the reference's own double-rounding on results that cancel to ~0.
const RTOL = 1e-6;
const ATOL = 1e-12;

function randomProblem(seed: number, groups: number, maxSize: number) {
  const r = rng(seed);
  const sizes = Array.from({ length: groups }, () => randInt(r, 0, maxSize));
  const offsets = offsetsFromSizes(sizes);
  const rewards = new Float32Array(offsets[groups]!);
  for (let i = 0; i < rewards.length; i++) rewards[i] = Math.fround(r() * 4 - 1);
  // Make some groups all-equal, as real binary rewards often are.
  for (let g = 0; g < groups; g += 3) rewards.fill(r() < 0.5 ? 0 : 1, offsets[g]!, offsets[g + 1]!);
  return { rewards, offsets };
}

const MODES: Mode[] = ['grpo', 'drgrpo', 'rloo'];

t.test('matches the float64 reference for every mode and std kind', async (t) => {
  for (const mode of MODES) {
    for (const std of ['unbiased', 'biased'] as const) {
      for (const seed of [1, 2, 3]) {
        const { rewards, offsets } = randomProblem(seed * 7 + mode.length, 300, 20);
        const got = groupedAdvantagesSync(rewards, offsets, { mode, std, eps: 1e-6 });
        const want = referenceAdvantages(rewards, offsets, mode, 1e-6, std);
        const label = `${mode}/${std}/seed ${seed}`;
        t.equal(firstMismatch(got.advantages, want.advantages, RTOL, ATOL), undefined, `${label}: advantages`);
        t.equal(firstMismatch(got.mean, want.mean, RTOL, ATOL), undefined, `${label}: mean`);
        t.equal(firstMismatch(got.std, want.std, RTOL, ATOL), undefined, `${label}: std`);
        t.same([...got.zeroVariance], [...want.zeroVariance], `${label}: zeroVariance`);
      }
    }
  }
});

t.test('all-equal groups and groups of 1 give exactly 0 in every mode', async (t) => {
  const rewards = new Float32Array([0.3, 0.3, 0.3, 7, 1, 1, 0.1, -5, 1e30, 1e30]);
  const offsets = new Int32Array([0, 3, 4, 6, 7, 8, 10]);
  for (const mode of MODES) {
    const r = groupedAdvantagesSync(rewards, offsets, { mode });
    t.ok(r.advantages.every((a) => a === 0), `${mode}: all zero`);
    t.same([...r.zeroVariance], [1, 1, 1, 1, 1, 1], `${mode}: flags`);
    t.same([...r.std], [0, 0, 0, 0, 0, 0], `${mode}: std`);
    t.equal(r.mean[0], Math.fround(0.3), `${mode}: mean of an equal group is the value itself`);
  }
});

t.test('empty groups are allowed: mean 0, std 0, flagged zero-variance', async (t) => {
  const r = groupedAdvantagesSync(new Float32Array([1, 2]), new Int32Array([0, 0, 2, 2]));
  t.same([...r.zeroVariance], [1, 0, 1]);
  t.same([...r.mean], [0, 1.5, 0]);
  t.equal(r.advantages.length, 2);
  const none = groupedAdvantagesSync(new Float32Array(0), new Int32Array([0]));
  t.equal(none.advantages.length, 0);
  t.equal(none.mean.length, 0);
});

t.test('known values: GRPO with unbiased std, as verl computes it', async (t) => {
  // rewards 1,0,0,1: mean 0.5, unbiased std sqrt(1/3) = 0.57735; A = +-0.5/0.57735 = +-0.866025
  const r = groupedAdvantagesSync(new Float32Array([1, 0, 0, 1]), new Int32Array([0, 4]));
  t.equal(firstMismatch(r.advantages, [0.8660246, -0.8660246, -0.8660246, 0.8660246], 1e-5, 0), undefined);
  // RLOO of 1,2,3: 1 - 2.5, 2 - 2, 3 - 1.5
  const l = groupedAdvantagesSync(new Float32Array([1, 2, 3]), new Int32Array([0, 3]), { mode: 'rloo' });
  t.same([...l.advantages], [-1.5, 0, 1.5]);
});

t.test('huge R and a huge single group stay within 1e-6 of the reference', async (t) => {
  const r = rng(99);
  const R = 1 << 21;
  const sizes: number[] = [1 << 20];  // one million-reward group
  for (let n = 1 << 20; n < R; n += 16) sizes.push(16);
  const offsets = offsetsFromSizes(sizes);
  const rewards = new Float32Array(R);
  for (let i = 0; i < R; i++) rewards[i] = Math.fround(r() * 100 + 1000);  // large mean, small spread
  const got = groupedAdvantagesSync(rewards, offsets);
  const want = referenceAdvantages(rewards, offsets);
  t.equal(firstMismatch(got.advantages, want.advantages, RTOL, ATOL), undefined);
  t.equal(firstMismatch(got.std, want.std, RTOL, ATOL), undefined);
});

t.test('variable group sizes from 1 to 200', async (t) => {
  const { rewards, offsets } = randomProblem(5, 500, 200);
  for (const mode of MODES) {
    const got = groupedAdvantagesSync(rewards, offsets, { mode });
    const want = referenceAdvantages(rewards, offsets, mode);
    t.equal(firstMismatch(got.advantages, want.advantages, RTOL, ATOL), undefined, mode);
  }
});

t.test('token broadcast writes A_i to the masked tokens of rollout i', async (t) => {
  const r = rng(11);
  const { rewards, offsets } = randomProblem(11, 50, 8);
  const lengths = Array.from({ length: rewards.length }, () => randInt(r, 0, 9));
  const seqOffsets = offsetsFromSizes(lengths);
  const N = seqOffsets[rewards.length]!;
  const mask = new Uint8Array(N).map(() => (r() < 0.7 ? 1 : 0));
  const got = groupedAdvantagesSync(rewards, offsets, { seqOffsets, responseMask: mask });
  const want = referenceTokenBroadcast(got.advantages, seqOffsets, mask);
  t.ok(got.tokenAdvantages);
  t.equal(firstMismatch(got.tokenAdvantages!, want, 0, 0), undefined, 'masked broadcast');
  const noMask = groupedAdvantagesSync(rewards, offsets, { seqOffsets });
  t.equal(firstMismatch(noMask.tokenAdvantages!, referenceTokenBroadcast(got.advantages, seqOffsets), 0, 0), undefined,
    'without a mask every token gets A_i');
  t.equal(groupedAdvantagesSync(rewards, offsets).tokenAdvantages, undefined, 'no broadcast unless asked');
});

t.test('deterministic and batch-invariant: same bits for any thread count and any neighbours', async (t) => {
  const { rewards, offsets } = randomProblem(21, 40000, 16);
  setThreads(1);
  const one = groupedAdvantagesSync(rewards, offsets);
  setThreads(2);
  const two = groupedAdvantagesSync(rewards, offsets);
  setThreads(0);
  t.same(Buffer.from(one.advantages.buffer), Buffer.from(two.advantages.buffer), '1 vs 2 threads');
  // Group 123 computed alone equals its slice in the batch.
  const lo = offsets[123]!, hi = offsets[124]!;
  const alone = groupedAdvantagesSync(rewards.slice(lo, hi), new Int32Array([0, hi - lo]));
  t.same([...alone.advantages], [...two.advantages.subarray(lo, hi)]);
});

t.test('equal-size groups (SIMD block path) give the same bits as a group computed alone', async (t) => {
  const r = rng(77);
  for (const size of [2, 4, 8]) {
    const G = 64;
    const rewards = new Float32Array(G * size).map(() => Math.fround(r() * 10 - 3));
    const offsets = new Int32Array(G + 1).map((_, g) => g * size);
    const batch = groupedAdvantagesSync(rewards, offsets, { mode: 'grpo' });
    let same = true;
    for (let g = 0; g < G; g++) {
      const alone = groupedAdvantagesSync(rewards.slice(g * size, (g + 1) * size), new Int32Array([0, size]));
      same &&= Buffer.from(alone.advantages.buffer).equals(Buffer.from(batch.advantages.slice(g * size, (g + 1) * size).buffer));
      same &&= alone.std[0] === batch.std[g] && alone.mean[0] === batch.mean[g];
    }
    t.ok(same, `groups of ${size}`);
    const want = referenceAdvantages(rewards, offsets);
    t.equal(firstMismatch(batch.advantages, want.advantages, RTOL, ATOL), undefined, `groups of ${size} vs reference`);
  }
});

t.test('a group split across threads (> 65536 rewards) is the same for any thread count', async (t) => {
  const r = rng(123);
  const n = 300_000;
  const rewards = new Float32Array(n + 10).map(() => Math.fround(r() * 7 - 2));
  const offsets = new Int32Array([0, 10, n + 10]);
  setThreads(1);
  const one = groupedAdvantagesSync(rewards, offsets);
  setThreads(2);
  const two = groupedAdvantagesSync(rewards, offsets);
  setThreads(0);
  t.ok(Buffer.from(one.advantages.buffer).equals(Buffer.from(two.advantages.buffer)), '1 vs 2 threads, bitwise');
  const alone = groupedAdvantagesSync(rewards.slice(10), new Int32Array([0, n]));
  t.ok(Buffer.from(alone.advantages.buffer).equals(Buffer.from(two.advantages.subarray(10).slice().buffer)), 'alone vs batched');
  const want = referenceAdvantages(rewards, offsets);
  t.equal(firstMismatch(two.advantages, want.advantages, RTOL, ATOL), undefined, 'vs reference');
  rewards[n - 5] = NaN;
  expectTxError(t, () => groupedAdvantagesSync(rewards, offsets), 'E_RANGE', `rewards[${n - 5}]`, 'NaN in a split group');
});

t.test('opts.out: results written into caller buffers, reusable, in place allowed', async (t) => {
  const { rewards, offsets } = randomProblem(51, 500, 12);
  const R = rewards.length, G = offsets.length - 1;
  const fresh = groupedAdvantagesSync(rewards, offsets);
  const out = { advantages: new Float32Array(R).fill(NaN), mean: new Float32Array(G), std: new Float32Array(G), zeroVariance: new Uint8Array(G) };
  for (let i = 0; i < 2; i++) {
    const r = groupedAdvantagesSync(rewards, offsets, { out });
    t.equal(r.advantages, out.advantages, 'the same buffer comes back');
    t.equal(r.zeroVariance, out.zeroVariance);
    t.same(Buffer.from(out.advantages.buffer), Buffer.from(fresh.advantages.buffer), `reuse ${i}: same bits`);
  }
  const partial = await groupedAdvantages(rewards, offsets, { out: { mean: new Float32Array(G) } });
  t.same([...partial.mean], [...fresh.mean], 'only some outputs given');
  const inPlace = rewards.slice();
  groupedAdvantagesSync(inPlace, offsets, { out: { advantages: inPlace } });
  t.same(Buffer.from(inPlace.buffer), Buffer.from(fresh.advantages.buffer), 'in place over rewards');
  const cases: [string, () => unknown, string, string][] = [
    ['short', () => groupedAdvantagesSync(rewards, offsets, { out: { advantages: new Float32Array(R - 1) } }), 'E_SHAPE', 'opts.out.advantages'],
    ['wrong dtype', () => groupedAdvantagesSync(rewards, offsets, { out: { zeroVariance: new Float32Array(G) as unknown as Uint8Array } }), 'E_DTYPE', 'opts.out.zeroVariance'],
    ['mean overlaps rewards', () => groupedAdvantagesSync(rewards, offsets, { out: { mean: rewards.subarray(0, G) } }), 'E_RANGE', 'opts.out.mean'],
    ['two outputs share memory', () => { const b = new Float32Array(G); return groupedAdvantagesSync(rewards, offsets, { out: { mean: b, std: b } }); }, 'E_RANGE', 'overlaps'],
    ['partial overlap with rewards', () => groupedAdvantagesSync(rewards, offsets, { out: { advantages: new Float32Array(rewards.buffer, 4, R - 1) as Float32Array } }), 'E_SHAPE', 'opts.out.advantages'],
    ['not an object', () => groupedAdvantagesSync(rewards, offsets, { out: 5 as unknown as object }), 'E_RANGE', 'opts.out'],
  ];
  for (const [label, fn, code, names] of cases) expectTxError(t, fn, code, names, label);
  const shifted = new Float32Array(R + 1);
  shifted.set(rewards, 1);
  const shiftedRewards = shifted.subarray(1);
  expectTxError(t, () => groupedAdvantagesSync(shiftedRewards, offsets, { out: { advantages: shifted.subarray(0, R) } }), 'E_RANGE', 'overlaps', 'advantages overlapping rewards off by one');
});

t.test('async form matches the sync form and does not mutate inputs', async (t) => {
  const { rewards, offsets } = randomProblem(31, 1000, 12);
  const before = rewards.slice();
  const sync = groupedAdvantagesSync(rewards, offsets, { mode: 'rloo' });
  const asyncResult = await groupedAdvantages(rewards, offsets, { mode: 'rloo' });
  t.same(Buffer.from(asyncResult.advantages.buffer), Buffer.from(sync.advantages.buffer));
  t.same(rewards, before);
  // Many in flight at once give the same answers.
  const all = await Promise.all(Array.from({ length: 64 }, () => groupedAdvantages(rewards, offsets, { mode: 'rloo' })));
  t.ok(all.every((r) => Buffer.from(r.advantages.buffer).equals(Buffer.from(sync.advantages.buffer))));
});

t.test('bad inputs give a TxError with the right code, naming the argument', async (t) => {
  const ok = new Float32Array([1, 2, 3, 4]);
  const off = new Int32Array([0, 2, 4]);
  const cases: [string, () => unknown, string, string][] = [
    ['non-monotonic offsets', () => groupedAdvantagesSync(ok, new Int32Array([0, 3, 2, 4])), 'E_RANGE', 'groupOffsets'],
    ['last offset != R', () => groupedAdvantagesSync(ok, new Int32Array([0, 2, 3])), 'E_RANGE', 'groupOffsets'],
    ['last offset past R', () => groupedAdvantagesSync(ok, new Int32Array([0, 2, 400])), 'E_RANGE', 'groupOffsets'],
    ['first offset != 0', () => groupedAdvantagesSync(ok, new Int32Array([1, 2, 4])), 'E_RANGE', 'groupOffsets[0]'],
    ['negative offset', () => groupedAdvantagesSync(ok, new Int32Array([0, -2, 4])), 'E_RANGE', 'groupOffsets'],
    ['empty offsets', () => groupedAdvantagesSync(ok, new Int32Array(0)), 'E_SHAPE', 'groupOffsets'],
    ['NaN reward', () => groupedAdvantagesSync(new Float32Array([1, NaN, 3, 4]), off), 'E_RANGE', 'rewards[1]'],
    ['Inf reward', () => groupedAdvantagesSync(new Float32Array([1, 2, 3, -Infinity]), off), 'E_RANGE', 'rewards[3]'],
    ['Float64Array rewards', () => groupedAdvantagesSync(new Float64Array(4) as unknown as Float32Array, off), 'E_DTYPE', 'rewards'],
    ['plain array rewards', () => groupedAdvantagesSync([1, 2, 3, 4] as unknown as Float32Array, off), 'E_DTYPE', 'rewards'],
    ['Uint32Array offsets', () => groupedAdvantagesSync(ok, new Uint32Array([0, 2, 4]) as unknown as Int32Array), 'E_DTYPE', 'groupOffsets'],
    ['missing offsets', () => groupedAdvantagesSync(ok, undefined as unknown as Int32Array), 'E_DTYPE', 'groupOffsets'],
    ['unknown mode', () => groupedAdvantagesSync(ok, off, { mode: 'ppo' as 'grpo' }), 'E_RANGE', 'opts.mode'],
    ['unknown std', () => groupedAdvantagesSync(ok, off, { std: 'sample' as 'biased' }), 'E_RANGE', 'opts.std'],
    ['negative eps', () => groupedAdvantagesSync(ok, off, { eps: -1 }), 'E_RANGE', 'opts.eps'],
    ['NaN eps', () => groupedAdvantagesSync(ok, off, { eps: NaN }), 'E_RANGE', 'opts.eps'],
    ['string eps', () => groupedAdvantagesSync(ok, off, { eps: '1e-6' as unknown as number }), 'E_RANGE', 'opts.eps'],
    ['seqOffsets length != R + 1', () => groupedAdvantagesSync(ok, off, { seqOffsets: new Int32Array([0, 1, 2]) }), 'E_SHAPE', 'opts.seqOffsets'],
    ['mask length != last seq offset', () => groupedAdvantagesSync(ok, off, { seqOffsets: new Int32Array([0, 1, 2, 3, 4]), responseMask: new Uint8Array(5) }), 'E_RANGE', 'opts.seqOffsets'],
    ['non-monotonic seqOffsets', () => groupedAdvantagesSync(ok, off, { seqOffsets: new Int32Array([0, 3, 2, 3, 4]) }), 'E_RANGE', 'opts.seqOffsets'],
    ['mask without seqOffsets', () => groupedAdvantagesSync(ok, off, { responseMask: new Uint8Array(4) }), 'E_SHAPE', 'opts.responseMask'],
    ['Int8Array mask', () => groupedAdvantagesSync(ok, off, { seqOffsets: new Int32Array([0, 1, 2, 3, 4]), responseMask: new Int8Array(4) as unknown as Uint8Array }), 'E_DTYPE', 'opts.responseMask'],
  ];
  for (const [label, fn, code, names] of cases) expectTxError(t, fn, code, names, label);
  t.comment(`${cases.length} bad-input cases rejected with TxError`);
});

t.test('the async form rejects (never throws synchronously) on bad input', async (t) => {
  const p = groupedAdvantages(new Float32Array([1, 2]), new Int32Array([0, 3]));
  t.ok(p instanceof Promise);
  await t.rejects(p, { name: 'TxError', code: 'E_RANGE' });
  await t.rejects(groupedAdvantages(new Float32Array([NaN]), new Int32Array([0, 1])), { code: 'E_RANGE' });
});

t.test('a detached rewards buffer is rejected, not read', async (t) => {
  const rewards = new Float32Array([1, 2, 3, 4]);
  structuredClone(rewards.buffer, { transfer: [rewards.buffer] });
  expectTxError(t, () => groupedAdvantagesSync(rewards, new Int32Array([0, 2, 4])), 'E_RANGE', 'groupOffsets', 'detached');
});

t.test('device tensors', async (t) => {
  const cuda = devices().cuda;
  if (!cuda.usable) {
    // Without a usable GPU the request fails clearly instead of crashing.
    expectTxError(t, () => DeviceTensor.fromHost({ data: new Float32Array(4), shape: [4] }), 'E_DEVICE', 'CUDA', 'fromHost');
    return;
  }
  const { rewards, offsets } = randomProblem(41, 2000, 16);
  const d = DeviceTensor.fromHost({ data: rewards, shape: [rewards.length] });
  const got = await groupedAdvantages(d, offsets);
  const host = (await got.advantages.toHost()).data as Float32Array;
  const want = referenceAdvantages(rewards, offsets);
  t.equal(firstMismatch(host, want.advantages, RTOL, 1e-9), undefined);
  for (const x of [d, got.advantages, got.mean, got.std, got.zeroVariance]) x.dispose();
});

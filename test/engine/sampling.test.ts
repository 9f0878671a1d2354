// sampleTokens: token-exact replay against a TypeScript Philox + Gumbel-max reference,
// empirical frequencies against the float64 kept distribution, greedy, batch invariance,
// top-k / top-p edges and bad inputs.
import t from 'tap';

import { DeviceTensor, devices, sampleTokens, sampleTokensSync } from '../../lib/index.js';
import { expectTxError } from '../helpers/expect-error.js';
import { rng } from '../helpers/random.js';
import { referenceDistribution, referenceSample, uniform } from '../reference/sampling.js';

function logitsFor(seed: number, rows: number, V: number, spread = 4): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: rows * V }, () => Math.fround((r() - 0.5) * spread));
}

const rowIds = (n: number, f: (i: number) => number) => Int32Array.from({ length: n }, (_, i) => f(i));

t.test('token-exact against the Philox + Gumbel-max reference', async (t) => {
  const V = 40, B = 64;
  const logits = logitsFor(1, B, V);
  const seqIds = rowIds(B, (i) => 1000 + i * 7), positions = rowIds(B, (i) => i % 13);
  for (const [temperature, topK, topP] of [[1, 0, 1], [0.7, 5, 1], [1.3, 0, 0.8], [1, 10, 0.5], [0, 0, 1], [2, 1, 1]] as const) {
    const got = sampleTokensSync(logits, { vocab: V, seqIds, positions, seed: 12345678901, temperature, topK, topP });
    const want = Int32Array.from({ length: B }, (_, b) =>
      referenceSample(logits.subarray(b * V, (b + 1) * V), 12345678901, seqIds[b]!, positions[b]!, temperature, topK, topP));
    t.same([...got], [...want], `T=${temperature} topK=${topK} topP=${topP}`);
  }
});

// The CPU kernel computes the double-precision Gumbel noise only for entries whose f32
// estimate is near the best (native/cpu/sampling.cpp): the draw must stay the exact one for
// huge logits (f32 sums lose the noise there), equal logits (the noise alone decides) and a
// vocabulary that is not a multiple of its 64-entry chunks.
t.test('token-exact against the reference: huge, equal and near-equal logits, V off the chunk size', async (t) => {
  const B = 48;
  const seqIds = rowIds(B, (i) => 77 + i), positions = rowIds(B, (i) => 3 * i);
  const cases: [string, number, Float32Array][] = [
    ['spread 2e7', 130, logitsFor(5, B, 130, 2e7)],
    ['spread 1e30', 130, logitsFor(6, B, 130, 1e30)],
    ['all equal', 200, new Float32Array(B * 200).fill(1.5)],
    ['ties within 1e-3', 97, Float32Array.from(logitsFor(7, B, 97, 1), (v) => Math.fround(Math.round(v * 4) / 4 + v * 1e-3))],
  ];
  // Two finite logits per row, set so that their scores z + g differ by about 1e-7 (the f32
  // rounding of z): below what the f32 estimate resolves, so only the exact pass decides.
  const V2 = 70, pairs = new Float32Array(B * V2).fill(-Infinity);
  for (let b = 0; b < B; b++) {
    const i = b % V2, j = (b * 7 + 3) % V2 === i ? (i + 1) % V2 : (b * 7 + 3) % V2;
    const g = (k: number) => -Math.log(-Math.log(uniform(987654321, seqIds[b]!, positions[b]!, k)));
    pairs[b * V2 + i] = 0;
    pairs[b * V2 + j] = Math.fround(g(i) - g(j));
  }
  cases.push(['near-tied pairs', V2, pairs]);
  for (const [what, V, logits] of cases) {
    for (const [temperature, topK, topP] of [[1, 0, 1], [0.5, 7, 1], [1, 0, 0.9]] as const) {
      const got = sampleTokensSync(logits, { vocab: V, seqIds, positions, seed: 987654321, temperature, topK, topP });
      const want = Int32Array.from({ length: B }, (_, b) =>
        referenceSample(logits.subarray(b * V, (b + 1) * V), 987654321, seqIds[b]!, positions[b]!, temperature, topK, topP));
      t.same([...got], [...want], `${what}, V=${V}, T=${temperature} topK=${topK} topP=${topP}`);
    }
  }
});

t.test('empirical frequencies follow the kept distribution (float64 reference)', async (t) => {
  const V = 6;
  const row = Float32Array.from([2, 1, 0.5, 0, -1, -3]);
  const n = 20000;
  const logits = new Float32Array(n * V);
  for (let i = 0; i < n; i++) logits.set(row, i * V);
  for (const [temperature, topK, topP] of [[1, 0, 1], [0.5, 0, 1], [1, 3, 1], [1, 0, 0.7], [2, 4, 0.9]] as const) {
    const tokens = sampleTokensSync(logits, { vocab: V, seqIds: rowIds(n, () => 3), positions: rowIds(n, (i) => i), seed: 7, temperature, topK, topP });
    const p = referenceDistribution(row, temperature, topK, topP);
    const counts = new Array<number>(V).fill(0);
    for (const tok of tokens) counts[tok]!++;
    let worstZ = 0, outside = 0;
    for (let v = 0; v < V; v++) {
      if (p[v] === 0) outside += counts[v]!;
      else worstZ = Math.max(worstZ, Math.abs(counts[v]! - n * p[v]!) / Math.sqrt(n * p[v]! * (1 - p[v]!) + 1e-12));
    }
    t.equal(outside, 0, `T=${temperature} k=${topK} p=${topP}: nothing outside the kept set`);
    t.ok(worstZ < 5, `T=${temperature} k=${topK} p=${topP}: worst z-score ${worstZ.toFixed(2)} < 5`);
  }
});

t.test('greedy is the first argmax; topK 1 equals greedy; -Infinity logits are never drawn', async (t) => {
  const V = 5;
  const logits = Float32Array.from([1, 3, 3, -Infinity, 0, /* row 2 */ -Infinity, -Infinity, 0.5, -Infinity, -Infinity]);
  const opts = { vocab: V, seqIds: rowIds(2, (i) => i), positions: rowIds(2, () => 0), seed: 1 };
  t.same([...sampleTokensSync(logits, { ...opts, temperature: 0 })], [1, 2]);
  t.same([...sampleTokensSync(logits, { ...opts, topK: 1 })], [1, 2], 'ties kept: 3 and 3 both in the top-1 set');
  for (let s = 0; s < 50; s++) {
    const tok = sampleTokensSync(logits, { ...opts, seed: s, temperature: 5 });
    t.ok(tok[0] !== 3 && tok[1] === 2, `seed ${s}`);
  }
});

t.test('batch invariance: a row samples the same token alone, in any batch, in any order', async (t) => {
  const V = 300, B = 33;
  const logits = logitsFor(5, B, V, 8);
  const seqIds = rowIds(B, (i) => i * 3 + 1), positions = rowIds(B, (i) => 100 + i);
  const opts = { vocab: V, seed: 99, temperature: 0.9, topP: 0.95, topK: 50 };
  const batch = sampleTokensSync(logits, { ...opts, seqIds, positions });
  const order = [...Array(B).keys()].reverse();
  const shuffled = new Float32Array(B * V);
  order.forEach((src, dst) => shuffled.set(logits.subarray(src * V, (src + 1) * V), dst * V));
  const other = sampleTokensSync(shuffled, { ...opts, seqIds: Int32Array.from(order, (i) => seqIds[i]!), positions: Int32Array.from(order, (i) => positions[i]!) });
  let same = true;
  for (let b = 0; b < B; b++) {
    const alone = sampleTokensSync(logits.slice(b * V, (b + 1) * V), { ...opts, seqIds: seqIds.slice(b, b + 1), positions: positions.slice(b, b + 1) });
    same &&= alone[0] === batch[b] && other[B - 1 - b] === batch[b];
  }
  t.ok(same);
  const asyncTokens = await sampleTokens(logits, { ...opts, seqIds, positions });
  t.same([...asyncTokens], [...batch], 'async equals sync');
  const differentSeed = sampleTokensSync(logits, { ...opts, seed: 100, seqIds, positions });
  t.notSame([...differentSeed], [...batch], 'another seed draws other tokens');
});

t.test('bad inputs give a TxError naming the argument', async (t) => {
  const V = 4;
  const ok = { vocab: V, seqIds: new Int32Array([0, 1]), positions: new Int32Array([0, 0]), seed: 1 };
  const logits = new Float32Array(8);
  const cases: [string, () => unknown, string, string][] = [
    ['length not a multiple of vocab', () => sampleTokensSync(new Float32Array(7), ok), 'E_SHAPE', 'vocab'],
    ['vocab 0', () => sampleTokensSync(logits, { ...ok, vocab: 0 }), 'E_RANGE', 'vocab'],
    ['vocab 2.5', () => sampleTokensSync(logits, { ...ok, vocab: 2.5 }), 'E_RANGE', 'vocab'],
    ['seqIds length', () => sampleTokensSync(logits, { ...ok, seqIds: new Int32Array(3) }), 'E_SHAPE', 'seqIds'],
    ['positions dtype', () => sampleTokensSync(logits, { ...ok, positions: new Float32Array(2) as unknown as Int32Array }), 'E_DTYPE', 'positions'],
    ['Float64Array logits', () => sampleTokensSync(new Float64Array(8) as unknown as Float32Array, ok), 'E_DTYPE', 'logits'],
    ['negative seed', () => sampleTokensSync(logits, { ...ok, seed: -1 }), 'E_RANGE', 'opts.seed'],
    ['fractional seed', () => sampleTokensSync(logits, { ...ok, seed: 0.5 }), 'E_RANGE', 'opts.seed'],
    ['negative temperature', () => sampleTokensSync(logits, { ...ok, temperature: -1 }), 'E_RANGE', 'opts.temperature'],
    ['NaN temperature', () => sampleTokensSync(logits, { ...ok, temperature: NaN }), 'E_RANGE', 'opts.temperature'],
    ['negative topK', () => sampleTokensSync(logits, { ...ok, topK: -2 }), 'E_RANGE', 'opts.topK'],
    ['topP 0', () => sampleTokensSync(logits, { ...ok, topP: 0 }), 'E_RANGE', 'opts.topP'],
    ['topP 1.5', () => sampleTokensSync(logits, { ...ok, topP: 1.5 }), 'E_RANGE', 'opts.topP'],
    ['NaN logit', () => sampleTokensSync(Float32Array.from([0, 0, 0, 0, 0, NaN, 0, 0]), ok), 'E_RANGE', 'logits[5]'],
    ['+Infinity logit', () => sampleTokensSync(Float32Array.from([Infinity, 0, 0, 0, 0, 0, 0, 0]), ok), 'E_RANGE', 'logits[0]'],
    ['all -Infinity row', () => sampleTokensSync(Float32Array.from([0, 0, 0, 0, -Infinity, -Infinity, -Infinity, -Infinity]), ok), 'E_RANGE', 'row 1'],
  ];
  for (const [label, fn, code, names] of cases) expectTxError(t, fn, code, names, label);
  await t.rejects(sampleTokens(logits, { ...ok, topP: 0 }), { name: 'TxError', code: 'E_RANGE' });
});

t.test('device tensors', async (t) => {
  if (!devices().cuda.usable) {
    t.comment('no usable CUDA device: CUDA path covered by tx_parity where a GPU exists');
    return;
  }
  const V = 5000, B = 16;
  const logits = logitsFor(8, B, V, 10);
  const opts = { vocab: V, seqIds: rowIds(B, (i) => i), positions: rowIds(B, (i) => i), seed: 3, temperature: 0.8, topK: 100, topP: 0.9 };
  const d = DeviceTensor.fromHost({ data: logits, shape: [logits.length] });
  const tok = await sampleTokens(d, opts);
  t.same([...((await tok.toHost()).data as Int32Array)], [...sampleTokensSync(logits, opts)], 'CUDA draws the CPU tokens');
  d.dispose();
  tok.dispose();
});

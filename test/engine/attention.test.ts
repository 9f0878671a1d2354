// attention / attentionBackward / decodeAttention on the CPU against the float64 reference
// (docs/kernels.md section 3): random varlen packs (lengths 1..>2 key blocks), GQA, D = 8/64/128,
// causal and not; finite differences; bitwise batch invariance, thread invariance and
// decode == packed forward; every bad input.
import t, { type Test } from 'tap';

import {
  TxError,
  attention,
  attentionBackward,
  attentionBackwardSync,
  attentionSync,
  decodeAttention,
  decodeAttentionSync,
  setThreads,
  type HostTensor,
} from '../../lib/index.js';
import { firstMismatch } from '../helpers/compare.js';
import { offsetsFromSizes, randInt, rng } from '../helpers/random.js';
import { referenceAttention, referenceAttentionBackward, type AttentionProblem } from '../reference/attention.js';

// f32 storage, f32 accumulation over up to ~200 keys x 128 dims, polynomial exp (~2 ulp):
// outputs are convex combinations of values in [-1, 1], so 2e-5 absolute + 1e-4 relative
// is a few hundred ulps of headroom and still catches any wrong mask or missed block.
const RTOL = 1e-4;
const ATOL = 2e-5;
// Gradients sum over many rows (and over the query heads of a kv head): looser.
const GRAD_RTOL = 1e-3;
const GRAD_ATOL = 1e-4;

function randomTensor(r: () => number, shape: number[], amp = 1): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.fround((r() * 2 - 1) * amp);
  return { data, shape };
}

interface Case {
  lengths: number[];
  hq: number;
  hkv: number;
  d: number;
  causal: boolean;
  seed: number;
}

function makeCase(c: Case) {
  const r = rng(c.seed);
  const cu = offsetsFromSizes(c.lengths);
  const nt = cu[c.lengths.length]!;
  // Amplitude 2 on q and k: scores up to ~4*sqrt(D)*scale spread, a peaked softmax.
  const q = randomTensor(r, [nt, c.hq, c.d], 2);
  const k = randomTensor(r, [nt, c.hkv, c.d], 2);
  const v = randomTensor(r, [nt, c.hkv, c.d]);
  const problem: AttentionProblem = { q: q.data as Float32Array, k: k.data as Float32Array, v: v.data as Float32Array,
    cuSeqlens: cu, hq: c.hq, hkv: c.hkv, d: c.d, causal: c.causal };
  return { q, k, v, cu, nt, problem };
}

function randomLengths(seed: number, n: number, max: number): number[] {
  const r = rng(seed);
  const lengths = Array.from({ length: n }, () => randInt(r, 1, max));
  lengths[0] = 1;  // length-1 sequences always present
  if (n > 2) lengths[n - 1] = max;  // and one spanning several key blocks
  return lengths;
}

const f32 = (x: HostTensor) => x.data as Float32Array;

t.test('forward matches the float64 reference (GQA, D = 8/64/128, causal and not)', async (t) => {
  let seed = 1;
  for (const [hq, hkv] of [[4, 4], [8, 2]] as const) {
    for (const d of [8, 64, 128]) {
      for (const causal of [true, false]) {
        const c = makeCase({ lengths: randomLengths(seed, 5, 150), hq, hkv, d, causal, seed: seed++ });
        const got = attentionSync(c.q, c.k, c.v, c.cu, { causal });
        const want = referenceAttention(c.problem);
        const label = `Hq=${hq} Hkv=${hkv} D=${d} causal=${causal}`;
        t.same(got.out.shape, [c.nt, hq, d], `${label}: out shape`);
        t.same(got.lse.shape, [hq, c.nt], `${label}: lse shape`);
        t.equal(firstMismatch(f32(got.out), want.out, RTOL, ATOL), undefined, `${label}: out`);
        t.equal(firstMismatch(f32(got.lse), want.lse, RTOL, ATOL), undefined, `${label}: lse`);
      }
    }
  }
});

t.test('many short sequences packed, an empty one, and a custom scale', async (t) => {
  const lengths = randomLengths(77, 300, 5);
  lengths[10] = 0;
  const c = makeCase({ lengths, hq: 4, hkv: 1, d: 8, causal: true, seed: 77 });
  const got = attentionSync(c.q, c.k, c.v, c.cu, { scale: 0.5 });
  const want = referenceAttention({ ...c.problem, scale: 0.5 });
  t.equal(firstMismatch(f32(got.out), want.out, RTOL, ATOL), undefined, 'out');
  t.equal(firstMismatch(f32(got.lse), want.lse, RTOL, ATOL), undefined, 'lse');
  const empty = attentionSync({ data: new Float32Array(0), shape: [0, 2, 8] }, { data: new Float32Array(0), shape: [0, 1, 8] },
    { data: new Float32Array(0), shape: [0, 1, 8] }, new Int32Array([0]));
  t.equal(empty.out.data.length, 0, 'no tokens: empty outputs');
});

t.test('backward matches the float64 reference', async (t) => {
  let seed = 100;
  for (const [hq, hkv] of [[2, 2], [8, 2]] as const) {
    for (const d of [8, 64, 128]) {
      for (const causal of [true, false]) {
        const c = makeCase({ lengths: randomLengths(seed, 4, 140), hq, hkv, d, causal, seed: seed++ });
        const fwd = attentionSync(c.q, c.k, c.v, c.cu, { causal });
        const gradOut = randomTensor(rng(seed * 3), [c.nt, hq, d]);
        const got = attentionBackwardSync(c.q, c.k, c.v, fwd.out, fwd.lse, gradOut, c.cu, { causal });
        const want = referenceAttentionBackward(c.problem, f32(gradOut));
        const label = `Hq=${hq} Hkv=${hkv} D=${d} causal=${causal}`;
        t.equal(firstMismatch(f32(got.gradQ), want.gradQ, GRAD_RTOL, GRAD_ATOL), undefined, `${label}: gradQ`);
        t.equal(firstMismatch(f32(got.gradK), want.gradK, GRAD_RTOL, GRAD_ATOL), undefined, `${label}: gradK`);
        t.equal(firstMismatch(f32(got.gradV), want.gradV, GRAD_RTOL, GRAD_ATOL), undefined, `${label}: gradV`);
        t.same(got.gradK.shape, [c.nt, hkv, d], `${label}: gradK shape`);
      }
    }
  }
});

t.test('backward agrees with central finite differences of the float64 forward', async (t) => {
  for (const causal of [true, false]) {
    const c = makeCase({ lengths: [3, 1, 5], hq: 4, hkv: 2, d: 8, causal, seed: causal ? 5 : 6 });
    const w = randomTensor(rng(9), [c.nt, 4, 8]);  // loss = sum(out * w), so gradOut = w
    const loss = (p: AttentionProblem) => referenceAttention(p).out.reduce((a, o, i) => a + o * f32(w)[i]!, 0);
    const fwd = attentionSync(c.q, c.k, c.v, c.cu, { causal });
    const got = attentionBackwardSync(c.q, c.k, c.v, fwd.out, fwd.lse, w, c.cu, { causal });
    const eps = 1e-5;
    let checked = 0;
    for (const [name, grad] of [['q', got.gradQ], ['k', got.gradK], ['v', got.gradV]] as const) {
      const base = Float64Array.from(c.problem[name] as Float32Array);
      for (let i = 0; i < base.length; i += 7) {
        const plus = Float64Array.from(base), minus = Float64Array.from(base);
        plus[i]! += eps;
        minus[i]! -= eps;
        const fd = (loss({ ...c.problem, [name]: plus }) - loss({ ...c.problem, [name]: minus })) / (2 * eps);
        const g = f32(grad)[i]!;
        if (!(Math.abs(g - fd) <= 1e-4 + 1e-3 * Math.abs(fd))) t.fail(`causal=${causal} d${name}[${i}]: ${g} vs FD ${fd}`);
        checked++;
      }
    }
    t.pass(`causal=${causal}: ${checked} coordinates within 1e-4 + 1e-3 rel of finite differences`);
  }
});

function sliceTokens(x: HostTensor, from: number, to: number): HostTensor {
  const row = x.shape[1]! * x.shape[2]!;
  return { data: (x.data as Float32Array).slice(from * row, to * row), shape: [to - from, x.shape[1]!, x.shape[2]!] };
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((x, i) => x === ub[i]);
}

t.test('batch invariance: a sequence gives the same bits alone or packed, forward and backward', async (t) => {
  const lengths = [37, 130, 1, 64, 65, 200];
  const c = makeCase({ lengths, hq: 8, hkv: 2, d: 64, causal: true, seed: 31 });
  const packed = attentionSync(c.q, c.k, c.v, c.cu);
  const gradOut = randomTensor(rng(32), [c.nt, 8, 64]);
  const packedGrad = attentionBackwardSync(c.q, c.k, c.v, packed.out, packed.lse, gradOut, c.cu);
  for (let b = 0; b < lengths.length; b++) {
    const lo = c.cu[b]!, hi = c.cu[b + 1]!;
    const cu = new Int32Array([0, hi - lo]);
    const [q, k, v, go] = [c.q, c.k, c.v, gradOut].map((x) => sliceTokens(x, lo, hi)) as [HostTensor, HostTensor, HostTensor, HostTensor];
    const alone = attentionSync(q, k, v, cu);
    t.ok(bitsEqual(f32(alone.out), f32(sliceTokens(packed.out, lo, hi))), `seq ${b} (len ${hi - lo}): out`);
    const lseRows = Array.from({ length: 8 }, (_, h) => f32(packed.lse).slice(h * c.nt + lo, h * c.nt + hi));
    const packedLse = new Float32Array(lseRows.flatMap((x) => [...x]));
    t.ok(bitsEqual(f32(alone.lse), packedLse), `seq ${b}: lse`);
    const g = attentionBackwardSync(q, k, v, alone.out, alone.lse, go, cu);
    t.ok(bitsEqual(f32(g.gradQ), f32(sliceTokens(packedGrad.gradQ, lo, hi))), `seq ${b}: gradQ`);
    t.ok(bitsEqual(f32(g.gradK), f32(sliceTokens(packedGrad.gradK, lo, hi))), `seq ${b}: gradK`);
    t.ok(bitsEqual(f32(g.gradV), f32(sliceTokens(packedGrad.gradV, lo, hi))), `seq ${b}: gradV`);
  }
});

t.test('deterministic: same bits for 1 and 2 threads, and for the async form', async (t) => {
  const c = makeCase({ lengths: randomLengths(41, 6, 180), hq: 4, hkv: 2, d: 64, causal: true, seed: 41 });
  const gradOut = randomTensor(rng(42), [c.nt, 4, 64]);
  setThreads(1);
  const f1 = attentionSync(c.q, c.k, c.v, c.cu);
  const b1 = attentionBackwardSync(c.q, c.k, c.v, f1.out, f1.lse, gradOut, c.cu);
  setThreads(2);
  const f2 = attentionSync(c.q, c.k, c.v, c.cu);
  const b2 = attentionBackwardSync(c.q, c.k, c.v, f2.out, f2.lse, gradOut, c.cu);
  setThreads(0);
  t.ok(bitsEqual(f32(f1.out), f32(f2.out)), 'out');
  t.ok(bitsEqual(f32(f1.lse), f32(f2.lse)), 'lse');
  for (const key of ['gradQ', 'gradK', 'gradV'] as const) t.ok(bitsEqual(f32(b1[key]), f32(b2[key])), key);
  const fa = await attention(c.q, c.k, c.v, c.cu);
  t.ok(bitsEqual(f32(fa.out), f32(f1.out)), 'async out');
  const ba = await attentionBackward(c.q, c.k, c.v, fa.out, fa.lse, gradOut, c.cu);
  t.ok(bitsEqual(f32(ba.gradK), f32(b1.gradK)), 'async gradK');
});

t.test('decode against a KV cache reproduces the packed forward bit for bit', async (t) => {
  for (const [hq, hkv, d] of [[4, 4, 64], [8, 2, 128], [4, 1, 8]] as const) {
    const lengths = [1, 64, 65, 130, 7];
    const c = makeCase({ lengths, hq, hkv, d, causal: true, seed: hq * 10 + d });
    const packed = attentionSync(c.q, c.k, c.v, c.cu);
    const B = lengths.length, tmax = Math.max(...lengths) + 3;
    // For every position p of every sequence: decode the query at p against the cache 0..p.
    let mismatches = 0, rows = 0;
    for (let p = 0; p < Math.max(...lengths); p++) {
      const live = lengths.map((len, b) => (p < len ? b : -1)).filter((b) => b >= 0);
      const kc = new Float32Array(B * tmax * hkv * d).fill(Number.NaN);  // unused cache slots poisoned
      const vc = new Float32Array(B * tmax * hkv * d).fill(Number.NaN);
      const qd = new Float32Array(B * hq * d);
      const lens = new Int32Array(B).fill(1);
      for (const b of live) {
        const start = c.cu[b]!;
        kc.set(f32(c.k).subarray(start * hkv * d, (start + p + 1) * hkv * d), b * tmax * hkv * d);
        vc.set(f32(c.v).subarray(start * hkv * d, (start + p + 1) * hkv * d), b * tmax * hkv * d);
        qd.set(f32(c.q).subarray((start + p) * hq * d, (start + p + 1) * hq * d), b * hq * d);
        lens[b] = p + 1;
      }
      for (let b = 0; b < B; b++) if (!live.includes(b)) { kc.fill(0, b * tmax * hkv * d, (b * tmax + 1) * hkv * d); vc.fill(0, b * tmax * hkv * d, (b * tmax + 1) * hkv * d); }
      const dec = decodeAttentionSync({ data: qd, shape: [B, hq, d] }, { data: kc, shape: [B, tmax, hkv, d] },
        { data: vc, shape: [B, tmax, hkv, d] }, lens);
      for (const b of live) {
        const tok = c.cu[b]! + p;
        rows++;
        const want = f32(packed.out).subarray(tok * hq * d, (tok + 1) * hq * d);
        const got = f32(dec.out).subarray(b * hq * d, (b + 1) * hq * d);
        let same = bitsEqual(got, want);
        for (let h = 0; h < hq; h++) same &&= Object.is(f32(dec.lse)[b * hq + h], f32(packed.lse)[h * c.nt + tok]);
        if (!same) mismatches++;
      }
    }
    t.equal(mismatches, 0, `Hq=${hq} Hkv=${hkv} D=${d}: ${rows} decoded rows bit-identical to the packed forward`);
  }
  const c = makeCase({ lengths: [3], hq: 2, hkv: 1, d: 8, causal: true, seed: 3 });
  const dec = await decodeAttention(sliceTokens(c.q, 2, 3), { data: f32(c.k), shape: [1, 3, 1, 8] },
    { data: f32(c.v), shape: [1, 3, 1, 8] }, new Int32Array([3]));
  const packed = attentionSync(c.q, c.k, c.v, c.cu);
  t.ok(bitsEqual(f32(dec.out), f32(sliceTokens(packed.out, 2, 3))), 'async decode');
  t.same(dec.lse.shape, [1, 2], 'decode lse shape [B, Hq]');
});

function expectTxError(t: Test, fn: () => unknown, code: string, names: string, label: string) {
  try {
    fn();
    t.fail(`${label}: did not throw`);
  } catch (e) {
    t.ok(e instanceof TxError, `${label}: is a TxError`);
    t.equal((e as TxError).code, code, `${label}: code`);
    t.match((e as Error).message, names, `${label}: message names ${names}`);
  }
}

t.test('bad inputs give a TxError with the right code, naming the argument', async (t) => {
  const c = makeCase({ lengths: [3, 2], hq: 6, hkv: 2, d: 8, causal: true, seed: 1 });
  const k4 = randomTensor(rng(1), [5, 4, 8]);
  const cases: [string, () => unknown, string, string][] = [
    ['heads not divisible', () => attentionSync(c.q, k4, k4, c.cu), 'E_SHAPE', 'Hq % Hkv'],
    ['cuSeqlens not monotonic', () => attentionSync(c.q, c.k, c.v, new Int32Array([0, 4, 3, 5])), 'E_RANGE', 'cuSeqlens'],
    ['cuSeqlens not ending at Nt', () => attentionSync(c.q, c.k, c.v, new Int32Array([0, 3, 4])), 'E_RANGE', 'cuSeqlens[2]'],
    ['cuSeqlens not starting at 0', () => attentionSync(c.q, c.k, c.v, new Int32Array([1, 5])), 'E_RANGE', 'cuSeqlens[0]'],
    ['cuSeqlens wrong type', () => attentionSync(c.q, c.k, c.v, new Float32Array([0, 5]) as unknown as Int32Array), 'E_DTYPE', 'cuSeqlens'],
    ['k tokens differ', () => attentionSync(c.q, sliceTokens(c.k, 0, 4), sliceTokens(c.v, 0, 4), c.cu), 'E_SHAPE', 'k'],
    ['head size differs', () => attentionSync(c.q, randomTensor(rng(2), [5, 2, 4]), randomTensor(rng(2), [5, 2, 4]), c.cu), 'E_SHAPE', 'k'],
    ['v shape differs from k', () => attentionSync(c.q, c.k, randomTensor(rng(2), [5, 1, 16]), c.cu), 'E_SHAPE', 'v.shape'],
    ['q not 3-D', () => attentionSync({ data: f32(c.q), shape: [5, 48] }, c.k, c.v, c.cu), 'E_SHAPE', 'q'],
    ['data length vs shape', () => attentionSync({ data: f32(c.q).slice(1), shape: c.q.shape }, c.k, c.v, c.cu), 'E_SHAPE', 'q has'],
    ['bf16 on the CPU', () => attentionSync({ data: new Uint16Array(240), shape: c.q.shape }, { data: new Uint16Array(80), shape: c.k.shape },
      { data: new Uint16Array(80), shape: c.k.shape }, c.cu), 'E_DTYPE', 'q must be f32 on the CPU'],
    ['mixed dtypes', () => attentionSync(c.q, { data: new Uint16Array(80), shape: c.k.shape }, c.v, c.cu), 'E_DTYPE', 'k is bf16'],
    ['bad scale', () => attentionSync(c.q, c.k, c.v, c.cu, { scale: -1 }), 'E_RANGE', 'opts.scale'],
    ['bad causal', () => attentionSync(c.q, c.k, c.v, c.cu, { causal: 1 as unknown as boolean }), 'E_RANGE', 'opts.causal'],
    ['backward lse shape', () => attentionBackwardSync(c.q, c.k, c.v, c.q, { data: new Float32Array(30), shape: [5, 6] }, c.q, c.cu),
      'E_SHAPE', 'lse.shape'],
    ['backward cuSeqlens', () => attentionBackwardSync(c.q, c.k, c.v, c.q, { data: new Float32Array(30), shape: [6, 5] }, c.q,
      new Int32Array([0, 2])), 'E_RANGE', 'cuSeqlens'],
    ['backward gradOut shape', () => attentionBackwardSync(c.q, c.k, c.v, c.q, { data: new Float32Array(30), shape: [6, 5] },
      sliceTokens(c.q, 0, 4), c.cu), 'E_SHAPE', 'gradOut'],
    ['decode length 0', () => decodeAttentionSync({ data: new Float32Array(16), shape: [1, 2, 8] }, { data: new Float32Array(32), shape: [1, 4, 1, 8] },
      { data: new Float32Array(32), shape: [1, 4, 1, 8] }, new Int32Array([0])), 'E_RANGE', 'lengths[0]'],
    ['decode length > Tmax', () => decodeAttentionSync({ data: new Float32Array(16), shape: [1, 2, 8] }, { data: new Float32Array(32), shape: [1, 4, 1, 8] },
      { data: new Float32Array(32), shape: [1, 4, 1, 8] }, new Int32Array([5])), 'E_RANGE', 'kCache.shape[1]'],
    ['decode lengths count', () => decodeAttentionSync({ data: new Float32Array(16), shape: [1, 2, 8] }, { data: new Float32Array(32), shape: [1, 4, 1, 8] },
      { data: new Float32Array(32), shape: [1, 4, 1, 8] }, new Int32Array([1, 1])), 'E_SHAPE', 'lengths'],
    ['decode heads', () => decodeAttentionSync({ data: new Float32Array(24), shape: [1, 3, 8] }, { data: new Float32Array(64), shape: [1, 4, 2, 8] },
      { data: new Float32Array(64), shape: [1, 4, 2, 8] }, new Int32Array([1])), 'E_SHAPE', 'Hq % Hkv'],
  ];
  for (const [label, fn, code, names] of cases) expectTxError(t, fn, code, names, label);
  await t.rejects(attention(c.q, k4, k4, c.cu), { code: 'E_SHAPE' }, 'async form rejects too');
});

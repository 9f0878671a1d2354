// Log-prob gathering against the float64 reference (test/reference/logprob.ts), finite
// differences of both backward ops, batch invariance (bits), bad inputs, async forms and
// the CUDA twin when a device is usable.
// Tolerances (float32 accumulation): |got - want| <= 2e-5 (1 + s) for forward values,
// where s is the largest |z| of the row (logits of +-1e4 leave ~1e-3 of rounding in lse and
// logp: that is float32 spacing at 1e4, not an error of the kernel); gradients 2e-5 absolute
// (they are probabilities, bounded by 1/T).
import t from 'tap';

const tap = t;

import {
  DeviceTensor,
  TxError,
  devices,
  linearLogprobs,
  linearLogprobsBackward,
  linearLogprobsBackwardSync,
  linearLogprobsSync,
  logprobs,
  logprobsBackward,
  logprobsBackwardSync,
  logprobsSync,
  setThreads,
} from '../../lib/index.js';
import {
  referenceLinearBackward,
  referenceLinearLogits,
  referenceLogprobs,
  referenceLogprobsBackward,
} from '../reference/logprob.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  n: number;
  v: number;
  temperature: number;
  scale: number;        // logits uniform in [-scale, scale]
  negInf: number;       // fraction of -inf entries (never the target)
  ignored: number;      // fraction of ignored rows
  allNegInfRow?: boolean;
}

function makeCase(c: Case, seed: number) {
  const r = rng(seed);
  const logits = new Float32Array(c.n * c.v);
  for (let k = 0; k < logits.length; k++) logits[k] = (2 * r() - 1) * c.scale;
  const targets = new Int32Array(c.n);
  for (let i = 0; i < c.n; i++) {
    targets[i] = r() < c.ignored ? -100 : Math.floor(r() * c.v);
    for (let j = 0; j < c.v; j++) if (j !== targets[i] && r() < c.negInf) logits[i * c.v + j] = -Infinity;
  }
  if (c.allNegInfRow && c.n > 1) {
    logits.fill(-Infinity, c.v, 2 * c.v);
    targets[1] = 0;
  }
  return { logits, targets };
}

function rowScale(logits: Float32Array, i: number, v: number, temperature: number): number {
  let s = 0;
  for (let j = 0; j < v; j++) {
    const z = Math.abs(logits[i * v + j]! / temperature);
    if (Number.isFinite(z) && z > s) s = z;
  }
  return s;
}

function close(got: number, want: number, tol: number): boolean {
  if (Number.isNaN(got) || Number.isNaN(want)) return false;
  if (got === want) return true;
  return Math.abs(got - want) <= tol;
}

function firstBad(got: ArrayLike<number>, want: ArrayLike<number>, tol: (k: number) => number): string | undefined {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let k = 0; k < got.length; k++) {
    if (!close(got[k]!, want[k]!, tol(k))) return `[${k}] got ${got[k]}, want ${want[k]} (tol ${tol(k)})`;
  }
  return undefined;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const cases: Case[] = [
  { n: 1, v: 1, temperature: 1, scale: 3, negInf: 0, ignored: 0 },
  { n: 5, v: 1, temperature: 0.7, scale: 3, negInf: 0, ignored: 0.2 },
  { n: 1, v: 7, temperature: 1, scale: 3, negInf: 0, ignored: 0 },
  { n: 9, v: 255, temperature: 1, scale: 5, negInf: 0.1, ignored: 0.2 },
  { n: 7, v: 257, temperature: 1.7, scale: 5, negInf: 0, ignored: 0, allNegInfRow: true },
  { n: 33, v: 1000, temperature: 0.6, scale: 8, negInf: 0.3, ignored: 0.25 },
  { n: 4, v: 4099, temperature: 1, scale: 1e4, negInf: 0, ignored: 0 },
  { n: 3, v: 513, temperature: 2.5, scale: 1e4, negInf: 0.5, ignored: 0 },
  { n: 2, v: 40000, temperature: 1, scale: 20, negInf: 0.01, ignored: 0 },
];

t.test('logprobs matches the float64 reference', async (t) => {
  cases.forEach((c, ci) => {
    const { logits, targets } = makeCase(c, 100 + ci);
    const got = logprobsSync({ data: logits, shape: [c.n, c.v] }, targets, { temperature: c.temperature, entropy: true });
    const want = referenceLogprobs(logits, c.n, c.v, targets, c.temperature);
    const tol = (i: number) => 2e-5 * (1 + rowScale(logits, i, c.v, c.temperature));
    const label = `N=${c.n} V=${c.v} T=${c.temperature} scale=${c.scale}`;
    t.equal(firstBad(got.logp, want.logp, tol), undefined, `${label}: logp`);
    t.equal(firstBad(got.lse, want.lse, tol), undefined, `${label}: lse`);
    t.equal(firstBad(got.entropy!, want.entropy, tol), undefined, `${label}: entropy`);
    for (let i = 0; i < c.n; i++) {
      if (targets[i] === -100) {
        t.ok(got.logp[i] === 0 && got.entropy![i] === 0 && got.lse[i] === 0, `${label}: ignored row ${i} is 0`);
      }
    }
  });
  const plain = logprobsSync({ data: new Float32Array([1, 2]), shape: [1, 2] }, new Int32Array([0]));
  t.equal(plain.entropy, undefined, 'entropy only when asked');
});

t.test('a row of all -inf gives lse -inf, logp -inf, entropy 0 and zero gradient', async (t) => {
  const logits = new Float32Array([-Infinity, -Infinity, -Infinity, 0, 1, 2]);
  const targets = new Int32Array([1, 2]);
  const r = logprobsSync({ data: logits, shape: [2, 3] }, targets, { entropy: true });
  t.equal(r.lse[0], -Infinity);
  t.equal(r.logp[0], -Infinity);
  t.equal(r.entropy![0], 0);
  const g = logprobsBackwardSync({ data: logits, shape: [2, 3] }, targets, r.lse, new Float32Array([1, 1]),
    { gradEntropy: new Float32Array([1, 1]) });
  t.same(Array.from(g.gradLogits.data.subarray(0, 3)), [0, 0, 0]);
  t.ok(Array.from(g.gradLogits.data).every(Number.isFinite), 'no NaN from -inf entries');
});

t.test('logprobsBackward matches the reference, with and without the entropy term, and in place', async (t) => {
  cases.forEach((c, ci) => {
    const { logits, targets } = makeCase(c, 200 + ci);
    const r = rng(300 + ci);
    const gradLogp = Float32Array.from({ length: c.n }, () => 2 * r() - 1);
    const gradEntropy = Float32Array.from({ length: c.n }, () => 2 * r() - 1);
    const f = logprobsSync({ data: logits, shape: [c.n, c.v] }, targets, { temperature: c.temperature });
    const label = `N=${c.n} V=${c.v} T=${c.temperature}`;
    for (const withEntropy of [false, true]) {
      const ge = withEntropy ? gradEntropy : undefined;
      const got = logprobsBackwardSync({ data: logits, shape: [c.n, c.v] }, targets, f.lse, gradLogp,
        { temperature: c.temperature, gradEntropy: ge });
      t.same(got.gradLogits.shape, [c.n, c.v]);
      const want = referenceLogprobsBackward(logits, c.n, c.v, targets, gradLogp, ge, c.temperature);
      // p = exp(z - lse) inherits the float32 spacing of z and lse (~1e-3 at 1e4) as a
      // relative error, and the entropy term multiplies it by log p: scale with the row.
      const tol = (k: number) => {
        const s = rowScale(logits, Math.floor(k / c.v), c.v, c.temperature);
        return 2e-5 * (1 + Math.abs(want[k]!)) + 1e-6 * s * (Math.abs(want[k]!) + (withEntropy ? 1 : 0));
      };
      t.equal(firstBad(got.gradLogits.data, want, tol), undefined, `${label} entropy=${withEntropy}: gradLogits`);
      const copy = logits.slice();
      const inPlace = logprobsBackwardSync({ data: copy, shape: [c.n, c.v] }, targets, f.lse, gradLogp,
        { temperature: c.temperature, gradEntropy: ge, inPlace: true });
      t.equal(inPlace.gradLogits.data, copy, `${label}: in place returns the logits buffer`);
      t.ok(sameBits(copy, got.gradLogits.data as Float32Array), `${label}: in place gives the same bits`);
    }
  });
});

// Central differences of the float64 reference forward: checks the op's gradient against
// the forward's math, independently of the backward formula.
function fdLoss(logits: ArrayLike<number>, n: number, v: number, targets: Int32Array, a: Float32Array,
  b: Float32Array, temperature: number): number {
  const f = referenceLogprobs(logits, n, v, targets, temperature);
  let loss = 0;
  for (let i = 0; i < n; i++) loss += a[i]! * f.logp[i]! + b[i]! * f.entropy[i]!;
  return loss;
}

t.test('logprobsBackward agrees with finite differences (logp and entropy terms)', async (t) => {
  const n = 3, v = 6, temperature = 0.8, h = 1e-6;
  const r = rng(7);
  const logits = Float32Array.from({ length: n * v }, () => 4 * r() - 2);
  logits[5] = -Infinity;
  const targets = new Int32Array([2, -100, 0]);
  const a = new Float32Array([0.7, 0.3, -1.1]);
  const b = new Float32Array([-0.4, 0.9, 0.6]);
  const f = logprobsSync({ data: logits, shape: [n, v] }, targets, { temperature });
  const g = logprobsBackwardSync({ data: logits, shape: [n, v] }, targets, f.lse, a, { temperature, gradEntropy: b });
  const x = Float64Array.from(logits);
  for (let k = 0; k < n * v; k++) {
    if (!Number.isFinite(x[k]!)) {
      t.equal(g.gradLogits.data[k], 0, `d/d x[${k}] of a -inf logit is 0`);
      continue;
    }
    const keep = x[k]!;
    x[k] = keep + h;
    const up = fdLoss(x, n, v, targets, a, b, temperature);
    x[k] = keep - h;
    const down = fdLoss(x, n, v, targets, a, b, temperature);
    x[k] = keep;
    const fd = (up - down) / (2 * h);
    t.ok(Math.abs(g.gradLogits.data[k]! - fd) <= 1e-5 + 1e-4 * Math.abs(fd), `d/d x[${k}]: op ${g.gradLogits.data[k]} fd ${fd}`);
  }
});

t.test('linearLogprobsBackward agrees with finite differences', async (t) => {
  const n = 3, dm = 4, v = 7, temperature = 1.3, h = 1e-6;
  const r = rng(11);
  const hidden = Float32Array.from({ length: n * dm }, () => 2 * r() - 1);
  const weight = Float32Array.from({ length: v * dm }, () => 2 * r() - 1);
  const targets = new Int32Array([6, 0, -100]);
  const a = new Float32Array([1.2, -0.5, 0.8]);
  const b = new Float32Array([0.3, 0.7, -0.2]);
  const f = linearLogprobsSync({ data: hidden, shape: [n, dm] }, { data: weight, shape: [v, dm] }, targets, { temperature });
  const g = linearLogprobsBackwardSync({ data: hidden, shape: [n, dm] }, { data: weight, shape: [v, dm] }, targets,
    f.lse, a, { temperature, gradEntropy: b });
  const H = Float64Array.from(hidden), W = Float64Array.from(weight);
  const loss = () => fdLoss(referenceLinearLogits(H, W, n, dm, v), n, v, targets, a, b, temperature);
  const check = (arr: Float64Array, got: Float32Array, name: string) => {
    for (let k = 0; k < arr.length; k++) {
      const keep = arr[k]!;
      arr[k] = keep + h;
      const up = loss();
      arr[k] = keep - h;
      const down = loss();
      arr[k] = keep;
      const fd = (up - down) / (2 * h);
      t.ok(Math.abs(got[k]! - fd) <= 1e-5 + 1e-4 * Math.abs(fd), `${name}[${k}]: op ${got[k]} fd ${fd}`);
    }
  };
  check(H, g.gradHidden.data as Float32Array, 'gradHidden');
  check(W, g.gradWeight.data as Float32Array, 'gradWeight');
  t.same(Array.from(g.gradHidden.data.subarray(2 * dm, 3 * dm)), [0, 0, 0, 0], 'ignored row: zero gradHidden');
});

const linearCases = [
  { n: 1, dm: 3, v: 1, temperature: 1 },
  { n: 1, dm: 17, v: 600, temperature: 0.5 },
  { n: 21, dm: 8, v: 1030, temperature: 1 },
  { n: 40, dm: 70, v: 257, temperature: 2 },
];

t.test('linearLogprobs and its backward match the float64 reference', async (t) => {
  linearCases.forEach((c, ci) => {
    const r = rng(400 + ci);
    const hidden = Float32Array.from({ length: c.n * c.dm }, () => 2 * r() - 1);
    const weight = Float32Array.from({ length: c.v * c.dm }, () => 2 * r() - 1);
    const targets = Int32Array.from({ length: c.n }, (_, i) => (i % 5 === 3 ? -100 : Math.floor(r() * c.v)));
    const gradLogp = Float32Array.from({ length: c.n }, () => 2 * r() - 1);
    const gradEntropy = Float32Array.from({ length: c.n }, () => 2 * r() - 1);
    const label = `N=${c.n} Dm=${c.dm} V=${c.v} T=${c.temperature}`;
    const got = linearLogprobsSync({ data: hidden, shape: [c.n, c.dm] }, { data: weight, shape: [c.v, c.dm] }, targets,
      { temperature: c.temperature, entropy: true });
    const logits64 = referenceLinearLogits(hidden, weight, c.n, c.dm, c.v);
    const want = referenceLogprobs(logits64, c.n, c.v, targets, c.temperature);
    const tol = () => 2e-5 * (1 + c.dm / c.temperature);
    t.equal(firstBad(got.logp, want.logp, tol), undefined, `${label}: logp`);
    t.equal(firstBad(got.entropy!, want.entropy, tol), undefined, `${label}: entropy`);
    t.equal(firstBad(got.lse, want.lse, tol), undefined, `${label}: lse`);
    const g = linearLogprobsBackwardSync({ data: hidden, shape: [c.n, c.dm] }, { data: weight, shape: [c.v, c.dm] }, targets,
      got.lse, gradLogp, { temperature: c.temperature, gradEntropy });
    const wantG = referenceLinearBackward(hidden, weight, c.n, c.dm, c.v, targets, gradLogp, gradEntropy, c.temperature);
    const gtol = () => 1e-4 * (1 + c.dm / c.temperature);
    t.same(g.gradHidden.shape, [c.n, c.dm]);
    t.same(g.gradWeight.shape, [c.v, c.dm]);
    t.equal(firstBad(g.gradHidden.data, wantG.gradHidden, gtol), undefined, `${label}: gradHidden`);
    t.equal(firstBad(g.gradWeight.data, wantG.gradWeight, gtol), undefined, `${label}: gradWeight`);
  });
});

t.test('batch invariance: a row gives the same bits alone, in any batch and with any thread count', async (t) => {
  const n = 37, v = 3001, temperature = 0.9;
  const { logits, targets } = makeCase({ n, v, temperature, scale: 6, negInf: 0.05, ignored: 0.1 }, 900);
  const gradLogp = Float32Array.from({ length: n }, (_, i) => (i % 3) - 1);
  const gradEntropy = Float32Array.from({ length: n }, (_, i) => 0.25 * (i % 4));
  const full = (threads: number) => {
    setThreads(threads);
    const f = logprobsSync({ data: logits, shape: [n, v] }, targets, { temperature, entropy: true });
    const g = logprobsBackwardSync({ data: logits, shape: [n, v] }, targets, f.lse, gradLogp, { temperature, gradEntropy });
    return { f, g: g.gradLogits.data as Float32Array };
  };
  try {
    const two = full(2), one = full(1), many = full(5);
    for (const [name, other] of [['1 thread', one], ['5 threads', many]] as const) {
      t.ok(sameBits(two.f.logp, other.f.logp) && sameBits(two.f.entropy!, other.f.entropy!) && sameBits(two.f.lse, other.f.lse),
        `forward bits equal with ${name}`);
      t.ok(sameBits(two.g, other.g), `backward bits equal with ${name}`);
    }
    setThreads(2);
    for (const i of [0, 5, 18, 36]) {
      const row = logits.slice(i * v, (i + 1) * v);
      const ti = targets.subarray(i, i + 1);
      const alone = logprobsSync({ data: row, shape: [1, v] }, ti, { temperature, entropy: true });
      t.ok(alone.logp[0] === two.f.logp[i] || (Number.isNaN(alone.logp[0]!) && Number.isNaN(two.f.logp[i]!)), `row ${i}: logp`);
      t.ok(Object.is(alone.entropy![0], two.f.entropy![i]) && Object.is(alone.lse[0], two.f.lse[i]), `row ${i}: entropy, lse`);
      const g = logprobsBackwardSync({ data: row, shape: [1, v] }, ti, alone.lse, gradLogp.subarray(i, i + 1),
        { temperature, gradEntropy: gradEntropy.subarray(i, i + 1) });
      t.ok(sameBits(g.gradLogits.data as Float32Array, two.g.subarray(i * v, (i + 1) * v)), `row ${i}: gradient`);
    }
    // Fused path: rows alone vs in a batch spanning several row tiles, 1 vs 2 threads.
    const N = 40, dm = 24, V = 1100;
    const r = rng(901);
    const hidden = Float32Array.from({ length: N * dm }, () => 2 * r() - 1);
    const weight = Float32Array.from({ length: V * dm }, () => 2 * r() - 1);
    const tg = Int32Array.from({ length: N }, (_, i) => (i * 37) % V);
    const gl = Float32Array.from({ length: N }, (_, i) => 1 - (i % 2));
    const W = { data: weight, shape: [V, dm] };
    const batch = linearLogprobsSync({ data: hidden, shape: [N, dm] }, W, tg, { entropy: true });
    const gb = linearLogprobsBackwardSync({ data: hidden, shape: [N, dm] }, W, tg, batch.lse, gl);
    setThreads(1);
    const batch1 = linearLogprobsSync({ data: hidden, shape: [N, dm] }, W, tg, { entropy: true });
    const gb1 = linearLogprobsBackwardSync({ data: hidden, shape: [N, dm] }, W, tg, batch.lse, gl);
    setThreads(2);
    t.ok(sameBits(batch.logp, batch1.logp) && sameBits(batch.entropy!, batch1.entropy!), 'fused forward: 1 vs 2 threads');
    t.ok(sameBits(gb.gradHidden.data as Float32Array, gb1.gradHidden.data as Float32Array) &&
      sameBits(gb.gradWeight.data as Float32Array, gb1.gradWeight.data as Float32Array), 'fused backward: 1 vs 2 threads');
    for (const i of [0, 17, 39]) {
      const h = { data: hidden.slice(i * dm, (i + 1) * dm), shape: [1, dm] };
      const alone = linearLogprobsSync(h, W, tg.subarray(i, i + 1), { entropy: true });
      t.ok(Object.is(alone.logp[0], batch.logp[i]) && Object.is(alone.entropy![0], batch.entropy![i]), `fused row ${i} alone`);
      const ga = linearLogprobsBackwardSync(h, W, tg.subarray(i, i + 1), alone.lse, gl.subarray(i, i + 1));
      t.ok(sameBits(ga.gradHidden.data as Float32Array, (gb.gradHidden.data as Float32Array).subarray(i * dm, (i + 1) * dm)),
        `fused row ${i}: gradHidden alone`);
    }
  } finally {
    setThreads(0);
  }
});

function expectTxError(t: Pick<typeof tap, 'ok' | 'fail' | 'equal' | 'match'>, fn: () => unknown, code: string, names: string, label: string): void {
  try {
    fn();
    t.fail(`${label}: did not throw`);
  } catch (e) {
    t.ok(e instanceof TxError, `${label}: a TxError`);
    t.equal((e as TxError).code, code, `${label}: code`);
    t.match((e as Error).message, names, `${label}: message names ${names}`);
  }
}

t.test('bad inputs throw TxError naming the argument', async (t) => {
  const logits = { data: new Float32Array(6), shape: [2, 3] };
  const targets = new Int32Array([0, 2]);
  const lse = new Float32Array(2), gl = new Float32Array(2);
  expectTxError(t, () => logprobsSync(logits, new Int32Array([0, 3])), 'E_RANGE', 'targets[1] = 3', 'target = V');
  expectTxError(t, () => logprobsSync(logits, new Int32Array([-1, 0])), 'E_RANGE', 'targets[0]', 'negative target');
  expectTxError(t, () => logprobsSync(logits, targets, { temperature: 0 }), 'E_RANGE', 'opts.temperature', 'T = 0');
  expectTxError(t, () => logprobsSync(logits, targets, { temperature: -1 }), 'E_RANGE', 'opts.temperature', 'T < 0');
  expectTxError(t, () => logprobsSync(logits, targets, { temperature: NaN }), 'E_RANGE', 'opts.temperature', 'T NaN');
  expectTxError(t, () => logprobsSync(logits, targets, { temperature: Infinity }), 'E_RANGE', 'opts.temperature', 'T inf');
  expectTxError(t, () => logprobsSync({ data: new Float32Array(5), shape: [2, 3] }, targets), 'E_SHAPE', 'logits', 'data/shape mismatch');
  expectTxError(t, () => logprobsSync({ data: new Float32Array(6), shape: [6] }, targets), 'E_SHAPE', 'logits.shape', '1-D logits');
  expectTxError(t, () => logprobsSync(logits, new Int32Array(3)), 'E_SHAPE', 'targets', 'targets length');
  expectTxError(t, () => logprobsSync(logits, new Float32Array(2) as unknown as Int32Array), 'E_DTYPE', 'targets', 'targets dtype');
  expectTxError(t, () => logprobsSync({ data: new Uint16Array(6), shape: [2, 3] }, targets), 'E_DTYPE', 'logits', 'bf16 on CPU');
  expectTxError(t, () => logprobsSync({ data: new Float64Array(6) as unknown as Float32Array, shape: [2, 3] }, targets),
    'E_DTYPE', 'logits', 'Float64Array logits');
  expectTxError(t, () => logprobsSync(logits, targets, { ignoreIndex: 0.5 }), 'E_RANGE', 'opts.ignoreIndex', 'fractional ignoreIndex');
  expectTxError(t, () => logprobsBackwardSync(logits, targets, new Float32Array(3), gl), 'E_SHAPE', 'lse', 'lse length');
  expectTxError(t, () => logprobsBackwardSync(logits, targets, lse, new Float32Array(1)), 'E_SHAPE', 'gradLogp', 'gradLogp length');
  expectTxError(t, () => logprobsBackwardSync(logits, targets, lse, gl, { gradEntropy: new Float32Array(4) }), 'E_SHAPE',
    'opts.gradEntropy', 'gradEntropy length');
  expectTxError(t, () => logprobsBackwardSync(logits, new Int32Array([5, 0]), lse, gl), 'E_RANGE', 'targets[0]', 'backward target');
  const hidden = { data: new Float32Array(8), shape: [2, 4] };
  expectTxError(t, () => linearLogprobsSync(hidden, { data: new Float32Array(15), shape: [5, 3] }, targets), 'E_SHAPE',
    'weight', 'Dm mismatch');
  expectTxError(t, () => linearLogprobsSync(hidden, { data: new Float32Array(12), shape: [3, 4] }, new Int32Array([0, 3])),
    'E_RANGE', 'targets[1]', 'fused target = V');
  expectTxError(t, () => linearLogprobsSync(hidden, { data: new Float32Array(12), shape: [3, 4] }, targets, { temperature: NaN }),
    'E_RANGE', 'opts.temperature', 'fused T NaN');
  expectTxError(t, () => linearLogprobsBackwardSync(hidden, { data: new Float32Array(12), shape: [3, 4] }, targets,
    new Float32Array(1), gl), 'E_SHAPE', 'lse', 'fused lse length');
  await t.rejects(logprobs(logits, new Int32Array([0, 9])), { code: 'E_RANGE' }, 'async form rejects with the code');
});

t.test('async forms give the sync results', async (t) => {
  const c = { n: 6, v: 300, temperature: 1.2, scale: 4, negInf: 0.1, ignored: 0.2 };
  const { logits, targets } = makeCase(c, 55);
  const L = { data: logits, shape: [c.n, c.v] };
  const gl = Float32Array.from({ length: c.n }, (_, i) => i - 2);
  const s = logprobsSync(L, targets, { temperature: c.temperature, entropy: true });
  const a = await logprobs(L, targets, { temperature: c.temperature, entropy: true });
  t.ok(sameBits(s.logp, a.logp) && sameBits(s.entropy!, a.entropy!) && sameBits(s.lse, a.lse), 'logprobs');
  const gs = logprobsBackwardSync(L, targets, s.lse, gl, { temperature: c.temperature });
  const ga = await logprobsBackward(L, targets, s.lse, gl, { temperature: c.temperature });
  t.ok(sameBits(gs.gradLogits.data as Float32Array, ga.gradLogits.data as Float32Array), 'logprobsBackward');
  const H = { data: logits.subarray(0, 6 * 20), shape: [6, 20] };
  const W = { data: logits.subarray(0, 15 * 20).map((x) => (Number.isFinite(x) ? x / 10 : 0)), shape: [15, 20] };
  const tg = Int32Array.from(targets, (x) => (x === -100 ? x : x % 15));
  const hs = linearLogprobsSync(H, W, tg);
  const ha = await linearLogprobs(H, W, tg);
  t.ok(sameBits(hs.logp, ha.logp), 'linearLogprobs');
  const bs = linearLogprobsBackwardSync(H, W, tg, hs.lse, gl);
  const ba = await linearLogprobsBackward(H, W, tg, hs.lse, gl);
  t.ok(sameBits(bs.gradWeight.data as Float32Array, ba.gradWeight.data as Float32Array), 'linearLogprobsBackward');
});

const cudaUsable = devices().cuda.usable;

t.test('CUDA matches the CPU (f32 and bf16 logits, fused path)', { skip: cudaUsable ? false : 'no CUDA device' }, async (t) => {
  const c = { n: 19, v: 5003, temperature: 0.8, scale: 6, negInf: 0.05, ignored: 0.2 };
  const { logits, targets } = makeCase(c, 77);
  const gl = Float32Array.from({ length: c.n }, (_, i) => (i % 3) - 1);
  const ge = Float32Array.from({ length: c.n }, (_, i) => 0.5 - (i % 2));
  const cpu = logprobsSync({ data: logits, shape: [c.n, c.v] }, targets, { temperature: c.temperature, entropy: true });
  const cpuG = logprobsBackwardSync({ data: logits, shape: [c.n, c.v] }, targets, cpu.lse, gl, { temperature: c.temperature, gradEntropy: ge });
  const dl = DeviceTensor.fromHost({ data: logits, shape: [c.n, c.v] });
  const out = await logprobs(dl, targets, { temperature: c.temperature, entropy: true });
  const logp = (await out.logp.toHost()).data as Float32Array;
  t.equal(firstBad(logp, cpu.logp, () => 1e-4), undefined, 'f32 logp');
  const dgl = DeviceTensor.fromHost({ data: gl, shape: [c.n] });
  const dge = DeviceTensor.fromHost({ data: ge, shape: [c.n] });
  const g = await logprobsBackward(dl, targets, out.lse, dgl, { temperature: c.temperature, gradEntropy: dge, inPlace: true });
  t.equal(g.gradLogits, dl, 'in place returns the logits tensor');
  t.equal(firstBad((await g.gradLogits.toHost()).data as Float32Array, cpuG.gradLogits.data, () => 1e-4), undefined, 'f32 gradient');
  // bf16: round the logits to bf16 on the host and compare with the CPU on the rounded values.
  const bits = new Uint16Array(logits.length);
  const rounded = new Float32Array(logits.length);
  const u32 = new Uint32Array(rounded.buffer);
  logits.forEach((x, k) => {
    const f = new Float32Array([x]);
    const u = new Uint32Array(f.buffer)[0]!;
    bits[k] = Number.isFinite(x) ? (u + 0x7fff + ((u >>> 16) & 1)) >>> 16 : u >>> 16;
    u32[k] = bits[k]! << 16;
  });
  const cpuB = logprobsSync({ data: rounded, shape: [c.n, c.v] }, targets, { temperature: c.temperature, entropy: true });
  const db = DeviceTensor.fromHost({ data: bits, shape: [c.n, c.v], dtype: 'bf16' });
  const outB = await logprobs(db, targets, { temperature: c.temperature, entropy: true });
  t.equal(firstBad((await outB.logp.toHost()).data as Float32Array, cpuB.logp, () => 1e-3), undefined, 'bf16 logp');
  const N = 9, dm = 32, V = 700;
  const r = rng(5);
  const hidden = Float32Array.from({ length: N * dm }, () => 2 * r() - 1);
  const weight = Float32Array.from({ length: V * dm }, () => 2 * r() - 1);
  const tg = Int32Array.from({ length: N }, (_, i) => (i * 71) % V);
  const cpuL = linearLogprobsSync({ data: hidden, shape: [N, dm] }, { data: weight, shape: [V, dm] }, tg);
  const dh = DeviceTensor.fromHost({ data: hidden, shape: [N, dm] });
  const dw = DeviceTensor.fromHost({ data: weight, shape: [V, dm] });
  const gpuL = await linearLogprobs(dh, dw, tg);
  t.equal(firstBad((await gpuL.logp.toHost()).data as Float32Array, cpuL.logp, () => 1e-4), undefined, 'fused logp');
  for (const d of [dl, dgl, dge, db, dh, dw]) d.dispose();
});

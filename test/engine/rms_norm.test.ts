// rmsNorm against the float64 reference, finite-difference gradients, batch invariance,
// thread-count independence of gradWeight, bad inputs.
import t from 'tap';

import { rmsNorm, rmsNormBackward, rmsNormBackwardSync, rmsNormSync, setThreads } from '../../lib/index.js';
import { firstMismatch } from '../helpers/compare.js';
import { expectTxError } from '../helpers/expect-error.js';
import { centralDiff, dot } from '../helpers/finite-diff.js';
import { rng } from '../helpers/random.js';
import { referenceRmsNorm, referenceRmsNormBackward } from '../reference/rms_norm.js';

const rand = (seed: number, n: number, lo = -1, hi = 1) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(lo + r() * (hi - lo)));
};

t.test('forward and backward match the float64 reference', async (t) => {
  for (const [rows, dim] of [[1, 1], [3, 7], [130, 128], [70, 33], [5, 896]] as const) {
    const x = rand(rows + dim, rows * dim), w = rand(dim, dim, 0.5, 1.5), g = rand(rows * 3 + dim, rows * dim);
    const want = referenceRmsNorm(x, w, rows, dim);
    const got = rmsNormSync(x, w, rows, dim);
    t.equal(firstMismatch(got.out, want.out, 1e-5, 1e-6), undefined, `out ${rows}x${dim}`);
    t.equal(firstMismatch(got.rstd, want.rstd, 1e-5, 1e-6), undefined, `rstd ${rows}x${dim}`);
    const wantG = referenceRmsNormBackward(x, w, g, rows, dim);
    const gotG = rmsNormBackwardSync(x, w, got.rstd, g, rows, dim);
    t.equal(firstMismatch(gotG.gradX, wantG.gradX, 1e-4, 1e-5), undefined, `gradX ${rows}x${dim}`);
    t.equal(firstMismatch(gotG.gradWeight, wantG.gradWeight, 1e-4, 1e-4), undefined, `gradWeight ${rows}x${dim}`);
  }
});

t.test('gradients match central differences of the float64 forward', async (t) => {
  const rows = 4, dim = 12;
  const x = rand(1, rows * dim), w = rand(2, dim, 0.5, 1.5), g = rand(3, rows * dim);
  const { rstd } = rmsNormSync(x, w, rows, dim);
  const got = rmsNormBackwardSync(x, w, rstd, g, rows, dim);
  const idx = [0, 5, 13, 47];
  const fdX = centralDiff((xs) => dot(referenceRmsNorm(xs, w, rows, dim).out, g), x, idx);
  const fdW = centralDiff((ws) => dot(referenceRmsNorm(x, ws, rows, dim).out, g), w, [0, 3, 11]);
  t.equal(firstMismatch(idx.map((i) => got.gradX[i]!), fdX, 1e-3, 1e-4), undefined, 'gradX');
  t.equal(firstMismatch([0, 3, 11].map((i) => got.gradWeight[i]!), fdW, 1e-3, 1e-4), undefined, 'gradWeight');
});

t.test('rows are batch invariant; gradWeight is the same for any thread count; async equals sync', async (t) => {
  const rows = 300, dim = 96;
  const x = rand(9, rows * dim), w = rand(8, dim), g = rand(7, rows * dim);
  const all = rmsNormSync(x, w, rows, dim);
  const one = rmsNormSync(x.slice(77 * dim, 78 * dim), w, 1, dim);
  t.same([...one.out], [...all.out.subarray(77 * dim, 78 * dim)], 'row 77 alone == row 77 in the batch, bitwise');
  setThreads(1);
  const g1 = rmsNormBackwardSync(x, w, all.rstd, g, rows, dim);
  setThreads(2);
  const g2 = rmsNormBackwardSync(x, w, all.rstd, g, rows, dim);
  setThreads(0);
  t.same([...g1.gradWeight], [...g2.gradWeight], 'gradWeight bitwise across thread counts');
  t.same([...g1.gradX], [...g2.gradX]);
  const a = await rmsNorm(x, w, rows, dim);
  t.same([...a.out], [...all.out]);
  const ag = await rmsNormBackward(x, w, all.rstd, g, rows, dim);
  t.same([...ag.gradWeight], [...g2.gradWeight]);
});

t.test('bad inputs give a TxError naming the argument', async (t) => {
  const x = new Float32Array(6), w = new Float32Array(3);
  expectTxError(t, () => rmsNormSync(new Float32Array(5), w, 2, 3), 'E_SHAPE', 'x', 'x too short');
  expectTxError(t, () => rmsNormSync(x, new Float32Array(2), 2, 3), 'E_SHAPE', 'weight', 'weight wrong');
  expectTxError(t, () => rmsNormSync(x, w, 2, 0), 'E_RANGE', 'dim', 'dim 0');
  expectTxError(t, () => rmsNormSync(x, w, -1, 3), 'E_RANGE', 'rows', 'negative rows');
  expectTxError(t, () => rmsNormSync(x, w, 2, 3, { eps: 0 }), 'E_RANGE', 'opts.eps', 'eps 0');
  expectTxError(t, () => rmsNormSync(new Float64Array(6) as unknown as Float32Array, w, 2, 3), 'E_DTYPE', 'x', 'f64');
  expectTxError(t, () => rmsNormBackwardSync(x, w, new Float32Array(1), x, 2, 3), 'E_SHAPE', 'rstd', 'rstd wrong');
  expectTxError(t, () => rmsNormBackwardSync(x, w, new Float32Array(2), new Float32Array(7), 2, 3), 'E_SHAPE', 'gradOut', 'gradOut wrong');
});

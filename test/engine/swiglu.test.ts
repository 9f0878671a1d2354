// swiglu against the float64 reference, finite-difference gradients, bad inputs.
import t from 'tap';

import { swiglu, swigluBackwardSync, swigluSync } from '../../lib/index.js';
import { firstMismatch } from '../helpers/compare.js';
import { expectTxError } from '../helpers/expect-error.js';
import { centralDiff, dot } from '../helpers/finite-diff.js';
import { rng } from '../helpers/random.js';
import { referenceSwiglu, referenceSwigluBackward } from '../reference/swiglu.js';

const rand = (seed: number, n: number, scale = 4) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround((r() * 2 - 1) * scale));
};

t.test('forward and backward match the float64 reference', async (t) => {
  for (const n of [1, 17, 100000]) {
    const gate = rand(n, n, 12), up = rand(n + 1, n), g = rand(n + 2, n);
    t.equal(firstMismatch(swigluSync(gate, up), referenceSwiglu(gate, up), 1e-5, 1e-6), undefined, `out n=${n}`);
    const want = referenceSwigluBackward(gate, up, g), got = swigluBackwardSync(gate, up, g);
    t.equal(firstMismatch(got.gradGate, want.gradGate, 1e-5, 1e-6), undefined, `gradGate n=${n}`);
    t.equal(firstMismatch(got.gradUp, want.gradUp, 1e-5, 1e-6), undefined, `gradUp n=${n}`);
  }
  const gate = rand(3, 50), up = rand(4, 50);
  t.same([...(await swiglu(gate, up))], [...swigluSync(gate, up)], 'async == sync');
});

t.test('gradients match central differences of the float64 forward', async (t) => {
  const gate = rand(1, 20), up = rand(2, 20), g = rand(3, 20);
  const got = swigluBackwardSync(gate, up, g), idx = [0, 7, 19];
  const fdG = centralDiff((xs) => dot(referenceSwiglu(xs, up), g), gate, idx);
  const fdU = centralDiff((us) => dot(referenceSwiglu(gate, us), g), up, idx);
  t.equal(firstMismatch(idx.map((i) => got.gradGate[i]!), fdG, 1e-4, 1e-5), undefined, 'gradGate');
  t.equal(firstMismatch(idx.map((i) => got.gradUp[i]!), fdU, 1e-4, 1e-5), undefined, 'gradUp');
});

t.test('bad inputs give a TxError naming the argument', async (t) => {
  const a = new Float32Array(4);
  expectTxError(t, () => swigluSync(a, new Float32Array(3)), 'E_SHAPE', 'up', 'up length');
  expectTxError(t, () => swigluSync(new Int32Array(4) as unknown as Float32Array, a), 'E_DTYPE', 'gate', 'int gate');
  expectTxError(t, () => swigluBackwardSync(a, a, new Float32Array(5)), 'E_SHAPE', 'gradOut', 'gradOut length');
});

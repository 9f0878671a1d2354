// residualAdd: out = a + b (exact in f32), backward is the identity into both inputs.
import t from 'tap';

import { residualAdd, residualAddBackwardSync, residualAddSync } from '../../lib/index.js';
import { expectTxError } from '../helpers/expect-error.js';
import { centralDiff, dot } from '../helpers/finite-diff.js';

t.test('adds, and its gradient is the identity', async (t) => {
  const a = Float32Array.from({ length: 70000 }, (_, i) => Math.sin(i)), b = Float32Array.from({ length: 70000 }, (_, i) => Math.cos(i));
  const out = residualAddSync(a, b);
  t.ok(out.every((v, i) => v === Math.fround(a[i]! + b[i]!)), 'out = fl(a + b)');
  t.same([...(await residualAdd(a, b))], [...out]);
  const g = Float32Array.from([0.5, -2, 3]), x = [1, 2, 3];
  const fd = centralDiff((xs) => dot(Float64Array.from(xs, (v, i) => v + x[i]!), g), x, [0, 1, 2]);
  const { gradA, gradB } = residualAddBackwardSync(g);
  t.same([...gradA], [...fd].map(Math.fround));
  t.same([...gradB], [...g]);
  expectTxError(t, () => residualAddSync(a, new Float32Array(3)), 'E_SHAPE', 'b', 'length mismatch');
});

// rope against the float64 reference (theta 1e4 and 1e6, packed positions restarting at 0),
// backward = inverse rotation checked by finite differences, bad inputs.
import t from 'tap';

import { rope, ropeBackwardSync, ropeSync } from '../../lib/index.js';
import { firstMismatch } from '../helpers/compare.js';
import { expectTxError } from '../helpers/expect-error.js';
import { centralDiff, dot } from '../helpers/finite-diff.js';
import { rng } from '../helpers/random.js';
import { referenceRope } from '../reference/rope.js';

const rand = (seed: number, n: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(r() * 2 - 1));
};

t.test('matches the float64 reference (Qwen2 rotate-half), both thetas, packed positions', async (t) => {
  // Two packed sequences of 5 and 4 tokens: positions restart at 0; plus a long position.
  const positions = Int32Array.from([0, 1, 2, 3, 4, 0, 1, 2, 3, 4095]);
  const tokens = positions.length;
  for (const theta of [1e4, 1e6]) {
    for (const [heads, headDim] of [[2, 8], [3, 64], [1, 2]] as const) {
      const x = rand(heads * headDim, tokens * heads * headDim);
      const want = referenceRope(x, positions, tokens, heads, headDim, theta);
      const got = ropeSync(x, positions, { tokens, heads, headDim }, { theta });
      t.equal(firstMismatch(got, want, 1e-5, 1e-6), undefined, `theta ${theta} H=${heads} D=${headDim}`);
    }
  }
  const x = rand(5, 2 * 16);
  t.same([...ropeSync(x, Int32Array.from([0, 0]), { tokens: 2, heads: 1, headDim: 16 })], [...x], 'position 0 is the identity');
  t.same([...(await rope(x, Int32Array.from([3, 7]), { tokens: 2, heads: 1, headDim: 16 }))],
    [...ropeSync(x, Int32Array.from([3, 7]), { tokens: 2, heads: 1, headDim: 16 })], 'async == sync');
});

t.test('backward: central differences of the float64 forward; inverse undoes forward', async (t) => {
  const positions = Int32Array.from([0, 5, 1, 17]), tokens = 4, heads = 2, headDim = 6;
  const x = rand(1, tokens * heads * headDim), g = rand(2, x.length);
  const got = ropeBackwardSync(g, positions, { tokens, heads, headDim }, { theta: 1e6 });
  const idx = [0, 4, 13, 30, 47];
  const fd = centralDiff((xs) => dot(referenceRope(xs, positions, tokens, heads, headDim, 1e6), g), x, idx);
  t.equal(firstMismatch(idx.map((i) => got[i]!), fd, 1e-4, 1e-5), undefined);
  const back = ropeBackwardSync(ropeSync(x, positions, { tokens, heads, headDim }), positions, { tokens, heads, headDim });
  t.equal(firstMismatch(back, x, 1e-5, 1e-6), undefined, 'R^T R x = x');
});

t.test('bad inputs give a TxError naming the argument', async (t) => {
  const x = new Float32Array(8), pos = new Int32Array(2), s = { tokens: 2, heads: 1, headDim: 4 };
  expectTxError(t, () => ropeSync(x, pos, { ...s, headDim: 3 }), 'E_RANGE', 'headDim', 'odd headDim');
  expectTxError(t, () => ropeSync(new Float32Array(7), pos, s), 'E_SHAPE', 'x', 'x too short');
  expectTxError(t, () => ropeSync(x, new Int32Array(3), s), 'E_SHAPE', 'positions', 'positions length');
  expectTxError(t, () => ropeSync(x, Int32Array.from([0, -1]), s), 'E_RANGE', 'positions[1]', 'negative position');
  expectTxError(t, () => ropeSync(x, pos, s, { theta: 1 }), 'E_RANGE', 'opts.theta', 'theta 1');
  expectTxError(t, () => ropeSync(x, new Float32Array(2) as unknown as Int32Array, s), 'E_DTYPE', 'positions', 'float positions');
  expectTxError(t, () => ropeBackwardSync(new Float32Array(9), pos, s), 'E_SHAPE', 'gradOut', 'gradOut length');
});

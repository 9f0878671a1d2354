import t from 'tap';

import { decayGamma, learningRate, resolveTrainConfig } from '../../lib/rl/index.js';

t.test('constant', async (t) => {
  const c = resolveTrainConfig('grpo', { lr: 3e-4, steps: 10 });
  t.same([0, 5, 9].map((s) => learningRate(c, s)), [3e-4, 3e-4, 3e-4]);
});

t.test('exponential: lr0 * gamma^t, reaching lr0/10 at the last step by default', async (t) => {
  const c = resolveTrainConfig('toolexpander', { lr: 1e-3, steps: 11 });
  const g = decayGamma(c);
  t.ok(Math.abs(g - 0.1 ** (1 / 10)) < 1e-15, `gamma ${g}`);
  t.equal(learningRate(c, 0), 1e-3);
  t.ok(Math.abs(learningRate(c, 10) - 1e-4) < 1e-15, 'lr0/10 at the last step');
  t.ok(Math.abs(learningRate(c, 5) - 1e-3 * Math.sqrt(0.1)) < 1e-15, 'geometric midpoint');
  for (let s = 1; s < 11; s++) t.ok(Math.abs(learningRate(c, s) / learningRate(c, s - 1) - g) < 1e-12);
  const fixed = resolveTrainConfig('toolexpander', { lr: 1, steps: 5, lrGamma: 0.5 });
  t.same([0, 1, 2, 3].map((s) => learningRate(fixed, s)), [1, 0.5, 0.25, 0.125], 'explicit gamma');
  const ratio = resolveTrainConfig('toolexpander', { lr: 1, steps: 3, lrFinalRatio: 0.25 });
  t.equal(learningRate(ratio, 2), 0.25);
  t.equal(decayGamma({ steps: 1, lrGamma: null, lrFinalRatio: 0.1 }), 1, 'one step: no decay');
});

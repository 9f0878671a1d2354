// Full-model finite-difference gradient check (central differences of the f32 forward in
// float64 loss arithmetic) on a tiny config, for SFT and GRPO, tied and untied lm_head.
import t from 'tap';

import { TinyPolicy } from '../../lib/model/index.js';
import { rng } from '../helpers/random.js';
import { meanNegLogp, randomBatch, tiny } from './tiny-policy-helpers.js';

// Larger weights than the 0.02 init so that every gradient is well above f32 noise.
async function model(tie: boolean) {
  const p = await TinyPolicy.create(tiny({ tie_word_embeddings: tie }), { seed: 3 });
  const r = rng(11);
  const params = p.state().params.map((v) => (v === 1 ? 1 + 0.2 * (r() - 0.5) : 0.4 * (r() * 2 - 1)));
  p.setParams(params);
  return { p, params };
}

for (const tie of [true, false]) {
  t.test(`SFT gradient matches central differences (tie_word_embeddings=${tie})`, async (t) => {
    const { p, params } = await model(tie);
    const batch = randomBatch(5, [7, 5, 9], 13);
    const { grads } = await p.gradients(batch);
    const loss = (x: Float32Array) => {
      p.setParams(x);
      return meanNegLogp(p.forwardLogprobsSync(batch).logp, batch.mask);
    };
    const names = p.parameters();
    const layout = [...names.keys()];
    const r = rng(7);
    let offset = 0, checked = 0, worst = 0;
    const offsets = new Map<string, number>();
    for (const name of layout) offsets.set(name, offset), (offset += names.get(name)!.length);
    for (const name of layout) {
      const n = names.get(name)!.length;
      for (let k = 0; k < 2; k++) {
        const i = offsets.get(name)! + Math.floor(r() * n);
        const h = 1e-2, x = params.slice();
        x[i] = params[i]! + h;
        const fp = loss(x);
        x[i] = params[i]! - h;
        const fm = loss(x);
        const fd = (fp - fm) / (2 * h), g = grads[i]!;
        const err = Math.abs(fd - g) / (1e-3 + Math.abs(fd));
        worst = Math.max(worst, err);
        t.ok(Math.abs(fd - g) <= 2e-3 + 0.03 * Math.abs(fd), `${name}[${i - offsets.get(name)!}]: analytic ${g.toExponential(4)} vs fd ${fd.toExponential(4)}`);
        checked++;
      }
    }
    t.ok(checked >= 2 * layout.length, `${checked} parameters checked, worst relative error ${worst.toExponential(2)}`);
    p.dispose();
  });
}

t.test('GRPO gradient matches central differences of the grpo loss', async (t) => {
  const { p, params } = await model(true);
  const b = randomBatch(9, [6, 8], 13);
  const r = rng(2);
  const old = p.forwardLogprobsSync(b).logp.map((v, i) => (b.mask[i] ? v + 0.05 * (r() - 0.5) : 0));
  const advantages = Float32Array.from(b.tokens, (_, i) => (i < 6 ? 1 : -0.7));
  const batch = { ...b, oldLogp: old, advantages };
  const cfg = { clipLow: 0.9, clipHigh: 5 };  // no clipping: the loss is smooth at this point
  const { grads } = await p.gradients(batch, cfg);
  // token-mean of -A * exp(logp - old)
  const loss = (x: Float32Array) => {
    p.setParams(x);
    const lp = p.forwardLogprobsSync(b).logp;
    let s = 0, n = 0;
    for (let i = 0; i < lp.length; i++) if (b.mask[i]) (s -= advantages[i]! * Math.exp(lp[i]! - old[i]!)), n++;
    return s / n;
  };
  for (const i of [0, 40, 300, 777, params.length - 5]) {
    const h = 1e-2, x = params.slice();
    x[i] = params[i]! + h;
    const fp = loss(x);
    x[i] = params[i]! - h;
    const fm = loss(x);
    const fd = (fp - fm) / (2 * h);
    t.ok(Math.abs(fd - grads[i]!) <= 2e-3 + 0.03 * Math.abs(fd), `param ${i}: analytic ${grads[i]!.toExponential(4)} vs fd ${fd.toExponential(4)}`);
  }
  p.dispose();
});

// Learning: overfitting one small batch cuts the loss 10x; SFT on a toy copy task learns
// to copy unseen sequences (greedy generation).
import t from 'tap';

import { TinyPolicy } from '../../lib/model/index.js';
import { rng } from '../helpers/random.js';
import { randomBatch, tiny } from './tiny-policy-helpers.js';

t.test('overfits one small batch: loss falls by 10x', async (t) => {
  const p = await TinyPolicy.create(tiny({ vocab_size: 32, hidden_size: 32, intermediate_size: 64 }), { seed: 2 });
  const batch = randomBatch(8, [16, 16, 12, 16], 32);
  let first = 0, last = 0, steps = 0;
  for (; steps < 400; steps++) {
    const s = await p.sftStep(batch, 1e-2);
    if (steps === 0) first = s.loss;
    last = s.loss;
    if (last < first / 10) break;
  }
  t.ok(last < first / 10, `loss ${first.toFixed(3)} -> ${last.toFixed(4)} after ${steps + 1} steps`);
  p.dispose();
});

// Sequences BOS x1..xk SEP x1..xk EOS over symbols 3..V-1; trained on the copy (after SEP).
const BOS = 0, SEP = 1, EOS = 2, V = 16, K = 4;
function example(r: () => number): Int32Array {
  const xs = Array.from({ length: K }, () => 3 + Math.floor(r() * (V - 3)));
  return Int32Array.from([BOS, ...xs, SEP, ...xs, EOS]);
}

t.test('SFT learns a toy copy task (exact match on unseen sequences)', async (t) => {
  const p = await TinyPolicy.create(tiny({ vocab_size: V, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 }), { seed: 3 });
  p.optimizer = { maxGradNorm: 1 };
  const r = rng(1);
  const B = 32, L = 2 * K + 3;
  let loss = 0;
  for (let step = 0; step < 600; step++) {
    const tokens = new Int32Array(B * L), mask = new Uint8Array(B * L), cu = Int32Array.from({ length: B + 1 }, (_, i) => i * L);
    for (let b = 0; b < B; b++) {
      tokens.set(example(r), b * L);
      mask.fill(1, b * L + K + 2, (b + 1) * L);
    }
    loss = (await p.sftStep({ tokens, cuSeqlens: cu, mask }, 3e-3)).loss;
    if (step > 100 && loss < 0.01) break;
  }
  const test = rng(999);
  const prompts = Array.from({ length: 50 }, () => example(test).subarray(0, K + 2));
  const out = await p.generateTokens(prompts, { n: 1, maxTokens: K + 1, seed: 0, temperature: 0 }, [EOS]);
  const exact = out.filter((s, i) => s[0]!.tokens.join() === [...prompts[i]!.subarray(1, K + 1), EOS].join()).length;
  t.ok(exact >= 45, `exact copies ${exact}/50 (final train loss ${loss.toFixed(4)})`);
  p.dispose();
});

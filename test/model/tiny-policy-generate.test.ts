// generate's rollout log-probs equal forwardLogprobs on the same tokens bit for bit; a
// fixed seed gives identical rollouts, and identical weights after N training steps.
import t from 'tap';

import { TinyPolicy } from '../../lib/model/index.js';
import { randomBatch, sameBits, tiny } from './tiny-policy-helpers.js';

const prompts = [Int32Array.from([1, 2, 3]), Int32Array.from([4]), Int32Array.from([5, 6, 7, 8, 9, 10, 11, 12, 0, 1, 2])];

t.test('generate logp == forwardLogprobs bitwise (varied prompt lengths, n > 1, top-k / top-p, greedy)', async (t) => {
  const p = await TinyPolicy.create(tiny({ vocab_size: 29, hidden_size: 32, intermediate_size: 40 }), { seed: 1 });
  for (const opts of [
    { n: 3, maxTokens: 20, seed: 5, temperature: 1 },
    { n: 2, maxTokens: 9, seed: 6, temperature: 0.7, topK: 5, topP: 0.9 },
    { n: 1, maxTokens: 7, seed: 7, temperature: 0 },
  ]) {
    const out = await p.generateTokens(prompts, opts, [3]);
    let compared = 0;
    const items = out.flatMap((samples, i) => samples.map((s) => ({ prompt: prompts[i]!, completion: s.tokens })));
    const lps = await p.logprobsTokens(items);
    out.flat().forEach((s, k) => {
      t.ok(s.tokens.length >= 1 && s.tokens.length <= opts.maxTokens, 'length in range');
      t.ok(s.tokens.indexOf(3) < 0 || s.tokens.indexOf(3) === s.tokens.length - 1, 'stops after a stop id');
      t.ok(sameBits(s.logp, lps[k]!), `sample ${k}: rollout logp == forward logp bitwise (${s.tokens.length} tokens)`);
      compared += s.tokens.length;
    });
    t.ok(compared > 10, `${compared} tokens compared`);
  }
  p.dispose();
});

t.test('fixed seed: identical rollouts; different seed: different; identical weights after 3 steps', async (t) => {
  const make = () => TinyPolicy.create(tiny(), { seed: 42 });
  const [a, b] = await Promise.all([make(), make()]);
  t.ok(sameBits(a.state().params, b.state().params), 'same initial weights');
  const ra = await a.generateTokens(prompts, { n: 2, maxTokens: 10, seed: 9 });
  const rb = await b.generateTokens(prompts, { n: 2, maxTokens: 10, seed: 9 });
  t.ok(ra.flat().every((s, i) => sameBits(s.tokens, rb.flat()[i]!.tokens) && sameBits(s.logp, rb.flat()[i]!.logp)), 'same rollouts');
  const rc = await a.generateTokens(prompts, { n: 2, maxTokens: 10, seed: 10 });
  t.notOk(ra.flat().every((s, i) => sameBits(s.tokens, rc.flat()[i]!.tokens)), 'another seed samples differently');
  for (let step = 0; step < 3; step++) {
    const batch = randomBatch(100 + step, [9, 12, 7], 13);
    const oldLogp = a.forwardLogprobsSync(batch).logp;
    const advantages = Float32Array.from(batch.tokens, (_, i) => (i % 3) - 1);
    const micro = [{ ...batch, oldLogp, advantages }];
    const sa = await a.trainTokens([...micro, ...micro], { clipLow: 0.2, clipHigh: 0.28 }, 1e-2);
    const sb = await b.trainTokens([...micro, ...micro], { clipLow: 0.2, clipHigh: 0.28 }, 1e-2);
    t.equal(sa.loss, sb.loss, `step ${step}: same loss`);
    await a.sftStep(batch, 1e-2);
    await b.sftStep(batch, 1e-2);
  }
  t.ok(sameBits(a.state().params, b.state().params), 'identical weights after 3 GRPO + 3 SFT steps');
  t.ok(sameBits(a.state().expAvgSq, b.state().expAvgSq), 'identical optimizer state');
  a.dispose();
  b.dispose();
});

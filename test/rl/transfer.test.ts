// hardSampling.trainOn: the truncated importance weights against a float64 reference, the
// TIS-weighted clipped loss and its gradient (the weight folded into per-token advantages)
// against a float64 reference of -min(w, C) * min(r A, clip(r) A), and which prompt each
// sequence carries under 'demo', 'plain' and 'both' with the real TinyPolicy.
import t from 'tap';

import { syntheticSuite } from '../../lib/data/synthetic/suite.js';
import { grpoLoss } from '../../lib/engine/grpo_loss.js';
import { TinyPolicy } from '../../lib/model/tiny-policy.js';
import { WEAK_SFT_DIR } from '../../lib/model/shipped.js';
import { buildSequences, truncatedWeights } from '../../lib/rl/transfer.js';
import { defaultRender } from '../../lib/rl/trainer.js';
import type { Group } from '../../lib/toolexpander/groups.js';
import { resolveTrainConfig } from '../../lib/rl/presets.js';
import { rng } from '../helpers/random.js';

const randomLogp = (r: () => number, n: number) => Float32Array.from({ length: n }, () => -4 * r());

t.test('truncatedWeights = min(exp(target - behaviour), cap), per token, float64 then f32', async (t) => {
  const r = rng(13);
  for (const cap of [1, 2, 5]) {
    const a = randomLogp(r, 300), b = randomLogp(r, 300);
    const w = truncatedWeights(a, b, cap);
    let capped = 0;
    for (let i = 0; i < a.length; i++) {
      const ref = Math.min(Math.exp((a[i] as number) - (b[i] as number)), cap);
      t.equal(w[i], Math.fround(ref));
      if (ref === cap) capped++;
    }
    t.ok(capped > 0 && capped < a.length, `cap ${cap}: some tokens truncated (${capped}), not all`);
  }
  t.same(Array.from(truncatedWeights(new Float32Array([-1]), new Float32Array([-1]), 2)), [1], 'same log-probs: weight 1');
  t.throws(() => truncatedWeights(new Float32Array(2), new Float32Array(3), 2), RangeError);
});

t.test('TIS-weighted clipped loss and gradient equal a float64 reference', async (t) => {
  const r = rng(7);
  const n = 64, cap = 2, clipLow = 0.2, clipHigh = 0.28;
  const behaviour = randomLogp(r, n);   // pi_behaviour(y | demos)
  const old = randomLogp(r, n);         // pi_old(y | plain)
  const logp = Float32Array.from(old, (x) => x + (r() - 0.5) * 0.8);  // pi_theta(y | plain), r != 1
  const A = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1) * (0.2 + r()));
  const w = truncatedWeights(old, behaviour, cap);
  const adv = Float32Array.from(A, (a, i) => a * (w[i] as number));
  const res = await grpoLoss({ logp, oldLogp: old, advantages: adv, mask: new Uint8Array(n).fill(1), seqOffsets: new Int32Array([0, n]) },
    { clipLow, clipHigh, aggregation: 'token-mean' });
  let loss = 0;
  const grad = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ratio = Math.exp((logp[i] as number) - (old[i] as number));
    const wi = Math.min(Math.exp((old[i] as number) - (behaviour[i] as number)), cap);
    const a = A[i] as number;
    const clipped = Math.min(Math.max(ratio, 1 - clipLow), 1 + clipHigh);
    const unclippedWins = ratio * a <= clipped * a;
    loss += -wi * Math.min(ratio * a, clipped * a);
    grad[i] = unclippedWins ? -wi * a * ratio : 0;  // d/dlogp of -w r A is -w A r; the clipped branch is flat
  }
  loss /= n;
  t.ok(Math.abs(res.loss - loss) < 1e-5 * Math.max(1, Math.abs(loss)), `loss ${res.loss} vs f64 ${loss}`);
  let maxErr = 0, active = 0;
  for (let i = 0; i < n; i++) {
    maxErr = Math.max(maxErr, Math.abs((res.gradLogp[i] as number) - (grad[i] as number) / n));
    if (grad[i] !== 0) active++;
  }
  t.ok(maxErr < 1e-6, `gradient max error ${maxErr}`);
  t.ok(active > 0 && active < n, `both branches exercised (${active} of ${n} unclipped)`);
});

t.test('buildSequences: the prompt each sequence carries, its old log-probs and weights', async (t) => {
  const policy = await TinyPolicy.load(WEAK_SFT_DIR);
  t.teardown(() => policy.dispose());
  const suite = syntheticSuite({ seed: 0, trainSize: 3, testSize: 1, testTemplatesSize: 1, testUnseenApisSize: 1 });
  const [a, b, c] = suite.train as [typeof suite.train[0], typeof suite.train[0], typeof suite.train[0]];
  const plainOf = (task: typeof a) => defaultRender(task, []);
  const demoPrompt = defaultRender(a, [b, c]);
  const [demoOut, plainOut] = await policy.generate([demoPrompt, plainOf(b)], { n: 2, maxTokens: 12, seed: 5 });
  const scores = [{ reward: 1, base: 1, set: false, schemaValid: true }, { reward: 0, base: 0, set: false, schemaValid: true }];
  const groups = [
    { task: a, prompt: demoPrompt, level: 2, demoIds: [b.id, c.id], rollouts: demoOut!, scores },
    { task: b, prompt: plainOf(b), level: 0, demoIds: [], rollouts: plainOut!, scores },
  ] as unknown as Group[];
  const adv = [[1, -1], [0.5, -0.5]];
  const plainLogp = await policy.logprobs(demoOut!.map((r) => ({ prompt: plainOf(a), completion: r.tokens })));
  const cfg = resolveTrainConfig('toolexpander-transfer');
  t.equal(cfg.hardSampling.trainOn, 'plain');
  t.equal(cfg.hardSampling.isCap, 2, 'default cap 2');
  for (const trainOn of ['demo', 'plain', 'both'] as const) {
    const { sequences, stats } = await buildSequences(groups, adv, { trainOn, isCap: 2, policy, plainPrompt: (g) => plainOf(g.task) });
    const prompts = sequences.map((s) => (s.prompt === demoPrompt ? 'demo' : s.prompt === plainOf(a) ? 'plainA' : s.prompt === plainOf(b) ? 'plainB' : '?'));
    const want = { demo: ['demo', 'demo', 'plainB', 'plainB'], plain: ['plainB', 'plainB', 'plainA', 'plainA'], both: ['demo', 'demo', 'plainB', 'plainB', 'plainA', 'plainA'] }[trainOn];
    t.same(prompts, want, `${trainOn}: prompts`);
    for (const s of sequences) {
      if (s.prompt === plainOf(a)) {
        const j = demoOut!.findIndex((r) => r.tokens === s.completion);
        t.same(Array.from(s.oldLogp), Array.from(plainLogp[j]!), `${trainOn}: old log-probs are the current policy's under the plain prompt`);
        const w = truncatedWeights(plainLogp[j]!, demoOut![j]!.logp, 2);
        t.same(Array.from(s.tokenAdvantages!), Array.from(w, (x) => Math.fround(adv[0]![j]! * x)), `${trainOn}: per-token advantage A * w`);
      } else {
        t.equal(s.tokenAdvantages, undefined, `${trainOn}: on-policy sequences keep the broadcast advantage`);
        const g = s.prompt === demoPrompt ? demoOut! : plainOut!;
        t.ok(g.some((r) => r.logp === s.oldLogp), `${trainOn}: on-policy sequences keep the rollout log-probs`);
      }
    }
    t.equal(stats.transferred, trainOn === 'demo' ? 0 : 2);
    t.ok(stats.rescuedGradShare > 0 && stats.rescuedGradShare < 1, `${trainOn}: rescued share ${stats.rescuedGradShare}`);
    t.equal(stats.demoGradShare === 0, trainOn === 'plain', `${trainOn}: demo-prompt share ${stats.demoGradShare}`);
  }
});

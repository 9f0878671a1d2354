// The CPU generation path's shortcuts change no bit: finished rows leave the batch, the head
// runs once per step, and a prompt's K/V is shared by its n samples (full 64-key blocks
// shared, the rest in each row's own cache). Prompts straddle the block boundaries (63, 64,
// 65, 128, 130 and 200 tokens), rows stop at different lengths, grouped-query heads.
import t, { type Test } from 'tap';

import { createDemoPool, selectDemos } from '../../lib/toolexpander/demos.js';
import { syntheticSuite } from '../../lib/data/synthetic/suite.js';
import { defaultRender } from '../../lib/rl/trainer.js';
import { WEAK_SFT_DIR } from '../../lib/model/shipped.js';
import { TinyPolicy, type TokenRollout } from '../../lib/model/index.js';
import { rng } from '../helpers/random.js';
import { sameBits, tiny } from './tiny-policy-helpers.js';

const V = 61;
const lengths = [63, 1, 64, 65, 128, 130, 200, 7];
const r = rng(3);
const prompts = lengths.map((n) => Int32Array.from({ length: n }, () => Math.floor(r() * V)));

async function checkAgainstForward(t: Test, p: TinyPolicy, ps: Int32Array[], out: TokenRollout[][], what: string): Promise<number> {
  const items = out.flatMap((samples, i) => samples.map((s) => ({ prompt: ps[i]!, completion: s.tokens })));
  const lps = await p.logprobsTokens(items);
  let bad = 0, tokens = 0;
  out.flat().forEach((s, k) => {
    if (!sameBits(s.logp, lps[k]!)) bad++;
    tokens += s.tokens.length;
  });
  t.equal(bad, 0, `${what}: every rollout's logp == forwardLogprobs bitwise (${out.flat().length} rollouts, ${tokens} tokens)`);
  return tokens;
}

t.test('rollout logp == forward logp bitwise: prompts across block boundaries, n > 1, rows finishing at different lengths', async (t) => {
  const cfg = tiny({ vocab_size: V, hidden_size: 32, intermediate_size: 40, num_attention_heads: 4, num_key_value_heads: 2,
    max_position_embeddings: 512 });
  const p = await TinyPolicy.create(cfg, { seed: 4 });
  const stops = [2];  // about 1 in 60 tokens: rows end at many different steps, some run to maxTokens
  for (const opts of [
    { n: 4, maxTokens: 90, seed: 1, temperature: 1 },
    { n: 3, maxTokens: 70, seed: 2, temperature: 0.8, topK: 9, topP: 0.95 },
  ]) {
    const out = await p.generateTokens(prompts, opts, stops);
    const lens = new Set(out.flat().map((s) => s.tokens.length));
    t.ok(lens.size >= 5, `rows end at ${lens.size} different lengths`);
    t.ok(out.flat().some((s) => s.tokens.length === opts.maxTokens), 'some rows run to maxTokens (past a block boundary of their own cache)');
    await checkAgainstForward(t, p, prompts, out, `n=${opts.n}`);
    // Same seed, same call: the same rollouts.
    const again = await p.generateTokens(prompts, opts, stops);
    t.ok(again.flat().every((s, i) => sameBits(s.tokens, out.flat()[i]!.tokens) && sameBits(s.logp, out.flat()[i]!.logp)),
      'same seed: identical rollouts');
  }
  p.dispose();
});

t.test('batch invariance: a prompt generates the same rows alone as among others (greedy)', async (t) => {
  const cfg = tiny({ vocab_size: V, hidden_size: 32, intermediate_size: 40, max_position_embeddings: 512 });
  const p = await TinyPolicy.create(cfg, { seed: 5 });
  const opts = { n: 1, maxTokens: 40, seed: 3, temperature: 0 };
  const stops = [2, 5, 11];
  const all = await p.generateTokens(prompts, opts, stops);
  for (const i of [0, 3, 6]) {
    const alone = await p.generateTokens([prompts[i]!], opts, stops);
    t.ok(sameBits(alone[0]![0]!.tokens, all[i]![0]!.tokens) && sameBits(alone[0]![0]!.logp, all[i]![0]!.logp),
      `prompt ${i} (${prompts[i]!.length} tokens): same tokens and logp alone and in the batch`);
  }
  // Sampled rows too: draws are keyed by sequence id (prompt index * n + sample), so the
  // first prompt's rows have the same ids alone and at the head of the batch.
  const sampled = { n: 3, maxTokens: 40, seed: 8, temperature: 1 };
  const batch = await p.generateTokens(prompts, sampled, stops);
  const first = await p.generateTokens([prompts[0]!], sampled, stops);
  t.ok(first[0]!.every((s, j) => sameBits(s.tokens, batch[0]![j]!.tokens) && sameBits(s.logp, batch[0]![j]!.logp)),
    'sampled: the first prompt\'s 3 rows are the same alone and in the batch');
  p.dispose();
});

t.test('the shipped checkpoint on demo prompts with 2 demonstrations: rollout logp == forward logp bitwise', async (t) => {
  const p = await TinyPolicy.load(WEAK_SFT_DIR);
  const suite = syntheticSuite({ seed: 0, trainSize: 40, testSize: 8, testTemplatesSize: 8, testUnseenApisSize: 8 });
  const pool = createDemoPool(suite.train);
  const tasks = suite.train.slice(0, 4);
  const text = tasks.map((task) => defaultRender(task, selectDemos(pool, task, 2, { seed: 0, salt: 'test' })));
  const tok = p.tokenizer!;
  const ps = text.map((s) => Int32Array.from(tok.encode(s, { allowSpecial: true })));
  t.ok(ps.every((x) => x.length > 128), `prompts of ${ps.map((x) => x.length).join(', ')} tokens (several shared blocks)`);
  const out = await p.generateTokens(ps, { n: 4, maxTokens: 48, seed: 11, temperature: 1 });
  await checkAgainstForward(t, p, ps, out, '2 demos');
  p.dispose();
});

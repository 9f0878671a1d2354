// The string Policy API with the project's BPE and ChatML: generate(prompts) returns text,
// tokens and logp; logprobs on the same prompt + completion tokens equals them bitwise;
// stop strings cut the completion; <|im_end|> ends a rollout.
import t from 'tap';

import { TinyPolicy, tinyConfig } from '../../lib/index.js';
import { chatml, trainBpe } from '../../lib/model/index.js';
import { sameBits } from './tiny-policy-helpers.js';

const corpus = ['{"name": "get_weather", "arguments": {"city": "Paris"}}', 'What is the weather in Paris?', 'hello world'];

t.test('generate(strings) == logprobs(strings) bitwise; stop strings; SFT to emit a fixed answer', async (t) => {
  const tok = trainBpe(corpus, { vocabSize: 300 });
  const p = await TinyPolicy.create({ ...tinyConfig(tok.vocabSize), hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2 }, { seed: 1, tokenizer: tok });
  const prompt = chatml([{ role: 'user', content: 'What is the weather in Paris?' }]);
  const out = await p.generate([prompt, 'hello'], { n: 2, maxTokens: 12, seed: 3 });
  t.equal(out.length, 2);
  const items = out.flatMap((s, i) => s.map((r) => ({ prompt: [prompt, 'hello'][i]!, completion: r.tokens })));
  const lps = await p.logprobs(items);
  out.flat().forEach((r, k) => {
    t.equal(r.text, tok.decode(r.tokens), 'text is the decoded tokens');
    t.ok(sameBits(r.logp, lps[k]!), `rollout ${k}: logp == logprobs bitwise`);
  });

  // Teach it one answer, then check greedy generation, the <|im_end|> stop and a stop string.
  const answer = '{"name": "get_weather", "arguments": {"city": "Paris"}}';
  const ids = tok.encode(prompt, { allowSpecial: true }), ans = [...tok.encode(answer), tok.specialTokens.get('<|im_end|>')!];
  const tokens = Int32Array.from([...ids, ...ans]), mask = new Uint8Array(tokens.length).fill(1, ids.length);
  for (let i = 0; i < 150; i++) {
    const s = await p.sftStep({ tokens, cuSeqlens: Int32Array.from([0, tokens.length]), mask }, 1e-2);
    if (s.loss < 0.01) break;
  }
  const greedy = (await p.generate([prompt], { n: 1, maxTokens: 40, seed: 0, temperature: 0 }))[0]![0];
  t.equal(greedy!.text, answer + '<|im_end|>', 'learned answer, ended by <|im_end|>');
  const cut = (await p.generate([prompt], { n: 1, maxTokens: 40, seed: 0, temperature: 0, stop: ['"arguments"'] }))[0]![0];
  t.ok(cut!.text.includes('"arguments"') && !tok.decode(cut!.tokens.subarray(0, -1)).includes('"arguments"'),
    `cut after the token completing the stop string: ${JSON.stringify(cut!.text)}`);
  t.ok(cut!.tokens.length < greedy!.tokens.length && cut!.logp.length === cut!.tokens.length, 'shorter, logp aligned');
  t.ok(sameBits(cut!.logp, greedy!.logp.subarray(0, cut!.tokens.length)), 'a prefix of the full rollout');
  p.dispose();
});

t.test('Policy.trainStep on text sequences trains on exactly the sampled tokens', async (t) => {
  const tok = trainBpe(corpus, { vocabSize: 300 });
  const p = await TinyPolicy.create({ ...tinyConfig(tok.vocabSize), hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2 }, { seed: 5, tokenizer: tok });
  const prompts = [chatml([{ role: 'user', content: 'What is the weather in Paris?' }]), 'hello'];
  const out = await p.generate(prompts, { n: 3, maxTokens: 10, seed: 9 });
  const sequences = out.flatMap((s, i) => s.map((r, j) => ({ prompt: prompts[i]!, completion: r.tokens, advantage: j - 1, oldLogp: r.logp })));
  // With lr 0 the policy is the sampling policy: every ratio is exactly 1 only if the packed
  // tokens, masks and log-probs line up with what generate() sampled.
  const stats = await p.trainStep({ sequences, gradientAccumulation: 2 }, { clipLow: 0.2, clipHigh: 0.28 }, 0);
  t.equal(stats.ratioMean, 1, 'ratio exactly 1 at lr 0');
  t.equal(stats.clipFracHigh + stats.clipFracLow, 0, 'nothing clipped');
  t.equal(stats.tokens, sequences.reduce((a, s) => a + s.completion.length, 0), 'trained on the completion tokens only');
  const moved = await p.trainStep({ sequences }, {}, 1e-2);
  t.ok(Number.isFinite(moved.loss) && moved.gradNorm > 0, 'a real step moves the policy');
  await t.rejects(p.trainStep({ sequences: [{ ...sequences[0]!, oldLogp: new Float32Array(1) }] }), { code: 'E_SHAPE' });
  p.dispose();
});

t.test('a model vocabulary larger than the tokenizer (padding rows): unknown ids decode to nothing, no error', async (t) => {
  const tok = trainBpe(corpus, { vocabSize: 300 });
  // 700 rows for a 300-token tokenizer: most sampled ids (temperature 5) have no text.
  const p = await TinyPolicy.create({ ...tinyConfig(700), hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2 }, { seed: 2, tokenizer: tok });
  t.teardown(() => p.dispose());
  const out = (await p.generate(['hello'], { n: 4, maxTokens: 16, seed: 1, temperature: 5, stop: ['world'] }))[0]!;
  const ids = out.flatMap((r) => [...r.tokens]);
  t.ok(ids.some((id) => id >= tok.vocabSize), 'the model sampled ids the tokenizer lacks');
  for (const r of out) t.equal(r.text, tok.decode(r.tokens.filter((id) => id < tok.vocabSize)), 'text is the known tokens decoded');
});

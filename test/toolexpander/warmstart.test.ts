// The SFT warm start: batch order and packing, the LR schedule, and a short real warm start
// run twice (same options -> the same weights bit for bit; another seed -> other weights).
import t from 'tap';

import { IM_END } from '../../lib/model/tokenizer/specials.js';
import { batchIndices, encodeSamples, packSamples, sftText } from '../../lib/sft/batches.js';
import { heldOutSplits, sftLearningRate, TOOL_SPECIALS, validationTasks, warmStart, type WarmStartOptions } from '../../lib/sft/warmstart.js';
import { sameBits } from '../model/tiny-policy-helpers.js';
import { syntheticSuite } from '../../lib/data/synthetic/suite.js';
import { buildSftData } from '../../lib/toolexpander/sft.js';
import { trainBpe } from '../../lib/model/tokenizer/bpe.js';

t.test('batchIndices: every sample once per epoch, in a seeded order', async (t) => {
  const count = 10, size = 4;
  const flat = Array.from({ length: 5 }, (_, s) => batchIndices(3, count, size, s)).flat();  // 20 draws = 2 epochs
  t.same([...flat.slice(0, 10)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'epoch 0 is a permutation');
  t.same([...flat.slice(10, 20)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'epoch 1 is a permutation');
  t.notSame(flat.slice(0, 10), flat.slice(10, 20), 'epochs are reshuffled');
  t.same(batchIndices(3, count, size, 2), flat.slice(8, 12), 'a step is a function of (seed, step)');
  t.notSame(batchIndices(4, count, size, 0), batchIndices(3, count, size, 0), 'the seed changes the order');
});

t.test('packSamples trains on the target (with its end token) only', async (t) => {
  const b = packSamples([{ prompt: Int32Array.of(1, 2, 3), target: Int32Array.of(4, 5) }, { prompt: Int32Array.of(6), target: Int32Array.of(7) }]);
  t.same([...b.cuSeqlens], [0, 5, 7]);
  t.same([...b.tokens], [1, 2, 3, 4, 5, 6, 7]);
  t.same([...b.mask], [0, 0, 0, 1, 1, 0, 1]);
});

t.test('encodeSamples: format tags are single tokens; over-long samples are dropped, not cut', async (t) => {
  const suite = syntheticSuite({ seed: 1, trainSize: 30, testSize: 1, testTemplatesSize: 1, testUnseenApisSize: 1 });
  const samples = buildSftData(suite.train, { seed: 1 });
  const tok = trainBpe(samples.map((s) => sftText(s).prompt + sftText(s).target), { vocabSize: 700, specials: TOOL_SPECIALS });
  for (const tag of ['<think>', '</think>', '<tool_call>', '</tool_call>', IM_END]) {
    t.equal(tok.encode(tag, { allowSpecial: true }).length, 1, `${tag} is one token`);
  }
  const all = encodeSamples(tok, samples, 1 << 20);
  t.equal(all.length, samples.length);
  t.equal(all[0]!.target.at(-1), tok.specialTokens.get(IM_END), 'the target ends with <|im_end|>');
  const lens = all.map((e) => e.prompt.length + e.target.length).sort((a, b) => a - b);
  const cut = lens[Math.floor(lens.length / 2)]!;
  const kept = encodeSamples(tok, samples, cut);
  t.equal(kept.length, lens.filter((l) => l <= cut).length);
  t.ok(kept.every((e) => e.prompt.length + e.target.length <= cut));
});

t.test('sftLearningRate: linear warm-up, cosine to lr * finalRatio', async (t) => {
  const o = { lr: 1e-3, warmup: 10, finalRatio: 0.1, steps: 100 };
  t.equal(sftLearningRate(o, 0), 1e-4 * (0.1 + 0.9 * 1));
  t.ok(Math.abs(sftLearningRate(o, 9) - 1e-3 * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * 9) / 99)))) < 1e-15);
  t.ok(Math.abs(sftLearningRate(o, 99) - 1e-4) < 1e-15, 'ends at lr * finalRatio');
  t.ok(sftLearningRate(o, 50) < sftLearningRate(o, 20));
});

t.test('warmStart: learns, evaluates every split, and is reproducible bit for bit', async (t) => {
  const o: Partial<WarmStartOptions> = {
    seed: 2, trainSize: 60, evalSize: 3, vocabSize: 700, steps: 30, batchSize: 8, lr: 5e-3, warmup: 2, maxTokens: 24,
    model: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 2, max_position_embeddings: 1024 },
  };
  const losses: number[] = [];
  const a = await warmStart(o, (p) => losses.push(p.loss));
  const b = await warmStart(o);
  const c = await warmStart({ ...o, seed: 3 });
  t.teardown(() => { a.policy.dispose(); b.policy.dispose(); c.policy.dispose(); });
  t.equal(losses.length, 30);
  t.ok(losses.at(-1)! < losses[0]! * 0.8, `loss falls: ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}`);
  t.same(Object.keys(a.eval), ['test', 'testTemplates', 'testUnseenApis']);
  t.ok(Object.values(a.eval).every((e) => e.n === 3));
  t.ok(sameBits(a.policy.state().params, b.policy.state().params), 'same options: identical weights');
  t.equal(a.finalLoss, b.finalLoss);
  t.notOk(sameBits(a.policy.state().params, c.policy.state().params), 'another seed: other weights');
  t.equal(a.tokens, b.tokens);
});

t.test('warmStart early stop: validation every k steps, stops at the first check reaching stopAt', async (t) => {
  const o: Partial<WarmStartOptions> = {
    seed: 4, trainSize: 40, evalSize: 2, vocabSize: 600, steps: 20, batchSize: 4, maxTokens: 8,
    validateEvery: 4, validationSize: 3, stopAt: 0,
    model: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, max_position_embeddings: 1024 },
  };
  const seen: number[] = [];
  const r = await warmStart(o, (p) => { if (p.validation !== undefined) seen.push(p.step + 1); });
  t.teardown(() => r.policy.dispose());
  t.equal(r.stepsRun, 4, 'accuracy >= 0 holds at the first check');
  t.same(r.validation.map((v) => v.step), [4]);
  t.same(seen, [4]);
  const never = await warmStart({ ...o, stopAt: 1.01, steps: 9 });
  t.teardown(() => never.policy.dispose());
  t.equal(never.stepsRun, 9, 'an unreachable stopAt runs every step');
  t.same(never.validation.map((v) => v.step), [4, 8], 'no check after the last step (the final evaluation follows)');
});

t.test('validation tasks share no task with the evaluated test split', async (t) => {
  const { splits } = heldOutSplits(0, 10, 30);
  const val = validationTasks(0, 30, 30);
  t.equal(val.length, 30);
  const text = (x: { messages: { content: string }[] }) => x.messages.map((m) => m.content).join('\n');
  const test = new Set(splits['test']!.map(text));
  t.equal(val.filter((v) => test.has(text(v))).length, 0, 'no validation query appears in the test split');
  t.ok(val.every((v) => v.meta?.['split'] === 'test'), 'drawn from the test distribution (held-out values)');
});

t.test('warmStart randomValueTasks: extra generated-value samples, recorded in the options', async (t) => {
  const o: Partial<WarmStartOptions> = {
    seed: 4, trainSize: 40, evalSize: 2, vocabSize: 600, steps: 2, batchSize: 4, maxTokens: 8, validateEvery: 0,
    model: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 2, max_position_embeddings: 1024 },
  };
  const plain = await warmStart(o);
  const mixed = await warmStart({ ...o, randomValueTasks: 30 });
  t.teardown(() => { plain.policy.dispose(); mixed.policy.dispose(); });
  t.ok(mixed.samples > plain.samples && mixed.samples <= plain.samples + 30, `${plain.samples} -> ${mixed.samples} samples`);
  t.equal(mixed.options.randomValueTasks, 30, 'recorded in the options (sft.json)');
});

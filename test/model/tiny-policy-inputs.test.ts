// Bad inputs to the model's entry points give TxError naming the argument; async calls on
// one model run in order; a disposed model refuses work.
import t from 'tap';

import { TinyPolicy, TxError } from '../../lib/index.js';
import { expectTxError } from '../helpers/expect-error.js';
import { randomBatch, sameBits, tiny } from './tiny-policy-helpers.js';

t.test('bad batches and options', async (t) => {
  const p = await TinyPolicy.create(tiny(), { seed: 1 });
  const ok = randomBatch(1, [5, 4], 13);
  const bad = (over: object) => ({ ...ok, ...over });
  expectTxError(t, () => p.forwardLogprobsSync(bad({ tokens: Int32Array.from([0, 1, 2, 3, 13, 0, 1, 2, 3]) })), 'E_RANGE', 'tokens[4]', 'token >= vocab');
  expectTxError(t, () => p.forwardLogprobsSync(bad({ cuSeqlens: Int32Array.from([0, 6, 5]) })), 'E_RANGE', 'cuSeqlens', 'non-monotonic');
  expectTxError(t, () => p.forwardLogprobsSync(bad({ cuSeqlens: Int32Array.from([0, 5, 8]) })), 'E_RANGE', 'cuSeqlens', 'wrong end');
  expectTxError(t, () => p.forwardLogprobsSync(bad({ mask: new Uint8Array(8) })), 'E_SHAPE', 'mask', 'mask length');
  expectTxError(t, () => p.forwardLogprobsSync(bad({ mask: new Uint8Array(9).fill(1) })), 'E_RANGE', 'first token', 'mask on a first token');
  expectTxError(t, () => p.forwardLogprobsSync(bad({ tokens: new Float32Array(9) })), 'E_DTYPE', 'tokens', 'float tokens');
  const long = randomBatch(2, [65], 13);
  expectTxError(t, () => p.forwardLogprobsSync(long), 'E_RANGE', 'max_position_embeddings', 'sequence too long');
  const rejects = async (f: () => Promise<unknown>, code: string, name: string, label: string) => {
    try {
      await f();
      t.fail(`${label}: did not reject`);
    } catch (e) {
      t.ok(e instanceof TxError && e.code === code && e.message.includes(name), `${label}: ${(e as Error).message}`);
    }
  };
  const prompt = [Int32Array.from([1, 2])];
  await rejects(() => p.generateTokens(prompt, { n: 0, maxTokens: 3, seed: 1 }), 'E_RANGE', 'opts.n', 'n = 0');
  await rejects(() => p.generateTokens(prompt, { n: 1, maxTokens: 0, seed: 1 }), 'E_RANGE', 'opts.maxTokens', 'maxTokens = 0');
  await rejects(() => p.generateTokens(prompt, { n: 1, maxTokens: 63, seed: 1 }), 'E_RANGE', 'max_position_embeddings', 'too long');
  await rejects(() => p.generateTokens(prompt, { n: 1, maxTokens: 3, seed: -1 }), 'E_RANGE', 'opts.seed', 'negative seed');
  await rejects(() => p.generateTokens(prompt, { n: 1, maxTokens: 3, seed: 1, topP: 0 }), 'E_RANGE', 'opts.topP', 'topP 0');
  await rejects(() => p.generateTokens([new Int32Array(0)], { n: 1, maxTokens: 3, seed: 1 }), 'E_RANGE', 'prompt 0', 'empty prompt');
  await rejects(() => p.sftStep({ ...ok, mask: new Uint8Array(9) }), 'E_RANGE', 'mask', 'nothing to train');
  await rejects(() => p.trainTokens({ ...ok, oldLogp: new Float32Array(3), advantages: new Float32Array(9) }), 'E_SHAPE', 'oldLogp', 'oldLogp length');
  await rejects(() => p.trainTokens({ ...ok, oldLogp: new Float32Array(9), advantages: new Float32Array(9) }, { klType: 'k9' as never }), 'E_RANGE', 'loss.klType', 'bad klType');
  await rejects(() => p.generate(['hi'], { n: 1, maxTokens: 2, seed: 1 }), 'E_STATE', 'tokenizer', 'string API without a tokenizer');
  await rejects(() => TinyPolicy.create(tiny(), { device: 'cuda' }), 'E_DEVICE', 'CUDA', 'CUDA model path');
  p.dispose();
});

t.test('concurrent async calls on one model serialise; results equal the sync ones', async (t) => {
  const p = await TinyPolicy.create(tiny(), { seed: 3 });
  const b = randomBatch(4, [9, 7, 11], 13);
  const want = p.forwardLogprobsSync(b).logp;
  const got = await Promise.all([p.forwardLogprobs(b), p.generateTokens([Int32Array.from([1])], { n: 2, maxTokens: 5, seed: 2 }), p.forwardLogprobs(b)]);
  t.ok(sameBits(got[0].logp, want) && sameBits(got[2].logp, want));
  const pending = p.forwardLogprobs(b);
  p.dispose();
  t.ok(sameBits((await pending).logp, want), 'a call in flight completes after dispose (the job holds the model)');
  t.ok(p.disposed);
  await t.rejects(p.forwardLogprobs(b), /disposed/);
});

// Regressions of what the boundary fuzzer found in the model ops and the PolicyModel
// (test/reliability/fuzz-native.test.ts). Each case crashed the process, threw where a
// Promise should reject, or failed with something other than a TxError naming its argument.
import t, { type Test } from 'tap';

import { residualAddBackwardSync } from '../../lib/engine/index.js';
import { native, type NativePolicyModel } from '../../lib/engine/native.js';
import { TxError } from '../../lib/errors.js';
import { TINY, type PolicyModelCtor } from './fuzz/policy.js';
import { detached } from './fuzz/values.js';

const addon = native();
const Policy = addon.PolicyModel as PolicyModelCtor;

function throwsTx(t: Test, fn: () => unknown, code: string, pattern: RegExp, what: string) {
  try {
    fn();
    t.fail(`${what}: did not throw`);
  } catch (e) {
    t.ok(e instanceof TxError, `${what}: a TxError`);
    t.match(e, { code, message: pattern }, what);
  }
}

t.test('embeddingBackward: vocab * dim beyond memory is an E_OOM/E_RANGE, not a V8 abort', (t) => {
  const none = [new Float32Array(0), new Int32Array(0)] as const;
  // Was: FATAL ERROR: v8::ArrayBuffer::New Allocation failed (a 4 TB output for empty inputs).
  throwsTx(t, () => addon.embeddingBackwardSync(...none, 2 ** 20, 2 ** 20), 'E_RANGE', /dim must be an integer in \[1, 2\^16\]/, 'dim past the model limit');
  throwsTx(t, () => addon.embeddingBackwardSync(...none, 2 ** 31 - 1, 1), 'E_RANGE', /vocab must be an integer in \[1, 2\^24\]/, 'vocab past the model limit');
  throwsTx(t, () => addon.embeddingBackwardSync(...none, 2 ** 24, 2 ** 16), 'E_OOM', /host memory/, '2^40 floats');
  t.end();
});

t.test('a fake DeviceBuffer is rejected naming the argument', (t) => {
  const fake = Object.create(addon.DeviceBuffer.prototype) as Float32Array;
  throwsTx(t, () => addon.swigluSync(new Float32Array(2), fake), 'E_DTYPE', /^up claims to be a DeviceTensor/, 'swiglu up');
  t.end();
});

t.test('residualAddBackwardSync of a detached array: empty copies, not a TypeError', (t) => {
  const r = residualAddBackwardSync(detached(new Float32Array(3)));
  t.same([r.gradA.length, r.gradB.length], [0, 0]);
  t.end();
});

t.test('PolicyModel Promise methods reject instead of throwing', async (t) => {
  const m = new Policy(TINY, 1, 8);
  t.teardown(() => m.dispose());
  const calls: [string, () => Promise<unknown>][] = [
    ['forwardLogprobs', () => m.forwardLogprobs(null as never, new Int32Array([0]), new Uint8Array(0))],
    ['trainMicro', () => m.trainMicro(new Int32Array(2), new Int32Array([0, 2]), new Uint8Array([0, 1]), 'sft' as never, 1)],
    ['optimizerStep', () => m.optimizerStep('1e-3' as never, 0.9, 0.999, 1e-8, 0, 1)],
    ['generate', () => m.generate(new Int32Array([1]), new Int32Array([0, 2]), 1, 1, 1, 0, 2, new Int32Array(0), 1)],
  ];
  for (const [name, call] of calls) {
    let p: Promise<unknown> | undefined;
    t.doesNotThrow(() => { p = call(); }, `${name} does not throw`);
    await t.rejects(p!, TxError, `${name} rejects with a TxError`);
  }
  m.dispose();
  await t.rejects(m.trainMicro(new Int32Array(2), new Int32Array([0, 2]), new Uint8Array([0, 1]), { sft: true }, 1), { code: 'E_STATE' }, 'disposed: rejects');
});

t.test('PolicyModel sizes from arguments are checked before allocation', async (t) => {
  // Each of these used to allocate first: gigabytes zeroed (the OOM killer) or a V8 abort.
  throwsTx(t, () => new Policy({ ...TINY, hidden_size: 65536, num_attention_heads: 2, num_key_value_heads: 1 }, 1, 8), 'E_OOM', /this model/, 'hidden_size 65536');
  throwsTx(t, () => new Policy(TINY, 1, 2 ** 30), 'E_OOM', /this model/, 'maxTokens 2^30');
  const m = new Policy(TINY, 1, 8);
  t.teardown(() => m.dispose());
  const prompts = [new Int32Array([1, 2]), new Int32Array([0, 1, 2])] as const;
  await t.rejects(m.generate(...prompts, 2 ** 31 - 1, 1, 1, 0, 4, new Int32Array(0), 1), { code: 'E_OOM' }, 'n = 2^31-1: outputs past memory');
  // Outputs of 2 x 12 GB (past Node 20's 4 GiB external-buffer limit, within half of a
  // 24 GB machine): host_buffer freed the block twice ("double free detected in tcache 2").
  await t.rejects(m.generate(new Int32Array(3), new Int32Array([0, 3]), 1e9, 1, 1, 0, 3, new Int32Array(0), 1), { code: 'E_OOM' },
    'n = 1e9: outputs over 4 GiB, then a KV cache past memory');
  await t.rejects(m.generate(...prompts, 1, 1, 1, 0, 2 ** 31 - 1, new Int32Array(0), 1), { code: 'E_RANGE', message: /maxTokens/ },
    'maxTokens past max_position_embeddings, before the outputs are allocated');
  const ok = await m.generate(...prompts, 2, 1, 1, 0, 3, new Int32Array(0), 1);
  t.equal(ok.tokens.length, 2 * 2 * 3, 'a valid generate still runs');
});

t.test('PolicyModel.setState checks every argument before writing any', (t) => {
  const m: NativePolicyModel = new Policy(TINY, 1, 8);
  t.teardown(() => m.dispose());
  const before = m.getState();
  const n = m.numParams;
  const params = new Float32Array(n).fill(0.5);
  throwsTx(t, () => m.setState(params, new Float32Array(n), new Float32Array(n - 1), 3), 'E_SHAPE', /expAvgSq/, 'short expAvgSq');
  throwsTx(t, () => m.setState(params, new Float32Array(n), new Float32Array(n), -1), 'E_RANGE', /step must be >= 0/, 'negative step');
  t.same(m.getState().params, before.params, 'params unchanged by the rejected calls');
  m.setState(params, new Float32Array(n), new Float32Array(n), 3);
  t.equal(m.getState().step, 3, 'a valid setState writes');
  t.end();
});

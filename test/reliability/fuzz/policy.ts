// The native PolicyModel (bindings/model.cpp) as fuzzer specs: the constructor and every
// method, each on a model of its own (a poisoned setState or optimizerStep must not turn
// another method's valid calls into NaN soup), all on a config so small that a forward
// costs microseconds. Use-after-dispose and dispose-while-running live in lifecycle().
import type { NativeAddon, NativePolicyModel } from '../../../lib/engine/native.js';
import { TxError } from '../../../lib/errors.js';
import type { OpSpec } from './ops.js';
import { int, pick, type Rng } from './values.js';

type Call = (...args: unknown[]) => unknown;

/** 1 layer, d = 8, 2 query heads over 1 kv head, 11 tokens, 16 positions: ~500 parameters. */
export const TINY = {
  vocab_size: 11, hidden_size: 8, intermediate_size: 8, num_hidden_layers: 1, num_attention_heads: 2,
  num_key_value_heads: 1, max_position_embeddings: 16, rope_theta: 10000, rms_norm_eps: 1e-6, tie_word_embeddings: true,
};
const PLANNED = 16;  // activations planned for this many tokens (grown on demand)

// Words the binding's messages use for its arguments: a rejection must name one of them.
const NAMES = ['config', 'seed', 'maxTokens', 'tokens', 'cuSeqlens', 'sequence', 'mask', 'loss', 'batch', 'scale', 'lr', 'opts',
  'prompt', 'stopIds', 'params', 'expAvg', 'expAvgSq', 'step',
  // optimizerStep's and trainMicro's loss fields (adamw / grpo_loss name them cfg.<field>)
  'beta1', 'beta2', 'eps', 'weightDecay', 'maxGradNorm',
  'oldLogp', 'advantages', 'refLogp', 'clipLow', 'clipHigh', 'dualClip', 'klCoef', 'klType', 'aggregation', 'normConstant'];

const f32 = (r: Rng, n: number, lo = -2, hi = 2) => Float32Array.from({ length: n }, () => lo + r() * (hi - lo));

/** Packed sequences of 1..5 tokens; mask: never a first token, and at least one token set. */
function batch(r: Rng) {
  const lens = Array.from({ length: int(r, 1, 3) }, () => int(r, 1, 5));
  lens[0] = Math.max(lens[0]!, 2);
  const cu = new Int32Array(lens.length + 1);
  lens.forEach((l, i) => { cu[i + 1] = cu[i]! + l; });
  const n = cu[lens.length]!;
  const tokens = Int32Array.from({ length: n }, () => int(r, 0, TINY.vocab_size - 1));
  const mask = Uint8Array.from({ length: n }, () => int(r, 0, 1));
  for (let s = 0; s < lens.length; s++) mask[cu[s]!] = 0;
  mask[1] = 1;
  return { tokens, cu, mask, n };
}

function loss(r: Rng, n: number): Record<string, unknown> {
  if (r() < 0.3) return { sft: true };
  const ref = r() < 0.5;
  return {
    sft: false, oldLogp: f32(r, n, -3, 0), advantages: f32(r, n), refLogp: ref ? f32(r, n, -3, 0) : undefined,
    clipLow: 0.2, clipHigh: 0.28, dualClip: pick(r, [0, 3]), klCoef: ref ? 0.01 : 0, klType: int(r, 0, 2),
    aggregation: int(r, 0, 3), normConstant: r() < 0.5 ? undefined : 4,
  };
}

function generateArgs(r: Rng): unknown[] {
  const prompts = Array.from({ length: int(r, 1, 2) }, () => int(r, 1, 3));
  const offsets = new Int32Array(prompts.length + 1);
  prompts.forEach((l, i) => { offsets[i + 1] = offsets[i]! + l; });
  const tokens = Int32Array.from({ length: offsets[prompts.length]! }, () => int(r, 0, TINY.vocab_size - 1));
  return [tokens, offsets, int(r, 1, 2), pick(r, [0, 0.7, 1]), pick(r, [1, 0.9]), pick(r, [0, 3]), int(r, 1, 4),
    Int32Array.from({ length: int(r, 0, 2) }, () => int(r, 0, TINY.vocab_size - 1)), int(r, 0, 1e6)];
}

function stateArgs(r: Rng, numParams: number): unknown[] {
  const params = f32(r, numParams, -0.1, 0.1);
  if (r() < 0.5) return [params];
  return [params, f32(r, numParams, -0.01, 0.01), f32(r, numParams, 0, 0.01), int(r, 0, 100)];
}

export type PolicyModelCtor = new (config: object, seed: number, maxTokens: number) => NativePolicyModel;

export function policySpecs(addon: NativeAddon, models: NativePolicyModel[]): OpSpec[] {
  const Ctor = addon.PolicyModel as PolicyModelCtor;
  const fresh = () => {
    const m = new Ctor(TINY, 1, PLANNED);
    models.push(m);
    return m;
  };
  // forms: the JS names of the blocking and the Promise form (either may be absent).
  const method = (name: string, forms: { sync?: string; async?: string }, valid: (r: Rng, m: NativePolicyModel) => unknown[]): OpSpec => {
    const m = fresh();
    const bound = (n: string | undefined) => (n === undefined ? undefined : (m as unknown as Record<string, Call>)[n]!.bind(m));
    return { name: `PolicyModel.${name}`, names: NAMES, raw: { sync: bound(forms.sync), async: bound(forms.async), valid: (r) => valid(r, m) } };
  };
  return [
    { name: 'PolicyModel (constructor)', names: NAMES, raw: {
      sync: Ctor as unknown as Call, construct: true,
      valid: (r) => [{ ...TINY, num_hidden_layers: int(r, 1, 2), tie_word_embeddings: r() < 0.5 }, int(r, 0, 1000), int(r, 1, 32)],
    }, dispose: (made) => (made as NativePolicyModel).dispose() },
    method('forwardLogprobs', { sync: 'forwardLogprobsSync', async: 'forwardLogprobs' }, (r) => { const b = batch(r); return [b.tokens, b.cu, b.mask]; }),
    method('trainMicro', { async: 'trainMicro' }, (r) => { const b = batch(r); return [b.tokens, b.cu, b.mask, loss(r, b.n), pick(r, [1, 0.5])]; }),
    method('optimizerStep', { async: 'optimizerStep' }, () => [1e-3, 0.9, 0.999, 1e-8, 0.01, 1]),
    method('generate', { async: 'generate' }, generateArgs),
    method('setState', { sync: 'setState' }, (r, m) => stateArgs(r, m.numParams)),
    ...['getState', 'layout', 'zeroGrad', 'dispose'].map((n) => method(n, { sync: n }, () => [])),
  ];
}

export type LifecycleCounts = { cases: number; stateErrors: number; settledAfterDispose: number };

/**
 * Use after dispose and dispose while a job runs: a disposed model rejects every method
 * with E_STATE (sync forms throw, async forms reject) and reads numParams 0; a model
 * disposed while its job is queued still settles that job (the job holds the model).
 */
export async function lifecycle(addon: NativeAddon, r: Rng, cases: number, problems: string[]): Promise<LifecycleCounts> {
  const Ctor = addon.PolicyModel as PolicyModelCtor;
  const counts: LifecycleCounts = { cases: 0, stateErrors: 0, settledAfterDispose: 0 };
  const dead = new Ctor(TINY, 1, PLANNED);
  const numParams = dead.numParams;
  dead.dispose();
  if (!dead.disposed || dead.numParams !== 0) problems.push('a disposed model does not say so');
  const expectState = (e: unknown, what: string) => {
    if (e instanceof TxError && e.code === 'E_STATE') counts.stateErrors++;
    else problems.push(`${what} on a disposed model: ${String((e as Error)?.message ?? e)} (want E_STATE)`);
  };
  const calls: [string, (r: Rng) => unknown[]][] = [
    ['forwardLogprobsSync', (r) => { const b = batch(r); return [b.tokens, b.cu, b.mask]; }],
    ['forwardLogprobs', (r) => { const b = batch(r); return [b.tokens, b.cu, b.mask]; }],
    ['trainMicro', (r) => { const b = batch(r); return [b.tokens, b.cu, b.mask, { sft: true }, 1]; }],
    ['optimizerStep', () => [1e-3, 0.9, 0.999, 1e-8, 0, 1]],
    ['generate', generateArgs],
    ['setState', (r) => stateArgs(r, numParams)],
    ['getState', () => []], ['layout', () => []], ['zeroGrad', () => []],
  ];
  const asyncNames = new Set(['forwardLogprobs', 'trainMicro', 'optimizerStep', 'generate']);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < cases; i++) {
    counts.cases++;
    const [name, args] = calls[i % calls.length]!;
    const fn = (dead as unknown as Record<string, Call>)[name]!;
    if (asyncNames.has(name)) {
      let p: unknown;
      try {
        p = fn.apply(dead, args(r));
      } catch (e) {
        problems.push(`${name} threw synchronously on a disposed model: ${String((e as Error)?.message ?? e)}`);
        continue;
      }
      pending.push((p as Promise<unknown>).then(() => { problems.push(`${name} resolved on a disposed model`); }, (e) => expectState(e, name)));
    } else {
      try {
        fn.apply(dead, args(r));
        problems.push(`${name} ran on a disposed model`);
      } catch (e) {
        expectState(e, name);
      }
    }
    // Every 16th case: a live model disposed right after its job was queued.
    if (i % 16 === 0) {
      const m = new Ctor(TINY, i, PLANNED);
      const b = batch(r);
      const job = i % 32 === 0 ? m.forwardLogprobs(b.tokens, b.cu, b.mask) : m.trainMicro(b.tokens, b.cu, b.mask, { sft: true }, 1);
      m.dispose();
      m.dispose();  // twice is fine
      pending.push(job.then(() => { counts.settledAfterDispose++; }, (e) => { problems.push(`a job whose model was disposed failed: ${String(e?.message ?? e)}`); }));
    }
    if (pending.length >= 64) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return counts;
}

// The SFT warm start (docs/method.md section 9): a deliberately weak TinyPolicy trained
// from scratch on the synthetic suite's SFT data (plain, with demonstrations, with SET
// examples), so that a real share of prompts is hard when RL begins. Everything (suite,
// tokenizer, initial weights, batch order) is a function of the options, and the engine is
// deterministic and thread-count invariant, so the same command rebuilds the same weights
// bit for bit on the same build (`toolexpander sft`; the shipped checkpoint records its hash).

import { performance } from 'node:perf_hooks';
import { syntheticSuite } from '../data/synthetic/suite.js';
import type { Task } from '../data/types.js';
import { tinyConfig, type Qwen2Config } from '../model/qwen2-config.js';
import { TinyPolicy } from '../model/tiny-policy.js';
import { trainBpe } from '../model/tokenizer/bpe.js';
import { TxError } from '../errors.js';
import { DEFAULT_SPECIALS } from '../model/tokenizer/specials.js';
import { scoreRollout } from '../reward/score.js';
import { evaluate, type EvalResult } from '../rl/evaluate.js';
import { batchIndices, encodeSamples, packSamples, sftText } from './batches.js';
import { buildSftData } from '../toolexpander/sft.js';
import { buildPrompt, renderChatML } from '../toolexpander/prompt.js';

/**
 * Format tags as special tokens: one id each instead of 3-4 byte pieces, so the tiny model
 * spends no capacity spelling them. Allowed in prompts and targets (encode allowSpecial);
 * a user message cannot forge them because the trainer encodes user text the same way the
 * reward parser reads the output text, as plain characters.
 */
export const TOOL_SPECIALS: readonly string[] = [...DEFAULT_SPECIALS, '<think>', '</think>', '<tool_call>', '</tool_call>'];

export type WarmStartOptions = {
  seed: number;
  /** Synthetic suite: the same seed and train size as the RL runs that start from it. */
  dataSeed: number;
  trainSize: number;
  /**
   * Extra SFT tasks with generated argument values (random-values.ts), from task streams no
   * other split uses, values drawn from pools this large so that a value is rarely seen
   * twice. 0 reproduces the first shipped checkpoint, which memorised its few hundred train
   * values and could not copy a new one into a call; a model that cannot recall a value has
   * to copy it from the query, the skill every held-out split and RL prompt needs. The
   * tokenizer is trained on the samples of the trainSize tasks only (whose demonstrations
   * and SET examples may come from the generated tasks).
   */
  randomValueTasks: number;
  /** Tasks per held-out split evaluated at the end. */
  evalSize: number;
  vocabSize: number;
  model: Partial<Qwen2Config>;
  /** Start from this model folder (ours or a Hugging Face Qwen2 one) and its tokenizer instead of a new BPE and random weights. */
  init?: string;
  steps: number;
  /** Sequences per step. */
  batchSize: number;
  /** Peak learning rate: linear warm-up, then cosine decay to lr * finalRatio. */
  lr: number;
  warmup: number;
  finalRatio: number;
  /** Generation budget of the greedy evaluation. */
  maxTokens: number;
  /**
   * Early stop: every `validateEvery` steps (0: never) greedy accuracy on `validationSize`
   * validation tasks (test-distribution tasks outside the evaluated ones); training stops at
   * the first check reaching `stopAt`. This is what keeps the warm start weak on purpose:
   * a fixed step count lands anywhere from 0% to 60% depending on when copying is learned.
   */
  validateEvery: number;
  validationSize: number;
  stopAt: number;
};

export const WARM_START_DEFAULTS: WarmStartOptions = {
  seed: 0, dataSeed: 0, trainSize: 4000, randomValueTasks: 0, evalSize: 200, vocabSize: 2048, model: {},
  steps: 1500, batchSize: 32, lr: 3e-3, warmup: 20, finalRatio: 0.1, maxTokens: 160,
  validateEvery: 100, validationSize: 100, stopAt: 0.25,
};

export type WarmStartProgress = {
  step: number;
  steps: number;
  loss: number;
  lr: number;
  tokensPerSecond: number;
  /** Set on the steps after which the validation ran. */
  validation?: number;
};

export type WarmStartResult = {
  policy: TinyPolicy;
  options: WarmStartOptions;
  samples: number;
  /** Steps run: options.steps, or fewer when the validation reached stopAt. */
  stepsRun: number;
  validation: { step: number; accuracy: number }[];
  finalLoss: number;
  tokens: number;
  seconds: number;
  eval: EvalResult;
};

export function sftLearningRate(o: Pick<WarmStartOptions, 'lr' | 'warmup' | 'finalRatio' | 'steps'>, step: number): number {
  const warm = o.warmup > 0 ? Math.min(1, (step + 1) / o.warmup) : 1;
  const cos = 0.5 * (1 + Math.cos((Math.PI * step) / Math.max(1, o.steps - 1)));
  return o.lr * warm * (o.finalRatio + (1 - o.finalRatio) * cos);
}

/** The held-out splits of the suite, `size` tasks each (what `eval` and the demo report). */
export function heldOutSplits(dataSeed: number, trainSize: number, size: number): { train: Task[]; splits: Record<string, Task[]> } {
  const s = syntheticSuite({ seed: dataSeed, trainSize, testSize: size, testTemplatesSize: size, testUnseenApisSize: size });
  return { train: s.train, splits: { test: s.test, testTemplates: s.testTemplates, testUnseenApis: s.testUnseenApis } };
}

/** First task stream of the generated-value SFT tasks: far past any train split a run uses. */
export const RANDOM_TASKS_FROM = 1_000_000;

/** The warm start's generated-value tasks (seen APIs and templates, values from randomPools). */
function randomValueTasks(o: WarmStartOptions): Task[] {
  return syntheticSuite({
    seed: o.dataSeed, trainSize: o.randomValueTasks, trainFrom: RANDOM_TASKS_FROM, trainValues: 'random',
    randomPoolSize: Math.max(o.randomValueTasks, 400), testSize: 1, testTemplatesSize: 1, testUnseenApisSize: 1,
  }).train;
}

/**
 * Validation tasks: test-split tasks (seen APIs and templates, held-out values) at indices
 * from `skip` on, so they share no task stream with the `skip` evaluated test tasks. (A
 * split's category plan depends on its size, so these are not "tasks skip.. of the size-skip
 * split": that split has no such tasks. What matters is the disjoint index streams.)
 */
export function validationTasks(dataSeed: number, skip: number, size: number): Task[] {
  return syntheticSuite({ seed: dataSeed, trainSize: 1, testSize: skip + size, testTemplatesSize: 1, testUnseenApisSize: 1 }).test.slice(skip);
}

export async function warmStart(partial: Partial<WarmStartOptions> = {},
  onProgress?: (p: WarmStartProgress) => void): Promise<WarmStartResult> {
  const o: WarmStartOptions = { ...WARM_START_DEFAULTS, ...partial, model: { ...WARM_START_DEFAULTS.model, ...partial.model } };
  const t0 = performance.now();
  const { train, splits } = heldOutSplits(o.dataSeed, o.trainSize, o.evalSize);
  const tasks = o.randomValueTasks > 0 ? [...train, ...randomValueTasks(o)] : train;
  const samples = buildSftData(tasks, { seed: o.seed, style: 'compact' });
  const corpus = samples.slice(0, train.length).map((s) => {
    const t = sftText(s);
    return t.prompt + t.target;
  });
  const loaded = o.init === undefined ? undefined : await TinyPolicy.load(o.init, { maxBatchTokens: o.batchSize * 256 });
  if (loaded !== undefined && loaded.tokenizer === undefined) {
    loaded.dispose();
    throw new TxError('E_STATE', `sft --init ${o.init}: the folder has no tokenizer.json`);
  }
  const tokenizer = loaded?.tokenizer ?? trainBpe(corpus, { vocabSize: o.vocabSize, specials: TOOL_SPECIALS });
  // The BPE stops early when no pair is frequent enough (a small corpus): the model's
  // vocabulary is the tokenizer's, so it cannot sample an id the tokenizer lacks.
  const config = loaded?.config ?? { ...tinyConfig(tokenizer.vocabSize), ...o.model };
  const context = config.max_position_embeddings ?? 2048;
  const encoded = encodeSamples(tokenizer, samples, context);
  const policy = loaded ?? await TinyPolicy.create(config, { seed: o.seed, tokenizer, maxBatchTokens: o.batchSize * 256 });
  const render = (t: Task) => renderChatML(buildPrompt(t, { style: 'compact' }));
  const score = (text: string, t: Task) => scoreRollout(text, t, { matcher: 'exact', format: 'strict' });
  const evalCtx = { render, score, maxTokens: o.maxTokens, seed: o.seed };
  const validation = o.validateEvery > 0 ? validationTasks(o.dataSeed, o.evalSize, o.validationSize) : [];
  const curve: { step: number; accuracy: number }[] = [];
  let loss = 0;
  let tokens = 0;
  let stepsRun = 0;
  try {
    while (stepsRun < o.steps) {
      const step = stepsRun;
      const batch = packSamples(batchIndices(o.seed, encoded.length, o.batchSize, step).map((i) => encoded[i]!));
      const lr = sftLearningRate(o, step);
      const s = await policy.sftStep(batch, lr);
      loss = s.loss;
      tokens += batch.tokens.length;
      stepsRun++;
      let accuracy: number | undefined;
      if (validation.length > 0 && stepsRun % o.validateEvery === 0 && stepsRun < o.steps) {
        accuracy = (await evaluate(policy, { validation }, evalCtx))['validation']!.accuracy;
        curve.push({ step: stepsRun, accuracy });
      }
      onProgress?.({ step, steps: o.steps, loss, lr, tokensPerSecond: tokens / ((performance.now() - t0) / 1000), validation: accuracy });
      if (accuracy !== undefined && accuracy >= o.stopAt) break;
    }
    const ev = await evaluate(policy, splits, evalCtx);
    return {
      policy, options: o, samples: encoded.length, stepsRun, validation: curve, finalLoss: loss, tokens,
      seconds: (performance.now() - t0) / 1000, eval: ev,
    };
  } catch (e) {
    policy.dispose();
    throw e;
  }
}

// The GRPO trainer loop (docs/method.md sections 5-8). One step: draw B prompts (seeded
// epoch shuffles), G rollouts each, score, then the config's sampler (sampler.ts): hard
// sampling (replace hard groups by their first solved demo round, defer the rest), dynamic
// sampling (drop zero-variance groups, draw new prompts), or none; grouped advantages
// (native, grpo mode); policy.trainStep with the preset's loss and the step's learning rate;
// one metrics record; periodic greedy evaluation and checkpoints. Every random draw is keyed
// by (seed, purpose, step, ...), so the trainer state in a checkpoint is enough to continue
// bit-exactly.

import { performance } from 'node:perf_hooks';
import { TxError } from '../errors.js';
import type { Task } from '../data/types.js';
import type { Policy, StepStats, TrainSequence } from '../model/policy.js';
import { scoreRollout } from '../reward/score.js';
import { createDemoPool, type DemoPool } from '../toolexpander/demos.js';
import { sampleGroups, type SamplingContext } from '../toolexpander/groups.js';
import { clearDeferred, emptyBook, isHard } from '../toolexpander/levels.js';
import { buildPrompt, renderChatML } from '../toolexpander/prompt.js';
import { renderStyled, type PromptStyle } from '../toolexpander/prompt-styles.js';
import type { MetricsLog } from '../report/metrics-log.js';
import type { EvalRecord, StepRecord } from '../report/records.js';
import { grpoAdvantagesByGroup } from './advantages.js';
import { dynamicSampler } from './dynamic-sampler.js';
import { hardSampler } from './hard-sampler.js';
import { noSampler, type GroupSampler } from './sampler.js';
import { saveCheckpoint, TRAINER_STATE_VERSION, type TrainerState } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { evaluate } from './evaluate.js';
import { lossConfig } from './presets.js';
import { initialQueue, takePrompts } from './queue.js';
import { learningRate } from './schedule.js';
import { klToReference, meanStd, rolloutStats, variance } from './step-stats.js';
import { buildSequences, demoConditioned } from './transfer.js';

export type RenderPrompt = (task: Task, demos: readonly Task[]) => string;

/** The default prompt: compact tool signatures, demonstrations as earlier turns, ChatML. */
export const defaultRender: RenderPrompt = (task, demos) => renderChatML(buildPrompt(task, { style: 'compact', demos }));

/** The render of a run's prompt.style. */
export function styledRender(style: PromptStyle): RenderPrompt {
  return style === 'compact' ? defaultRender : (task, demos) => renderStyled(style, task, demos);
}

export type TrainerOptions = {
  config: TrainConfig;
  policy: Policy;
  /** The initial policy, frozen: KL penalty (required when loss.klCoef > 0) and the logged KL. */
  reference?: Policy;
  train: readonly Task[];
  evalSplits?: Readonly<Record<string, readonly Task[]>>;
  /** Demonstration pool (default: the training tasks). */
  pool?: DemoPool;
  /** Where checkpoints go; none are written without it. */
  runDir?: string;
  metrics?: MetricsLog;
  render?: RenderPrompt;
  /** Continue from a checkpoint's state (the caller has loaded the policy from the same checkpoint). */
  resume?: TrainerState;
  /**
   * The step-0 evaluation, when the caller already measured it for this same starting policy
   * and evaluation tasks (greedy decoding: the same for every arm and seed; the demo measures
   * it once). Logged as this run's own; without it the trainer evaluates.
   */
  startEval?: EvalRecord;
  onStep?: (rec: StepRecord, state: TrainerState) => void | Promise<void>;
  onEval?: (rec: EvalRecord) => void | Promise<void>;
};

export type TrainResult = { state: TrainerState; steps: StepRecord[]; evals: EvalRecord[] };

const ZERO_STATS: StepStats = { loss: 0, gradNorm: 0, entropy: 0, clipFracHigh: 0, clipFracLow: 0, ratioMean: 1, approxKl: 0, tokens: 0 };

export function initialState(cfg: TrainConfig, trainIds: readonly string[]): TrainerState {
  return {
    version: TRAINER_STATE_VERSION, step: 0, rng: { scheme: 'counter', seed: cfg.seed },
    queue: initialQueue(cfg.seed, trainIds), book: emptyBook(), lossWindow: [], lr: cfg.lr, metricsBytes: 0,
    rollouts: 0, rescued: [],
  };
}

/** The config's sampler: hard sampling wins when both are enabled (the presets enable one at most). */
export function samplerFor(cfg: TrainConfig): GroupSampler {
  const rounds = cfg.hardSampling.shots.length;
  if (cfg.hardSampling.enabled) return hardSampler({ shots: cfg.hardSampling.shots, maxExtraRollouts: cfg.hardSampling.maxExtraRollouts });
  if (cfg.dynamicSampling.enabled) return dynamicSampler({ batchSize: cfg.batchSize, maxExtraRollouts: cfg.dynamicSampling.maxExtraRollouts, rounds });
  return noSampler(rounds);
}

export async function train(opts: TrainerOptions): Promise<TrainResult> {
  const cfg = opts.config;
  const { policy } = opts;
  if (policy.trainStep === undefined) throw new TxError('E_STATE', 'the policy cannot train (no trainStep method)');
  if (cfg.loss.klCoef > 0 && opts.reference === undefined) {
    throw new TxError('E_STATE', `loss.klCoef is ${cfg.loss.klCoef} but no reference policy was given`);
  }
  if (opts.train.length === 0) throw new TxError('E_RANGE', 'no training tasks');
  const byId = new Map(opts.train.map((t) => [t.id, t]));
  const trainIds = opts.train.map((t) => t.id);
  const pool = opts.pool ?? createDemoPool(opts.train);
  const render = opts.render ?? styledRender(cfg.prompt?.style ?? 'compact');
  const score = (text: string, task: Task) => scoreRollout(text, task, cfg.reward);
  const shots = { shots: cfg.hardSampling.shots };
  const sampler = samplerFor(cfg);
  let state = opts.resume ?? initialState(cfg, trainIds);
  const steps: StepRecord[] = [];
  const evals: EvalRecord[] = [];

  const runEval = async (step: number) => {
    const splits = opts.evalSplits ?? {};
    if (Object.keys(splits).length === 0) return;
    const res = await evaluate(policy, splits, {
      render: (t) => render(t, []), score, maxTokens: cfg.generation.maxTokens, seed: cfg.seed,
    });
    const rec: EvalRecord = { type: 'eval', step, accuracy: Object.values(res)[0]?.accuracy ?? 0, splits: res };
    evals.push(rec);
    opts.metrics?.append(rec);
    await opts.onEval?.(rec);
  };

  if (state.step === 0 && cfg.eval.every > 0 && cfg.eval.atStart) {
    if (opts.startEval === undefined) await runEval(0);
    else {
      evals.push(opts.startEval);
      opts.metrics?.append(opts.startEval);
      await opts.onEval?.(opts.startEval);
    }
  }

  const budgetLeft = () => cfg.rolloutBudget === null || (state.rollouts ?? 0) < cfg.rolloutBudget;
  while (state.step < cfg.steps && budgetLeft()) {
    const t = state.step;
    const t0 = performance.now();
    const lr = learningRate(cfg, t);
    const ctx: SamplingContext = {
      policy, pool, render, score, generation: cfg.generation, groupSize: cfg.groupSize, seed: cfg.seed, step: t,
    };
    let { queue, book } = state;
    // The queue re-queues the book's deferred prompts at the next epoch boundary it crosses.
    const draw = (n: number): Task[] => {
      const d = takePrompts(queue, n, cfg.seed, trainIds, book.deferred);
      queue = d.queue;
      if (d.requeued) book = clearDeferred(book);
      return d.ids.map((id) => byId.get(id) as Task);
    };
    const tasks = draw(cfg.batchSize);
    const levels = tasks.map((task) => sampler.startLevel(book, task.id));
    const level = meanStd(levels).mean;
    const first = await sampleGroups(ctx, tasks, levels, 0, shots);
    const hard = first.filter((g) => isHard(g.scores)).length;
    // Hint reliance: prompts rescued with demonstrations earlier, drawn again at level 0.
    const rescuedBefore = new Set(state.rescued ?? []);
    let hintFollowUps = 0, hintFollowUpsSolved = 0;
    first.forEach((g) => {
      if (g.level !== 0 || !rescuedBefore.has(g.task.id)) return;
      hintFollowUps++;
      if (!isHard(g.scores)) hintFollowUpsSolved++;
      rescuedBefore.delete(g.task.id);
    });
    const sampled = await sampler.resample(first, { ...ctx, book, draw });
    if (sampled.book !== undefined) book = sampled.book;
    const { groups, resolvedPerRound, deferred, extraRollouts } = sampled;
    const promptsDrawn = tasks.length + sampled.extraPrompts;

    for (const g of groups) if (demoConditioned(g)) rescuedBefore.add(g.task.id);
    const adv = await grpoAdvantagesByGroup(groups.map((g) => g.scores.map((s) => s.reward)));
    const built = await buildSequences(groups, adv.perGroup, {
      trainOn: cfg.hardSampling.trainOn, isCap: cfg.hardSampling.isCap, policy, plainPrompt: (g) => render(g.task, []),
    });
    const sequences: TrainSequence[] = built.sequences;
    let kl: number | null = null;
    if (opts.reference !== undefined && sequences.length > 0) {
      const ref = await opts.reference.logprobs(sequences.map((s) => ({ prompt: s.prompt, completion: s.completion })));
      if (cfg.loss.klCoef > 0) sequences.forEach((s, i) => { s.refLogp = ref[i]; });
      kl = klToReference(sequences.map((s) => s.oldLogp), ref);
    }
    const stats = sequences.length > 0 ? await policy.trainStep({ sequences }, lossConfig(cfg), lr) : ZERO_STATS;
    const lossWindow = [...state.lossWindow, stats.loss].slice(-cfg.lossVarianceWindow);
    const stepTime = (performance.now() - t0) / 1000;
    const rs = rolloutStats(first);
    const rolloutsTotal = (state.rollouts ?? 0) + rs.rollouts + extraRollouts;
    const rec: StepRecord = {
      type: 'step', step: t, epoch: queue.epoch,
      rewardMean: rs.rewardMean, rewardStd: rs.rewardStd, accuracy: rs.accuracy, setRate: rs.setRate, schemaValidRate: rs.schemaValidRate,
      hardRate: tasks.length === 0 ? 0 : hard / tasks.length,
      resolvedPerRound, deferred, meanLevel: level,
      dataUtilization: adv.zeroVariance.filter((z) => !z).length / Math.max(1, promptsDrawn),
      extraRollouts, prompts: promptsDrawn, rollouts: rs.rollouts + extraRollouts,
      loss: stats.loss, lossVariance: variance(lossWindow), gradNorm: stats.gradNorm, entropy: stats.entropy ?? sampledEntropy(sequences), kl,
      clipFracHigh: stats.clipFracHigh, clipFracLow: stats.clipFracLow, ratioMean: stats.ratioMean, approxKl: stats.approxKl,
      lr, tokens: stats.tokens, rolloutsTotal,
      demoGradShare: built.stats.demoGradShare, rescuedGradShare: built.stats.rescuedGradShare, transferred: built.stats.transferred,
      isWeightMean: built.stats.isWeightMean, isTruncatedFrac: built.stats.isTruncatedFrac, hintFollowUps, hintFollowUpsSolved,
      tokensPerSecond: stepTime > 0 ? stats.tokens / stepTime : 0, stepTime,
    };
    steps.push(rec);
    opts.metrics?.append(rec);
    state = {
      ...state, step: t + 1, queue, book, lossWindow, lr, metricsBytes: opts.metrics?.bytes ?? 0,
      rollouts: rolloutsTotal, rescued: [...rescuedBefore].sort(),
    };
    const last = t + 1 === cfg.steps || !budgetLeft();
    if (cfg.eval.every > 0 && ((t + 1) % cfg.eval.every === 0 || last)) {
      await runEval(t + 1);
      state = { ...state, metricsBytes: opts.metrics?.bytes ?? 0 };
    }
    if (opts.runDir !== undefined && cfg.checkpoint.every > 0 && ((t + 1) % cfg.checkpoint.every === 0 || last)) {
      await saveCheckpoint(opts.runDir, policy, state);
    }
    await opts.onStep?.(rec, state);
  }
  return { state, steps, evals };
}

/**
 * Entropy when the policy does not report its own: the Monte Carlo estimate
 * H = E[-log p(x)] over the sampled completion tokens (their sampling log-probs).
 */
function sampledEntropy(sequences: readonly TrainSequence[]): number {
  let sum = 0, n = 0;
  for (const s of sequences) for (const lp of s.oldLogp) { sum -= lp; n++; }
  return n === 0 ? 0 : sum / n;
}

// The GRPO trainer loop (docs/method.md sections 5-8). One step: draw B prompts (seeded
// epoch shuffles), G rollouts each, score, then per the preset: hard sampling (replace hard
// groups by their first solved demo round, defer the rest), dynamic sampling (drop
// zero-variance groups, draw new prompts), or nothing; grouped advantages (native, grpo
// mode); policy.trainStep with the preset's loss and the step's learning rate; one metrics
// record; periodic greedy evaluation and checkpoints. Every random draw is keyed by (seed,
// purpose, step, ...), so the trainer state in a checkpoint is enough to continue bit-exactly.

import { performance } from 'node:perf_hooks';
import { TxError } from '../errors.js';
import type { Task } from '../data/types.js';
import type { Policy, StepStats, TrainSequence } from '../model/policy.js';
import { scoreRollout } from '../reward/score.js';
import { createDemoPool, type DemoPool } from '../toolexpander/demos.js';
import { hardSampleRounds, sampleGroups, type Group, type SamplingContext } from '../toolexpander/hardsampling.js';
import { emptyBook, isHard, meanLevel, startLevel } from '../toolexpander/levels.js';
import { buildPrompt, renderChatML } from '../toolexpander/prompt.js';
import type { MetricsLog } from '../report/metrics-log.js';
import type { EvalRecord, StepRecord } from '../report/records.js';
import { groupAdvantages } from './advantages.js';
import { saveCheckpoint, TRAINER_STATE_VERSION, type TrainerState } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { evaluate } from './evaluate.js';
import { lossConfig } from './presets.js';
import { initialQueue, takePrompts } from './queue.js';
import { learningRate } from './schedule.js';
import { klToReference, rolloutStats, variance, zeroVariance } from './step-stats.js';

export type RenderPrompt = (task: Task, demos: readonly Task[]) => string;

/** The default prompt: compact tool signatures, demonstrations as earlier turns, ChatML. */
export const defaultRender: RenderPrompt = (task, demos) => renderChatML(buildPrompt(task, { style: 'compact', demos }));

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
  onStep?: (rec: StepRecord, state: TrainerState) => void | Promise<void>;
  onEval?: (rec: EvalRecord) => void | Promise<void>;
};

export type TrainResult = { state: TrainerState; steps: StepRecord[]; evals: EvalRecord[] };

const ZERO_STATS: StepStats = { loss: 0, gradNorm: 0, entropy: 0, clipFracHigh: 0, clipFracLow: 0, ratioMean: 1, approxKl: 0, tokens: 0 };

export function initialState(cfg: TrainConfig, trainIds: readonly string[]): TrainerState {
  return {
    version: TRAINER_STATE_VERSION, step: 0, rng: { scheme: 'counter', seed: cfg.seed },
    queue: initialQueue(cfg.seed, trainIds), book: emptyBook(), lossWindow: [], lr: cfg.lr, metricsBytes: 0,
  };
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
  const render = opts.render ?? defaultRender;
  const score = (text: string, task: Task) => scoreRollout(text, task, cfg.reward);
  const shots = { shots: cfg.hardSampling.shots };
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

  if (state.step === 0 && cfg.eval.every > 0 && cfg.eval.atStart) await runEval(0);

  while (state.step < cfg.steps) {
    const t = state.step;
    const t0 = performance.now();
    const lr = learningRate(cfg, t);
    const ctx: SamplingContext = {
      policy, pool, render, score, generation: cfg.generation, groupSize: cfg.groupSize, seed: cfg.seed, step: t,
    };
    let drawn = takePrompts(state.queue, state.book, cfg.batchSize, cfg.seed, trainIds);
    let { queue, book } = drawn;
    const tasks = drawn.ids.map((id) => byId.get(id) as Task);
    const hs = cfg.hardSampling.enabled;
    const levels = tasks.map((task) => (hs ? startLevel(book, task.id) : 0));
    const level = hs ? meanLevel(book, drawn.ids) : 0;
    const first = await sampleGroups(ctx, tasks, levels, 0, shots);
    const hard = first.filter((g) => isHard(g.scores)).length;
    let groups: Group[] = first;
    let resolvedPerRound = cfg.hardSampling.shots.map(() => 0);
    let deferred = 0;
    let extraRollouts = 0;
    let promptsDrawn = tasks.length;
    if (hs) {
      const r = await hardSampleRounds(ctx, first, book, { shots: cfg.hardSampling.shots, maxExtraRollouts: cfg.hardSampling.maxExtraRollouts });
      groups = r.groups.filter((g): g is Group => g !== null);
      book = r.book;
      ({ resolvedPerRound, deferred, extraRollouts } = r.stats);
    } else if (cfg.dynamicSampling.enabled) {
      // DAPO: keep groups with a reward spread; refill from the queue while the budget lasts.
      groups = first.filter((g) => !zeroVariance(g));
      let left = cfg.dynamicSampling.maxExtraRollouts;
      for (let round = 1; groups.length < cfg.batchSize && left >= cfg.groupSize; round++) {
        const need = Math.min(cfg.batchSize - groups.length, Math.floor(left / cfg.groupSize));
        drawn = takePrompts(queue, book, need, cfg.seed, trainIds);
        ({ queue, book } = drawn);
        const more = await sampleGroups(ctx, drawn.ids.map((id) => byId.get(id) as Task), drawn.ids.map(() => 0), `dyn${round}`, shots);
        left -= need * cfg.groupSize;
        extraRollouts += need * cfg.groupSize;
        promptsDrawn += need;
        groups.push(...more.filter((g) => !zeroVariance(g)));
      }
    }

    const adv = await groupAdvantages(groups.map((g) => g.scores.map((s) => s.reward)));
    const sequences: TrainSequence[] = [];
    groups.forEach((g, gi) => g.rollouts.forEach((r, j) => sequences.push({
      prompt: g.prompt, completion: r.tokens, advantage: adv.perGroup[gi]?.[j] ?? 0, oldLogp: r.logp,
    })));
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
    const rec: StepRecord = {
      type: 'step', step: t, epoch: queue.epoch,
      rewardMean: rs.rewardMean, rewardStd: rs.rewardStd, accuracy: rs.accuracy, setRate: rs.setRate, schemaValidRate: rs.schemaValidRate,
      hardRate: tasks.length === 0 ? 0 : hard / tasks.length,
      resolvedPerRound, deferred, meanLevel: level,
      dataUtilization: adv.zeroVariance.filter((z) => !z).length / Math.max(1, promptsDrawn),
      extraRollouts, prompts: promptsDrawn, rollouts: rs.rollouts + extraRollouts,
      loss: stats.loss, lossVariance: variance(lossWindow), gradNorm: stats.gradNorm, entropy: stats.entropy ?? sampledEntropy(sequences), kl,
      clipFracHigh: stats.clipFracHigh, clipFracLow: stats.clipFracLow, ratioMean: stats.ratioMean, approxKl: stats.approxKl,
      lr, tokens: stats.tokens, tokensPerSecond: stepTime > 0 ? stats.tokens / stepTime : 0, stepTime,
    };
    steps.push(rec);
    opts.metrics?.append(rec);
    state = { ...state, step: t + 1, queue, book, lossWindow, lr, metricsBytes: opts.metrics?.bytes ?? 0 };
    const last = t + 1 === cfg.steps;
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

// The records of metrics.jsonl (docs/metrics.md): one `step` record per training
// step, one `eval` record per evaluation. Field names are part of the public surface: the
// report, the CI smoke test and users' notebooks read them.

/** Greedy accuracy on n tasks (lib/rl/evaluate.ts computes it). */
export type Accuracy = { n: number; correct: number; accuracy: number };
export type SplitResult = Accuracy & { byCategory: Record<string, Accuracy> };
/** Per held-out split: what an `eval` record carries. */
export type EvalResult = Record<string, SplitResult>;

export type StepRecord = {
  type: 'step';
  /** 0-based step index. */
  step: number;
  epoch: number;
  /**
   * Reward moments, accuracy, SET and schema-valid rates are over the step's first G
   * rollouts per prompt (before any resampling), so arms compare on the same footing.
   */
  rewardMean: number;
  rewardStd: number;
  /** Share of rollouts with r_base = 1. */
  accuracy: number;
  /** Share of rollouts paid the SET bonus. */
  setRate: number;
  schemaValidRate: number;
  /** Share of the step's prompts whose first group had no correct rollout. */
  hardRate: number;
  /** Hard groups first solved at extra round k (index k-1). */
  resolvedPerRound: number[];
  deferred: number;
  /** Mean demo level of the step's prompts at the start of their visit. */
  meanLevel: number;
  /** Share of the prompts drawn this step whose group contributes non-zero advantages. */
  dataUtilization: number;
  extraRollouts: number;
  /** Prompts drawn this step (dapo-filter draws more than batchSize). */
  prompts: number;
  /** All rollouts generated this step, extra ones included. */
  rollouts: number;
  loss: number;
  /** Variance of the loss over the last `lossVarianceWindow` steps (this one included). */
  lossVariance: number;
  gradNorm: number;
  entropy: number;
  /** k3 estimate of KL(sampling policy || initial policy) on the sampled tokens; null without a reference. */
  kl: number | null;
  clipFracHigh: number;
  clipFracLow: number;
  ratioMean: number;
  approxKl: number;
  lr: number;
  tokens: number;
  /** Rollouts generated so far in the run, this step's included (what rolloutBudget counts). */
  rolloutsTotal: number;
  /**
   * Share of the step's advantage mass sum |A_t| (the weight each token's gradient gets under
   * the loss) on sequences whose prompt carries demonstrations; and on sequences whose
   * completion was sampled with demonstrations, whatever prompt they are trained under.
   */
  demoGradShare: number;
  rescuedGradShare: number;
  /** hardSampling.trainOn 'plain'/'both': sequences trained under the plain prompt, their mean truncated importance weight, the share of tokens at the cap. */
  transferred: number;
  isWeightMean: number;
  isTruncatedFrac: number;
  /** Hint reliance: prompts drawn at level 0 that an earlier step rescued with demonstrations, and how many of them were solved (a correct rollout) without. */
  hintFollowUps: number;
  hintFollowUpsSolved: number;
  /** Wall-clock fields: not reproducible, excluded from bit-exact comparisons. */
  tokensPerSecond: number;
  stepTime: number;
};

export type EvalRecord = {
  type: 'eval';
  /** Steps trained before this evaluation (0 = the starting policy). */
  step: number;
  /** Main accuracy: the first evaluated split (test: unseen values, seen templates). */
  accuracy: number;
  splits: EvalResult;
};

export type MetricsRecord = StepRecord | EvalRecord;

/** Fields that depend on the wall clock. */
export const TIMING_FIELDS = ['tokensPerSecond', 'stepTime'] as const;

export const STEP_FIELDS: readonly (keyof StepRecord)[] = [
  'type', 'step', 'epoch', 'rewardMean', 'rewardStd', 'accuracy', 'setRate', 'schemaValidRate', 'hardRate',
  'resolvedPerRound', 'deferred', 'meanLevel', 'dataUtilization', 'extraRollouts', 'prompts', 'rollouts',
  'loss', 'lossVariance', 'gradNorm', 'entropy', 'kl', 'clipFracHigh', 'clipFracLow', 'ratioMean', 'approxKl',
  'lr', 'tokens', 'rolloutsTotal', 'demoGradShare', 'rescuedGradShare', 'transferred', 'isWeightMean', 'isTruncatedFrac',
  'hintFollowUps', 'hintFollowUpsSolved', 'tokensPerSecond', 'stepTime',
];

// The fields the report reads, checked when a metrics.jsonl is read back.
const STEP_NUMBERS = ['step', 'hardRate', 'dataUtilization', 'rewardMean', 'entropy', 'lossVariance', 'deferred', 'prompts', 'extraRollouts'] as const;

/** Why `x` is not a metrics record the report can use, or undefined when it is one. */
export function recordProblem(x: unknown): string | undefined {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return 'not an object';
  const r = x as Record<string, unknown>;
  if (r['type'] === 'eval') {
    if (typeof r['step'] !== 'number') return 'eval record without a numeric step';
    if (typeof r['accuracy'] !== 'number') return 'eval record without a numeric accuracy';
    const splits = r['splits'];
    if (splits === null || typeof splits !== 'object') return 'eval record without splits';
    for (const [k, v] of Object.entries(splits)) {
      if (v === null || typeof v !== 'object' || typeof (v as { accuracy?: unknown }).accuracy !== 'number') return `eval split '${k}' without a numeric accuracy`;
    }
    return undefined;
  }
  if (r['type'] === 'step') {
    for (const f of STEP_NUMBERS) if (typeof r[f] !== 'number') return `step record without a numeric ${f}`;
    if (r['kl'] !== null && typeof r['kl'] !== 'number') return 'step record whose kl is neither a number nor null';
    if (!Array.isArray(r['resolvedPerRound']) || !r['resolvedPerRound'].every((v) => typeof v === 'number')) return 'step record without resolvedPerRound numbers';
    return undefined;
  }
  return `type is ${JSON.stringify(r['type'])}, not "step" or "eval"`;
}

/** One run as the report reads it: its metrics.jsonl records, arm and seed. */
export type RunData = {
  name: string;
  /** The arm this run belongs to (its preset, unless named otherwise). */
  arm: string;
  seed: number;
  records: readonly MetricsRecord[];
};

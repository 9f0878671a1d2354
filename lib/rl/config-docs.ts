// The help text of every training-config field, by dotted path. withDescriptions() puts it
// into the JSON Schema as `description`, which editors show on hover and in completions
// (schemas/train-config.schema.json). test/rl/config-docs.test.ts fails when a field of the
// schema has no entry here, or an entry names no field.

export const CONFIG_DOCS: Readonly<Record<string, string>> = {
  $schema: 'Path or URL of this JSON Schema, for editors; ignored by the trainer.',
  name: 'Run name: the default run folder is runs/<name>. Letters, digits, ".", "_" and "-".',
  preset: 'The method: grpo (Tool-N1-style GRPO), toolexpander (hard sampling + SET), toolexpander-no-set, toolexpander-no-hs (ablations), dapo-filter (DAPO dynamic sampling in place of hard sampling), toolexpander-transfer (hard sampling with rescued completions trained under the plain prompt). Fields given here override it.',
  seed: 'Seed of the run: prompt order, sampling and the policy\'s initialisation. Same seed, same run, bit for bit.',
  init: 'Checkpoint folder the built-in tiny policy starts from (and keeps frozen as the KL reference); null: the weak SFT checkpoint shipped with the package.',
  rolloutBudget: 'Stop once this many rollouts were generated, every extra rollout of hard or dynamic sampling counted, so arms compare at equal compute; null: steps alone.',
  prompt: 'How tasks are written for the model.',
  'prompt.style': 'compact (one-line tool signatures, for the tiny model), tool-n1 (Tool-N1\'s JSON tools prompt) or qwen2.5 (Qwen2.5\'s own tool-calling template).',
  steps: 'Training steps (policy updates). The learning-rate schedule is spread over them, so a resumed run keeps this value.',
  batchSize: 'Prompts per step (B).',
  groupSize: 'Rollouts per prompt (G, at least 2): the group whose rewards are normalised into advantages.',
  generation: 'Sampling of the rollouts during training (evaluation is always greedy).',
  'generation.temperature': 'Sampling temperature; 0 is greedy.',
  'generation.topP': 'Nucleus sampling: keep the most likely tokens up to this total probability (1 = off).',
  'generation.topK': 'Keep only the k most likely tokens (0 = off).',
  'generation.maxTokens': 'Longest completion, in tokens; longer ones are cut and usually score 0.',
  lr: 'Peak learning rate of AdamW.',
  lrSchedule: 'constant, or exponential decay from lr (see lrGamma and lrFinalRatio).',
  lrGamma: 'Exponential schedule: decay factor per step; null: chosen so that the last step runs at lr * lrFinalRatio.',
  lrFinalRatio: 'Exponential schedule with lrGamma null: the last step\'s learning rate as a share of lr.',
  loss: 'The clipped policy-gradient loss (GRPO/PPO style) and its KL term.',
  'loss.clipLow': 'The probability ratio is clipped below at 1 - clipLow.',
  'loss.clipHigh': 'The probability ratio is clipped above at 1 + clipHigh (DAPO\'s clip-higher: 0.28).',
  'loss.dualClip': 'Dual clip bound c > 1 for negative advantages (verl clip_ratio_c, e.g. 3); 0: off.',
  'loss.klCoef': 'Weight of the KL penalty to the initial (reference) policy; 0: off.',
  'loss.klType': 'KL estimator: k1 = logp - ref, k2 = (logp - ref)^2 / 2, k3 = the low-variance estimator (clamped).',
  'loss.aggregation': 'How token losses are averaged: over all tokens (token-mean), or per sequence first (seq-mean-token-mean, seq-mean-token-sum, seq-mean-token-sum-norm).',
  reward: 'How a completion is scored.',
  'reward.matcher': 'Comparison of the predicted tool calls with the gold ones: exact (names and arguments equal), bfcl (BFCL\'s AST matcher), api-bank (API-Bank\'s).',
  'reward.format': 'Output format check: strict (one <think> block, then the <tool_call> block) or tool-n1 (Tool-N1\'s looser substring check).',
  'reward.setBonus': 'Self-Exemplifying Thinking: reward added when the reasoning contains a worked example of the tool call (below 1, so it never outweighs correctness); 0: off.',
  'reward.setGate': 'When the SET bonus can be paid: correct (only with a correct call), format (with any well-formed call), always.',
  hardSampling: 'Dynamic Multi-Round Hard Sampling: a group with no correct rollout is regenerated with demonstrations in the prompt, one more level per round.',
  'hardSampling.enabled': 'Turn hard sampling on.',
  'hardSampling.shots': 'Demonstrations per level: round k uses shots[k-1] demos; its length is the number of extra rounds (1 to 8).',
  'hardSampling.maxExtraRollouts': 'Budget of extra rollouts per step; a hard prompt the budget cannot pay is deferred to a later step.',
  'hardSampling.trainOn': 'The prompt a rescued group\'s completions are trained under: demo (the one they were sampled from, with demonstrations; the paper), plain (the prompt the model is evaluated on, weighted by the truncated importance ratio), or both.',
  'hardSampling.isCap': 'trainOn plain/both: the per-token importance weight pi_old(y | plain) / pi_behaviour(y | demos) is truncated at this value (TRL / verl truncated importance sampling).',
  dynamicSampling: 'DAPO\'s dynamic sampling: drop groups whose rewards are all equal and draw new prompts instead.',
  'dynamicSampling.enabled': 'Turn dynamic sampling on.',
  'dynamicSampling.maxExtraRollouts': 'Budget of extra rollouts per step for the replacement prompts.',
  eval: 'Greedy evaluation on held-out tasks during training.',
  'eval.every': 'Evaluate every this many steps (and after the last); 0: never.',
  'eval.size': 'Tasks per held-out split and evaluation (the first ones of each split).',
  'eval.splits': 'Held-out splits: test (unseen values, seen templates), testTemplates (unseen templates), testUnseenApis (unseen APIs). The first is the main accuracy.',
  'eval.atStart': 'Also evaluate the starting policy, before the first step.',
  checkpoint: 'Checkpoints under the run folder, from which --resume continues bit-exactly.',
  'checkpoint.every': 'Save every this many steps (and after the last); 0: never.',
  data: 'The tasks: the built-in synthetic suite, or JSONL task files (BFCL / API-Bank converted).',
  'data.source': 'synthetic (the generated suite) or jsonl (task files: give train, and eval for the held-out splits).',
  'data.seed': 'synthetic: seed of the generated suite (independent of the run\'s seed).',
  'data.trainSize': 'synthetic: number of training tasks.',
  'data.trainFrom': 'synthetic: index of the first training task in the seed\'s suite (default 0); the demo starts past the warm start\'s SFT tasks.',
  'data.trainValues': 'synthetic: train (the suite\'s own argument values) or fresh (values disjoint from the SFT set and the held-out splits, so RL cannot succeed by recall).',
  'data.testSize': 'synthetic: tasks generated for the test split (evaluations use at most eval.size of them, as of every split).',
  'data.train': 'jsonl: path of the training task file, one task per line.',
  'data.eval': 'jsonl: task file per held-out split; splits named in eval.splits without a file are skipped.',
  'data.eval.test': 'jsonl: task file of the test split.',
  'data.eval.testTemplates': 'jsonl: task file of the testTemplates split.',
  'data.eval.testUnseenApis': 'jsonl: task file of the testUnseenApis split.',
  lossVarianceWindow: 'Steps in the window over which the logged loss variance is computed.',
  collapse: 'Collapse detector of the report: flags a run whose accuracy falls or whose entropy vanishes.',
  'collapse.margin': 'Flag when held-out accuracy drops more than this below its running best.',
  'collapse.minEntropy': 'Flag when the policy\'s mean entropy falls below this.',
  report: 'Where the run\'s metrics go.',
  'report.sinks': 'Metrics sinks: jsonl (metrics.jsonl, always on: resume and report.html read it) and tensorboard (event files in <run>/tensorboard/, for tensorboard --logdir).',
};

type Schema = { [k: string]: unknown };

/** Every field path of a schema (properties, nested objects, and anyOf branches' properties). */
export function schemaFieldPaths(schema: Schema, prefix = ''): string[] {
  const out: string[] = [];
  for (const branch of [schema, ...((schema['anyOf'] as Schema[] | undefined) ?? [])]) {
    const props = branch['properties'] as Record<string, Schema> | undefined;
    if (props === undefined) continue;
    for (const [k, sub] of Object.entries(props)) {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      if (!out.includes(path)) out.push(path);
      for (const p of schemaFieldPaths(sub, path)) if (!out.includes(p)) out.push(p);
    }
  }
  return out;
}

/** A copy of `schema` with CONFIG_DOCS as each field's description (shared sub-schemas are copied, not mutated). */
export function withDescriptions<T extends Schema>(schema: T, docs: Readonly<Record<string, string>> = CONFIG_DOCS, prefix = ''): T {
  const copy: Schema = { ...schema };
  const props = schema['properties'] as Record<string, Schema> | undefined;
  if (props !== undefined) {
    copy['properties'] = Object.fromEntries(Object.entries(props).map(([k, sub]) => {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      const described = withDescriptions(sub, docs, path);
      const text = docs[path];
      return [k, text === undefined ? described : { description: text, ...described }];
    }));
  }
  const anyOf = schema['anyOf'] as Schema[] | undefined;
  if (anyOf !== undefined) copy['anyOf'] = anyOf.map((b) => withDescriptions(b, docs, prefix));
  return copy as T;
}

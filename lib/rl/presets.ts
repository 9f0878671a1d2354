// The presets of docs/method.md section 7 and the defaults under them. A run's config is
// DEFAULTS <- PRESETS[preset] <- the user's --config <- command-line flags, validated whole.

import { TxError } from '../errors.js';
import type { GrpoConfig } from '../engine/grpo_loss.js';
import { PRESET_NAMES, validateTrainConfig, type PartialTrainConfig, type PresetName, type TrainConfig } from './config.js';

/** Sizes for the tiny embedded model on 2 CPU cores; real models override them. */
export const DEFAULTS: TrainConfig = {
  name: 'run',
  preset: 'toolexpander',
  seed: 0,
  init: null,
  prompt: { style: 'compact' },
  steps: 100,
  rolloutBudget: null,
  batchSize: 16,
  groupSize: 8,
  generation: { temperature: 1, topP: 1, topK: 0, maxTokens: 128 },
  lr: 1e-4,
  lrSchedule: 'constant',
  lrGamma: null,
  lrFinalRatio: 0.1,
  loss: { clipLow: 0.2, clipHigh: 0.2, dualClip: 0, klCoef: 0, klType: 'k3', aggregation: 'token-mean' },
  reward: { matcher: 'exact', format: 'strict', setBonus: 0, setGate: 'correct' },
  hardSampling: { enabled: false, shots: [1, 2], maxExtraRollouts: 64, trainOn: 'demo', isCap: 2 },
  dynamicSampling: { enabled: false, maxExtraRollouts: 64 },
  eval: { every: 20, size: 100, splits: ['test', 'testTemplates', 'testUnseenApis'], atStart: true },
  checkpoint: { every: 20 },
  data: { source: 'synthetic', seed: 0, trainSize: 2000, testSize: 400 },
  lossVarianceWindow: 10,
  collapse: { margin: 0.15, minEntropy: 0.05 },
  report: { sinks: ['jsonl'] },
};

// [paper] no KL, [choice] DAPO's clip-higher, exponential decay, hard sampling and SET on.
const TOOLEXPANDER: PartialTrainConfig = {
  loss: { clipLow: 0.2, clipHigh: 0.28, klCoef: 0 },
  lrSchedule: 'exponential',
  reward: { setBonus: 0.01, setGate: 'correct' },
  hardSampling: { enabled: true },
  dynamicSampling: { enabled: false },
};

export const PRESETS: Readonly<Record<PresetName, PartialTrainConfig>> = {
  // Tool-N1's settings scaled down: KL k3 beta 1e-3, symmetric clip, constant LR.
  grpo: {
    loss: { clipLow: 0.2, clipHigh: 0.2, klCoef: 1e-3, klType: 'k3' },
    lrSchedule: 'constant',
    reward: { setBonus: 0 },
    hardSampling: { enabled: false },
    dynamicSampling: { enabled: false },
  },
  toolexpander: TOOLEXPANDER,
  'toolexpander-no-set': merge(TOOLEXPANDER, { reward: { setBonus: 0 } }),
  'toolexpander-no-hs': merge(TOOLEXPANDER, { hardSampling: { enabled: false } }),
  // [choice] toolexpander with hard sampling swapped for DAPO's dynamic sampling (SET kept),
  // so the arm isolates the one difference between the peer method and ours.
  'dapo-filter': merge(TOOLEXPANDER, { hardSampling: { enabled: false }, dynamicSampling: { enabled: true } }),
  // [choice, beyond the paper] rescued completions trained under the plain prompt the model
  // is evaluated on, with truncated importance weights (Guide-GRPO, LUFFY, HiLL's concern
  // that a success under the hinted input need not improve the no-hint policy).
  'toolexpander-transfer': merge(TOOLEXPANDER, { hardSampling: { trainOn: 'plain' } }),
};

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Deep merge of plain objects; arrays and scalars in `over` replace those in `base`. */
export function merge<T>(base: T, over: unknown): T {
  if (!isObject(base) || !isObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === '$schema' || v === undefined) continue;
    const b = out[k];
    // A data object of another source replaces the base's; of the same source, it refines it.
    const sameKind = isObject(b) && isObject(v) && (!('source' in v) || v['source'] === b['source']);
    out[k] = sameKind ? merge(b, v) : v;
  }
  return out as T;
}

export function isPresetName(x: unknown): x is PresetName {
  return typeof x === 'string' && (PRESET_NAMES as readonly string[]).includes(x);
}

/**
 * The full config of a run: defaults, then the preset (`overrides.preset`, else `preset`),
 * then `overrides`. Both the overrides and the result are checked against the schema.
 */
export function resolveTrainConfig(preset: PresetName | undefined, overrides: unknown = {}): TrainConfig {
  const user = validateTrainConfig(overrides);
  const name = user.preset ?? preset ?? DEFAULTS.preset;
  if (!isPresetName(name)) throw new TxError('E_RANGE', `unknown preset '${String(name)}'; one of ${PRESET_NAMES.join(', ')}`);
  const full = merge(merge(merge(DEFAULTS, PRESETS[name]), user), { preset: name });
  validateTrainConfig(full, 'resolved config');
  return full;
}

/** The loss settings policy.trainStep receives. */
export function lossConfig(cfg: TrainConfig): GrpoConfig {
  return { ...cfg.loss };
}

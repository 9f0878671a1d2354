// The training configuration: one plain object, logged verbatim in every run's config.json.
// trainConfigSchema is the published JSON Schema (schemas/train-config.schema.json is this
// object written out; test/rl/config.test.ts checks the two agree). A user's --config file
// is a partial config: it overrides the preset, which overrides DEFAULTS.

import { Ajv, type ErrorObject } from 'ajv';
import { TxError } from '../errors.js';
import type { GrpoConfig } from '../engine/grpo_loss.js';
import { SINK_NAMES, type SinkName } from '../report/sinks.js';
import { withDescriptions } from './config-docs.js';

export const PRESET_NAMES = ['grpo', 'toolexpander', 'toolexpander-no-set', 'toolexpander-no-hs', 'dapo-filter'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const EVAL_SPLITS = ['test', 'testTemplates', 'testUnseenApis'] as const;
export type EvalSplit = (typeof EVAL_SPLITS)[number];

export type LrSchedule = 'constant' | 'exponential';

export type TrainConfig = {
  name: string;
  preset: PresetName;
  seed: number;
  /**
   * The checkpoint folder the built-in 'tiny' policy starts from (and keeps frozen as the
   * reference); null: the weak SFT checkpoint shipped in the package (checkpoints/weak-sft).
   */
  init: string | null;
  steps: number;
  /** Prompts per step (B). */
  batchSize: number;
  /** Rollouts per prompt (G). */
  groupSize: number;
  generation: { temperature: number; topP: number; topK: number; maxTokens: number };
  lr: number;
  lrSchedule: LrSchedule;
  /** Exponential decay factor per step; null: reach lr * lrFinalRatio at the last step. */
  lrGamma: number | null;
  lrFinalRatio: number;
  loss: Required<Pick<GrpoConfig, 'clipLow' | 'clipHigh' | 'dualClip' | 'klCoef' | 'klType' | 'aggregation'>>;
  reward: { matcher: 'exact' | 'bfcl' | 'api-bank'; format: 'strict' | 'tool-n1'; setBonus: number; setGate: 'correct' | 'format' | 'always' };
  /** Dynamic Multi-Round Hard Sampling (docs/method.md section 5). */
  hardSampling: { enabled: boolean; shots: number[]; maxExtraRollouts: number };
  /** DAPO's dynamic sampling: drop zero-variance groups, draw new prompts within the budget. */
  dynamicSampling: { enabled: boolean; maxExtraRollouts: number };
  eval: { every: number; size: number; splits: EvalSplit[]; atStart: boolean };
  checkpoint: { every: number };
  data: { source: 'synthetic'; seed: number; trainSize: number; testSize: number }
    | { source: 'jsonl'; train: string; eval: Partial<Record<EvalSplit, string>> };
  /** Steps in the window of the logged loss variance. */
  lossVarianceWindow: number;
  /** Collapse detector: accuracy more than `margin` below its running best, or entropy below `minEntropy`. */
  collapse: { margin: number; minEntropy: number };
  /** Where metrics go: metrics.jsonl always, plus trackers (lib/report/sinks.ts). */
  report: { sinks: SinkName[] };
};

/** A --config file or preset: any subset of TrainConfig, nested objects partial too. */
export type PartialTrainConfig = { [K in keyof TrainConfig]?: TrainConfig[K] extends unknown[] | null | string | number | boolean
  ? TrainConfig[K] : Partial<TrainConfig[K]> };

const posInt = { type: 'integer', minimum: 1 } as const;
const nonNegInt = { type: 'integer', minimum: 0 } as const;
const obj = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, properties });

export const TRAIN_CONFIG_SCHEMA_ID = 'https://github.com/toolexpander/toolexpander/schemas/train-config.schema.json';

// Field descriptions come from lib/rl/config-docs.ts (one entry per field).
export const trainConfigSchema = withDescriptions({
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: TRAIN_CONFIG_SCHEMA_ID,
  title: 'toolexpander training config',
  description: 'A full or partial training config: fields given here override the preset, which overrides the defaults.',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9._-]+$' },
    preset: { enum: [...PRESET_NAMES] },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    init: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'null' }] },
    steps: posInt,
    batchSize: posInt,
    groupSize: { type: 'integer', minimum: 2 },
    generation: obj({
      temperature: { type: 'number', minimum: 0 },
      topP: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
      topK: nonNegInt,
      maxTokens: posInt,
    }),
    lr: { type: 'number', exclusiveMinimum: 0 },
    lrSchedule: { enum: ['constant', 'exponential'] },
    lrGamma: { anyOf: [{ type: 'number', exclusiveMinimum: 0, maximum: 1 }, { type: 'null' }] },
    lrFinalRatio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    loss: obj({
      clipLow: { type: 'number', minimum: 0, maximum: 1 },
      clipHigh: { type: 'number', minimum: 0 },
      dualClip: { type: 'number', minimum: 0 },
      klCoef: { type: 'number', minimum: 0 },
      klType: { enum: ['k1', 'k2', 'k3'] },
      aggregation: { enum: ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum', 'seq-mean-token-sum-norm'] },
    }),
    reward: obj({
      matcher: { enum: ['exact', 'bfcl', 'api-bank'] },
      format: { enum: ['strict', 'tool-n1'] },
      setBonus: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
      setGate: { enum: ['correct', 'format', 'always'] },
    }),
    hardSampling: obj({
      enabled: { type: 'boolean' },
      shots: { type: 'array', items: posInt, minItems: 1, maxItems: 8 },
      maxExtraRollouts: nonNegInt,
    }),
    dynamicSampling: obj({ enabled: { type: 'boolean' }, maxExtraRollouts: nonNegInt }),
    eval: obj({
      every: nonNegInt,
      size: posInt,
      splits: { type: 'array', items: { enum: [...EVAL_SPLITS] }, uniqueItems: true },
      atStart: { type: 'boolean' },
    }),
    checkpoint: obj({ every: nonNegInt }),
    data: {
      anyOf: [
        { type: 'object', additionalProperties: false, required: ['source'],
          properties: { source: { const: 'synthetic' }, seed: nonNegInt, trainSize: posInt, testSize: posInt } },
        { type: 'object', additionalProperties: false, required: ['source', 'train'],
          properties: { source: { const: 'jsonl' }, train: { type: 'string' },
                        eval: { type: 'object', additionalProperties: false, properties: Object.fromEntries(EVAL_SPLITS.map((s) => [s, { type: 'string' }])) } } },
      ],
    },
    lossVarianceWindow: posInt,
    collapse: obj({ margin: { type: 'number', minimum: 0 }, minEntropy: { type: 'number', minimum: 0 } }),
    report: obj({
      sinks: { type: 'array', items: { enum: [...SINK_NAMES] }, uniqueItems: true, contains: { const: 'jsonl' } },
    }),
  },
});

const ajv = new Ajv({ allErrors: false, strict: true });
const validateSchema = ajv.compile(trainConfigSchema);

function describe(err: ErrorObject | undefined): string {
  if (err === undefined) return 'is invalid';
  const at = `config${err.instancePath.replace(/\//g, '.')}`;
  const p = err.params as Record<string, unknown>;
  if (err.keyword === 'additionalProperties') return `${at}.${String(p['additionalProperty'])} is not a known field`;
  if (err.keyword === 'enum') return `${at} must be one of ${JSON.stringify(p['allowedValues'])}`;
  if (err.keyword === 'contains' && err.instancePath === '/report/sinks') return `${at} must include "jsonl" (resume and report.html read metrics.jsonl)`;
  return `${at} ${err.message ?? 'is invalid'}`;
}

/** Throws TxError('E_FORMAT') naming the field when `x` is not a valid (partial) config. */
export function validateTrainConfig(x: unknown, source = 'config'): PartialTrainConfig {
  if (!validateSchema(x)) {
    const errs = validateSchema.errors ?? [];
    // anyOf reports its branches' errors first; the deepest path names the field best.
    const best = errs.filter((e) => e.keyword !== 'anyOf').sort((a, b) => b.instancePath.length - a.instancePath.length)[0] ?? errs[0];
    throw new TxError('E_FORMAT', `${source}: ${describe(best)}`);
  }
  return x as PartialTrainConfig;
}

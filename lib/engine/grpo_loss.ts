// GRPO policy loss, fused forward + backward (docs/kernels.md section 4): verl's
// compute_policy_loss_vanilla (clip low/high, dual clip) plus an optional KL penalty
// (k1, k2, k3 with verl's clamps), aggregated by one of verl's agg_loss modes.
import { TxError } from '../errors.js';
import { show } from './show.js';
import { native, type NativeDeviceBuffer, type NativeGrpoLossResult } from './native.js';
import { DeviceTensor } from './tensor.js';

export type KlType = 'k1' | 'k2' | 'k3';
export type LossAggregation = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum' | 'seq-mean-token-sum-norm';

type Vec = Float32Array | DeviceTensor;

export interface GrpoLossInputs<F extends Vec = Vec> {
  /** f32[N] log-probs of the current policy (the gradient is taken w.r.t. these). */
  logp: F;
  /** f32[N] log-probs of the policy that sampled the rollouts. */
  oldLogp: F;
  /** f32[N] reference policy log-probs; required when cfg.klCoef > 0. */
  refLogp?: F;
  /** f32[N] per-token advantages. */
  advantages: F;
  /** u8[N]: nonzero on tokens that count (response tokens). */
  mask: Uint8Array | DeviceTensor;
  /** i32[B+1]: tokens of sequence s are seqOffsets[s]..seqOffsets[s+1]-1; host memory. */
  seqOffsets: Int32Array;
}

export interface GrpoConfig {
  /** r is clipped below at 1 - clipLow. Default 0.2. */
  clipLow?: number;
  /** r is clipped above at 1 + clipHigh. Default 0.2 (DAPO's clip-higher: 0.28). */
  clipHigh?: number;
  /** Dual clip c > 1 for A < 0 (verl clip_ratio_c = 3); 0 or undefined = off. */
  dualClip?: number;
  /** beta of the KL penalty. Default 0 (off). */
  klCoef?: number;
  /** k1 = logp - ref; k2 = (logp - ref)^2 / 2; k3 = verl low_var_kl (clamped). Default k3. */
  klType?: KlType;
  /** Default token-mean (verl's default). */
  aggregation?: LossAggregation;
  /** Divisor of seq-mean-token-sum-norm. Default: the longest sequence (verl: padded length). */
  normConstant?: number;
}

export interface GrpoLossStats {
  /** Fraction of masked tokens with A > 0 and r > 1 + clipHigh. */
  clipFracHigh: number;
  /** Fraction with A < 0 and r < 1 - clipLow. clipFracHigh + clipFracLow = verl pg_clipfrac. */
  clipFracLow: number;
  /** Fraction where the dual clip bound was taken (verl pg_clipfrac_lower). */
  dualClipFrac: number;
  /** Masked mean of r. */
  ratioMean: number;
  /** Masked mean of -log ratio (verl ppo_kl). */
  approxKl: number;
  /** Masked mean of the KL estimator against refLogp (0 without it). */
  klMean: number;
  /** Number of masked tokens. */
  tokens: number;
}

export interface GrpoLossResult<F = Float32Array> {
  loss: number;
  /** d loss / d logp, 0 on unmasked tokens. */
  gradLogp: F;
  stats: GrpoLossStats;
}

const KL_TYPES: Record<KlType, number> = { k1: 0, k2: 1, k3: 2 };
const AGGREGATIONS: Record<LossAggregation, number> = {
  'token-mean': 0,
  'seq-mean-token-mean': 1,
  'seq-mean-token-sum': 2,
  'seq-mean-token-sum-norm': 3,
};

function enumOption<K extends string>(table: Record<K, number>, value: unknown, name: string, fallback: K): number {
  const key = value === undefined ? fallback : value;
  if (typeof key !== 'string' || !Object.hasOwn(table, key)) {
    throw new TxError('E_RANGE', `${name} must be one of ${Object.keys(table).map((k) => `'${k}'`).join(', ')}, got ${show(value)}`);
  }
  return table[key as K];
}

const handle = <T>(v: T | DeviceTensor): T | NativeDeviceBuffer => (v instanceof DeviceTensor ? v.handle : v);

function nativeArgs(inputs: GrpoLossInputs, cfg: GrpoConfig) {
  if (inputs === null || typeof inputs !== 'object') throw new TxError('E_RANGE', 'inputs must be an object');
  if (cfg === null || typeof cfg !== 'object') throw new TxError('E_RANGE', 'cfg must be an object');
  return [
    handle(inputs.logp),
    handle(inputs.oldLogp),
    inputs.refLogp === undefined ? undefined : handle(inputs.refLogp),
    handle(inputs.advantages),
    handle(inputs.mask),
    inputs.seqOffsets,
    cfg.clipLow ?? 0.2,
    cfg.clipHigh ?? 0.2,
    cfg.dualClip ?? 0,
    cfg.klCoef ?? 0,
    enumOption(KL_TYPES, cfg.klType, 'cfg.klType', 'k3'),
    enumOption(AGGREGATIONS, cfg.aggregation, 'cfg.aggregation', 'token-mean'),
    cfg.normConstant,
  ] as const;
}

function wrap(r: NativeGrpoLossResult, onDevice: number | undefined): GrpoLossResult<Float32Array | DeviceTensor> {
  const s = r.scalars;
  return {
    loss: s[0]!,
    gradLogp: onDevice === undefined ? (r.gradLogp as Float32Array) : DeviceTensor.fromHandle(r.gradLogp as NativeDeviceBuffer, 'f32', onDevice),
    stats: {
      clipFracHigh: s[1]!,
      clipFracLow: s[2]!,
      dualClipFrac: s[3]!,
      ratioMean: s[4]!,
      approxKl: s[5]!,
      klMean: s[6]!,
      tokens: s[7]!,
    },
  };
}

const deviceOf = (inputs: GrpoLossInputs) => (inputs?.logp instanceof DeviceTensor ? inputs.logp.device : undefined);

/** GRPO loss and its gradient w.r.t. logp, off the JS thread. gradLogp lives where logp lives. */
export function grpoLoss(inputs: GrpoLossInputs<Float32Array>, cfg?: GrpoConfig): Promise<GrpoLossResult<Float32Array>>;
export function grpoLoss(inputs: GrpoLossInputs<DeviceTensor>, cfg?: GrpoConfig): Promise<GrpoLossResult<DeviceTensor>>;
export async function grpoLoss(inputs: GrpoLossInputs, cfg: GrpoConfig = {}): Promise<GrpoLossResult<Float32Array | DeviceTensor>> {
  return wrap(await native().grpoLoss(...nativeArgs(inputs, cfg)), deviceOf(inputs));
}

/** Blocking form of grpoLoss. */
export function grpoLossSync(inputs: GrpoLossInputs<Float32Array>, cfg?: GrpoConfig): GrpoLossResult<Float32Array>;
export function grpoLossSync(inputs: GrpoLossInputs<DeviceTensor>, cfg?: GrpoConfig): GrpoLossResult<DeviceTensor>;
export function grpoLossSync(inputs: GrpoLossInputs, cfg: GrpoConfig = {}): GrpoLossResult<Float32Array | DeviceTensor> {
  return wrap(native().grpoLossSync(...nativeArgs(inputs, cfg)), deviceOf(inputs));
}

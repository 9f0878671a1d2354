// Grouped advantage normalization (docs/kernels.md section 1): GRPO, Dr. GRPO and RLOO over
// groups of variable size, with zero-variance flags and optional token broadcast.
import { TxError } from '../errors.js';
import { show } from './show.js';
import { native, type NativeAdvantagesResult, type NativeDeviceBuffer } from './native.js';
import { DeviceTensor } from './tensor.js';

export type AdvantageMode = 'grpo' | 'drgrpo' | 'rloo';
export type StdKind = 'unbiased' | 'biased';

export interface GroupedAdvantagesOptions {
  /** grpo: (r - mean) / (std + eps); drgrpo: r - mean; rloo: r - mean of the others. Default grpo. */
  mode?: AdvantageMode;
  /** Added to std in grpo mode. Default 1e-6 (verl's epsilon). */
  eps?: number;
  /** unbiased (n - 1, default, as torch.std and verl) or biased (n). */
  std?: StdKind;
  /** i32[R+1]: tokens of rollout i are seqOffsets[i]..seqOffsets[i+1]-1. Turns on token broadcast. */
  seqOffsets?: Int32Array;
  /** u8[N]: 1 on response tokens; the broadcast writes 0 elsewhere. Default: every token. */
  responseMask?: Uint8Array | DeviceTensor;
  /**
   * Caller buffers to write results into instead of allocating (reuse them across steps:
   * fresh memory costs page faults that can exceed the op itself). `advantages` may be
   * `rewards` itself (in place). Any field may be left out.
   */
  out?: Partial<GroupedAdvantagesResult<Float32Array | DeviceTensor, Uint8Array | DeviceTensor>>;
}

export interface GroupedAdvantagesResult<F = Float32Array, U = Uint8Array> {
  advantages: F;
  mean: F;
  std: F;
  /** 1 where every reward of the group is equal: no gradient; the groups hard sampling acts on. */
  zeroVariance: U;
  tokenAdvantages?: F;
}

type HostResult = GroupedAdvantagesResult<Float32Array, Uint8Array>;
type DeviceResult = GroupedAdvantagesResult<DeviceTensor, DeviceTensor>;

const MODES: Record<AdvantageMode, number> = { grpo: 0, drgrpo: 1, rloo: 2 };
const STDS: Record<StdKind, number> = { unbiased: 0, biased: 1 };

function enumOption<K extends string>(table: Record<K, number>, value: unknown, name: string, fallback: K): number {
  const key = value === undefined ? fallback : value;
  if (typeof key !== 'string' || !Object.hasOwn(table, key)) {
    throw new TxError('E_RANGE', `${name} must be one of ${Object.keys(table).map((k) => `'${k}'`).join(', ')}, got ${show(value)}`);
  }
  return table[key as K];
}

function nativeArgs(rewards: Float32Array | DeviceTensor, groupOffsets: Int32Array, opts: GroupedAdvantagesOptions) {
  if (opts === null || typeof opts !== 'object') throw new TxError('E_RANGE', 'opts must be an object');
  const eps = opts.eps ?? 1e-6;
  if (typeof eps !== 'number') throw new TxError('E_RANGE', `opts.eps must be a number, got ${typeof eps}`);
  const handle = <T>(x: T | DeviceTensor) => (x instanceof DeviceTensor ? x.handle : x);
  const mask = handle(opts.responseMask);
  let out: Record<string, unknown> | undefined;
  if (opts.out !== undefined) {
    if (opts.out === null || typeof opts.out !== 'object') throw new TxError('E_RANGE', 'opts.out must be an object');
    out = {};
    for (const key of ['advantages', 'mean', 'std', 'zeroVariance', 'tokenAdvantages'] as const) {
      if (opts.out[key] !== undefined) out[key] = handle(opts.out[key]);
    }
  }
  return [
    rewards instanceof DeviceTensor ? rewards.handle : rewards,
    groupOffsets,
    enumOption(MODES, opts.mode, 'opts.mode', 'grpo'),
    enumOption(STDS, opts.std, 'opts.std', 'unbiased'),
    eps,
    opts.seqOffsets,
    mask,
    out,
  ] as const;
}

function wrap(r: NativeAdvantagesResult, onDevice: number | undefined): HostResult | DeviceResult {
  if (onDevice === undefined) return r as HostResult;
  const t = (h: unknown, dtype: 'f32' | 'u8') => DeviceTensor.fromHandle(h as NativeDeviceBuffer, dtype, onDevice);
  const out: DeviceResult = {
    advantages: t(r.advantages, 'f32'),
    mean: t(r.mean, 'f32'),
    std: t(r.std, 'f32'),
    zeroVariance: t(r.zeroVariance, 'u8'),
  };
  if (r.tokenAdvantages !== undefined) out.tokenAdvantages = t(r.tokenAdvantages, 'f32');
  return out;
}

/** Group-relative advantages, off the JS thread. Results live where `rewards` lives. */
export function groupedAdvantages(rewards: Float32Array, groupOffsets: Int32Array, opts?: GroupedAdvantagesOptions): Promise<HostResult>;
export function groupedAdvantages(rewards: DeviceTensor, groupOffsets: Int32Array, opts?: GroupedAdvantagesOptions): Promise<DeviceResult>;
export async function groupedAdvantages(
  rewards: Float32Array | DeviceTensor,
  groupOffsets: Int32Array,
  opts: GroupedAdvantagesOptions = {},
): Promise<HostResult | DeviceResult> {
  const r = await native().groupedAdvantages(...nativeArgs(rewards, groupOffsets, opts));
  return wrap(r, rewards instanceof DeviceTensor ? rewards.device : undefined);
}

/** Blocking form of groupedAdvantages, for tight loops and benchmarks. */
export function groupedAdvantagesSync(rewards: Float32Array, groupOffsets: Int32Array, opts?: GroupedAdvantagesOptions): HostResult;
export function groupedAdvantagesSync(rewards: DeviceTensor, groupOffsets: Int32Array, opts?: GroupedAdvantagesOptions): DeviceResult;
export function groupedAdvantagesSync(
  rewards: Float32Array | DeviceTensor,
  groupOffsets: Int32Array,
  opts: GroupedAdvantagesOptions = {},
): HostResult | DeviceResult {
  const r = native().groupedAdvantagesSync(...nativeArgs(rewards, groupOffsets, opts));
  return wrap(r, rewards instanceof DeviceTensor ? rewards.device : undefined);
}

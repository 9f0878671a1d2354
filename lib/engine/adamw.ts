// AdamW, fused (docs/kernels.md section 5): torch.optim.AdamW semantics (decoupled weight decay,
// bias correction) with optional global-norm clipping as torch.nn.utils.clip_grad_norm_,
// over one flat f32 buffer of master weights updated in place.
import { TxError } from '../errors.js';
import { native, type NativeDeviceBuffer } from './native.js';
import { DeviceTensor } from './tensor.js';

type Vec = Float32Array | DeviceTensor;

export interface AdamWState<F extends Vec = Vec> {
  /** f32[P] master weights, updated in place. */
  params: F;
  /** f32[P] gradients (not modified: clipping is applied on the fly). */
  grads: F;
  /** f32[P] first moment, updated in place (start at 0). */
  expAvg: F;
  /** f32[P] second moment, updated in place (start at 0). */
  expAvgSq: F;
}

export interface AdamWConfig {
  lr: number;
  /** 1-based number of this update (bias correction uses beta^step). */
  step: number;
  beta1?: number;          // 0.9
  beta2?: number;          // 0.999
  eps?: number;            // 1e-8
  weightDecay?: number;    // 0.01 (torch's AdamW default)
  /** Clip the global L2 norm of grads to this; 0 or undefined = off. */
  maxGradNorm?: number;
}

export interface AdamWResult {
  /** Global L2 norm of grads before clipping. */
  gradNorm: number;
  /** Factor applied to the gradients (1 when not clipped). */
  clipScale: number;
}

const handle = (v: Vec): Float32Array | NativeDeviceBuffer => (v instanceof DeviceTensor ? v.handle : v);

function nativeArgs(s: AdamWState, cfg: AdamWConfig) {
  if (s === null || typeof s !== 'object') throw new TxError('E_RANGE', 'state must be an object');
  if (cfg === null || typeof cfg !== 'object') throw new TxError('E_RANGE', 'cfg must be an object');
  return [
    handle(s.params), handle(s.grads), handle(s.expAvg), handle(s.expAvgSq),
    cfg.lr, cfg.beta1 ?? 0.9, cfg.beta2 ?? 0.999, cfg.eps ?? 1e-8, cfg.weightDecay ?? 0.01, cfg.step, cfg.maxGradNorm ?? 0,
  ] as const;
}

const wrap = (r: { scalars: Float64Array }): AdamWResult => ({ gradNorm: r.scalars[0]!, clipScale: r.scalars[1]! });

/** One AdamW step in place, off the JS thread. */
export async function adamwStep(state: AdamWState, cfg: AdamWConfig): Promise<AdamWResult> {
  return wrap(await native().adamwStep(...nativeArgs(state, cfg)));
}

/** Blocking form of adamwStep. */
export function adamwStepSync(state: AdamWState, cfg: AdamWConfig): AdamWResult {
  return wrap(native().adamwStepSync(...nativeArgs(state, cfg)));
}

// Token sampling (docs/kernels.md section 6): temperature, top-k, top-p and greedy, with a
// counter-based RNG (Philox4x32-10 keyed by the seed, counter = (vocabulary index,
// position, sequence id)): a sequence's samples do not depend on the batch it is in, nor
// on the device. Gumbel-max over the kept tokens; exact rules in native/include/tx/ops.h.
import { TxError } from '../errors.js';
import { native, type NativeDeviceBuffer } from './native.js';
import { DeviceTensor } from './tensor.js';

export interface SampleOptions {
  /** V: logits holds B rows of V. */
  vocab: number;
  /** i32[B]: the sequence each row belongs to (keys the RNG). */
  seqIds: Int32Array;
  /** i32[B]: the position being sampled in that sequence (keys the RNG). */
  positions: Int32Array;
  /** Integer in [0, 2^53]. */
  seed: number;
  /** 0 = greedy (first argmax). Default 1. */
  temperature?: number;
  /** Keep the k largest (ties kept); 0 = off (default). */
  topK?: number;
  /** Nucleus mass in (0, 1]; 1 = off (default). */
  topP?: number;
}

function nativeArgs(logits: Float32Array | DeviceTensor, o: SampleOptions) {
  if (o === null || typeof o !== 'object') throw new TxError('E_RANGE', 'opts must be an object');
  return [
    logits instanceof DeviceTensor ? logits.handle : logits,
    o.vocab, o.seqIds, o.positions, o.seed, o.temperature ?? 1, o.topK ?? 0, o.topP ?? 1,
  ] as const;
}

const wrap = (t: Int32Array | NativeDeviceBuffer, device: number | undefined) =>
  device === undefined ? (t as Int32Array) : DeviceTensor.fromHandle(t as NativeDeviceBuffer, 'i32', device);

/** One token per row of logits (f32[B*V]), off the JS thread. */
export function sampleTokens(logits: Float32Array, opts: SampleOptions): Promise<Int32Array>;
export function sampleTokens(logits: DeviceTensor, opts: SampleOptions): Promise<DeviceTensor>;
export async function sampleTokens(logits: Float32Array | DeviceTensor, opts: SampleOptions): Promise<Int32Array | DeviceTensor> {
  const r = await native().sample(...nativeArgs(logits, opts));
  return wrap(r.tokens, logits instanceof DeviceTensor ? logits.device : undefined);
}

/** Blocking form of sampleTokens. */
export function sampleTokensSync(logits: Float32Array, opts: SampleOptions): Int32Array;
export function sampleTokensSync(logits: DeviceTensor, opts: SampleOptions): DeviceTensor;
export function sampleTokensSync(logits: Float32Array | DeviceTensor, opts: SampleOptions): Int32Array | DeviceTensor {
  const r = native().sampleSync(...nativeArgs(logits, opts));
  return wrap(r.tokens, logits instanceof DeviceTensor ? logits.device : undefined);
}

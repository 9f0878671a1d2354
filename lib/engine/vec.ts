// Flat f32 vectors for the model ops: a Float32Array (host) or a DeviceTensor (CUDA). An
// op's outputs live where its first tensor input lives, and come back in the same form.
import { TxError } from '../errors.js';
import type { NativeDeviceBuffer } from './native.js';
import { DeviceTensor } from './tensor.js';

export type Vec = Float32Array | DeviceTensor;

export function vecArg(x: unknown, name: string): Float32Array | NativeDeviceBuffer {
  if (x instanceof DeviceTensor) return x.handle;
  if (x instanceof Float32Array) return x;
  throw new TxError('E_DTYPE', `${name} must be a Float32Array or a DeviceTensor`);
}

/** Wraps a native output like `like` (host arrays pass through). */
export function wrapVec<V extends Vec>(h: Float32Array | NativeDeviceBuffer, like: V): V {
  if (like instanceof DeviceTensor) return DeviceTensor.fromHandle(h as NativeDeviceBuffer, 'f32', like.device) as V;
  return h as V;
}

export function optsObject<T>(opts: T): T {
  if (opts === null || typeof opts !== 'object') throw new TxError('E_RANGE', 'opts must be an object');
  return opts;
}

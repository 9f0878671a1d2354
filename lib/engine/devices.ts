// What the engine can run on: CPU threads and SIMD, CUDA compiled vs usable (with why).
import { TxError } from '../errors.js';
import { native, type NativeDevicesReport } from './native.js';
import { show } from './show.js';

export type DevicesReport = NativeDevicesReport;

export function devices(): DevicesReport {
  return native().devices();
}

/** Sets the engine's CPU thread count (0 = one per hardware thread); returns the count in effect. */
export function setThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 0) {
    throw new TxError('E_RANGE', `threads must be an integer >= 0, got ${show(threads)}`);
  }
  return native().setThreads(threads);
}

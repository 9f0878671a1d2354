// Benchmark harness: warm-up, median of repeats, floors measured in the same run (memory
// bandwidth from a streaming copy and read), rows collected per op family for the JSON.
import { native } from '../lib/engine/native.js';

export interface Timing {
  medianMs: number;
  minMs: number;
  repeats: number;
}

export type Row = Record<string, string | number | boolean | null>;

export interface Floors {
  /** Streaming copy, counting bytes read + bytes written, GB/s. */
  copyGBs: number;
  /** Streaming read (vectorised sum), GB/s. */
  readGBs: number;
}

/**
 * Time budget per measurement, from BENCH_BUDGET_MS (unset: none). A kernel set ~30x slower
 * than the widest (the `scalar` set; `npm run bench -- --simd` gives it a budget) would
 * otherwise spend an hour on repeats of multi-second rows: with a budget, warm-ups stop once
 * they used half of it (one always runs) and samples once it is spent (one always runs), so
 * a slow row is the best of fewer samples. Fast rows never reach the budget.
 */
export function budgetMs(): number {
  const ms = Number(process.env['BENCH_BUDGET_MS']);
  return Number.isFinite(ms) && ms > 0 ? ms : Infinity;
}

/** Runs fn `warmup` times, then until `repeats` runs and at least `minMs` have passed; median. */
export function time(fn: () => void, opts: { warmup?: number; repeats?: number; minMs?: number } = {}): Timing {
  const warmup = opts.warmup ?? 2, repeats = opts.repeats ?? 7, minMs = opts.minMs ?? 200;
  const budget = budgetMs();
  const w0 = performance.now();
  for (let i = 0; i < warmup && (i === 0 || performance.now() - w0 < budget / 2); i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < repeats || (performance.now() - start < minMs && samples.length < 1000)) {
    if (samples.length > 0 && performance.now() - start >= budget) break;
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[samples.length >> 1]!, minMs: samples[0]!, repeats: samples.length };
}

export async function timeAsync(fn: () => Promise<unknown>, opts: { warmup?: number; repeats?: number } = {}): Promise<Timing> {
  const warmup = opts.warmup ?? 2, repeats = opts.repeats ?? 7;
  const budget = budgetMs();
  const w0 = performance.now();
  for (let i = 0; i < warmup && (i === 0 || performance.now() - w0 < budget / 2); i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < repeats; i++) {
    if (samples.length > 0 && performance.now() - start >= budget) break;
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[samples.length >> 1]!, minMs: samples[0]!, repeats: samples.length };
}

/**
 * Bandwidth floors on buffers of `bytes` (default 256 MiB: far beyond any cache here).
 * The floor is a capability of the machine, and a shared machine only ever makes it look
 * lower: take the best of a few interleaved rounds rather than one sample.
 */
export function measureFloors(bytes = 256 << 20, rounds = 3): Floors {
  const n = bytes / 4;
  const src = new Float32Array(n).fill(1);
  const dst = new Float32Array(n).fill(0);
  const addon = native();
  let copyGBs = 0, readGBs = 0;
  for (let r = 0; r < rounds; r++) {
    const copy = time(() => addon.benchStreamCopy(dst, src), { warmup: 1, repeats: 5, minMs: 0 });
    const read = time(() => addon.benchStreamRead(src), { warmup: 1, repeats: 5, minMs: 0 });
    copyGBs = Math.max(copyGBs, (2 * bytes) / (copy.medianMs * 1e6));
    readGBs = Math.max(readGBs, bytes / (read.medianMs * 1e6));
  }
  return { copyGBs, readGBs };
}

export class Harness {
  readonly floors: Floors;
  readonly tables = new Map<string, Row[]>();

  constructor(floors: Floors) {
    this.floors = floors;
  }

  add(family: string, row: Row): void {
    const rows = this.tables.get(family) ?? [];
    rows.push(row);
    this.tables.set(family, rows);
  }
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const p = 10 ** Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(x) || 1)));
  return Math.round(x * p) / p;
}

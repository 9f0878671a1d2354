// Summary statistics of runs (docs/method.md section 8): mean and 95% interval over seeds
// (Student t), the collapse detector and the convergence-speed metric.

// Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export type Interval = { mean: number; lo: number; hi: number; n: number };

/** Mean with a 95% t interval; a single value gives lo = hi = mean. */
export function ci95(xs: readonly number[]): Interval {
  const n = xs.length;
  if (n === 0) return { mean: NaN, lo: NaN, hi: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, lo: mean, hi: mean, n };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = (T975[n - 2] ?? 1.96) * sd / Math.sqrt(n);
  return { mean, lo: mean - half, hi: mean + half, n };
}

export type Point = { step: number; value: number };

/**
 * Collapse: accuracy falls more than `margin` below its running best, or entropy drops
 * below `minEntropy`. Returns the first step where either happens, and why.
 */
export function detectCollapse(accuracy: readonly Point[], entropy: readonly Point[], opts: { margin: number; minEntropy: number }):
  { step: number; reason: 'accuracy' | 'entropy' } | null {
  let best = -Infinity;
  let first: { step: number; reason: 'accuracy' | 'entropy' } | null = null;
  for (const p of accuracy) {
    best = Math.max(best, p.value);
    if (p.value < best - opts.margin) { first = { step: p.step, reason: 'accuracy' }; break; }
  }
  for (const p of entropy) {
    if (p.value < opts.minEntropy) {
      if (first === null || p.step < first.step) first = { step: p.step, reason: 'entropy' };
      break;
    }
  }
  return first;
}

/** Convergence speed: the first step at which accuracy reaches `share` (0.9) of its final value. */
export function convergenceStep(accuracy: readonly Point[], share = 0.9): number | null {
  const last = accuracy[accuracy.length - 1];
  if (last === undefined) return null;
  const target = share * last.value;
  for (const p of accuracy) if (p.value >= target) return p.step;
  return last.step;
}

/** Mean curve over seeds at the steps every seed has. */
export function meanCurve(curves: readonly (readonly Point[])[]): Point[] {
  if (curves.length === 0) return [];
  const maps = curves.map((c) => new Map(c.map((p) => [p.step, p.value])));
  const steps = [...(maps[0]?.keys() ?? [])].filter((s) => maps.every((m) => m.has(s))).sort((a, b) => a - b);
  return steps.map((step) => ({ step, value: maps.reduce((a, m) => a + (m.get(step) ?? 0), 0) / maps.length }));
}

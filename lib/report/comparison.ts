// Comparing arms at equal compute: held-out accuracy against rollouts generated and wall
// time (not only steps), the start-to-final gain of each arm, and paired differences between
// arms over seeds (seed s of one arm against seed s of the other: same data order, same
// starting policy, same evaluation tasks, so the pairing removes the shared noise).

import type { RunData } from './records.js';
import type { EvalRecord, StepRecord } from './records.js';
import { ci95, type Interval, type Point } from './stats.js';

const stepsOf = (r: RunData) => r.records.filter((x): x is StepRecord => x.type === 'step');
const evalsOf = (r: RunData) => r.records.filter((x): x is EvalRecord => x.type === 'eval');

/** Per evaluation: steps trained, rollouts generated and training wall seconds so far, and the accuracy per split. */
export type EvalPoint = { step: number; rollouts: number; seconds: number; accuracy: number; splits: Record<string, number> };

export function evalPoints(r: RunData): EvalPoint[] {
  const steps = stepsOf(r);
  return evalsOf(r).map((e) => {
    const before = steps.filter((s) => s.step < e.step);
    return {
      step: e.step,
      rollouts: before.reduce((a, s) => a + s.rollouts, 0),
      seconds: before.reduce((a, s) => a + s.stepTime, 0),
      accuracy: e.accuracy,
      splits: Object.fromEntries(Object.entries(e.splits).map(([k, v]) => [k, v.accuracy])),
    };
  });
}

/**
 * An arm's mean curve against `x` (rollouts or seconds): the i-th evaluation of every seed
 * averaged, x and accuracy alike (seeds of a hard-sampling arm spend different rollouts by
 * the same step, so points are matched by evaluation index, not by x).
 */
export function meanCurveBy(runs: readonly RunData[], x: 'rollouts' | 'seconds'): Point[] {
  const pts = runs.map(evalPoints);
  const n = Math.min(...pts.map((p) => p.length));
  if (!Number.isFinite(n)) return [];
  return Array.from({ length: n }, (_, i) => ({
    step: pts.reduce((a, p) => a + (p[i] as EvalPoint)[x], 0) / pts.length,
    value: pts.reduce((a, p) => a + (p[i] as EvalPoint).accuracy, 0) / pts.length,
  }));
}

const splitAt = (p: EvalPoint | undefined, split: string): number | undefined => p?.splits[split];

/** Final minus start accuracy on `split`, over seeds (paired within each run). */
export function gainOverStart(runs: readonly RunData[], split: string): Interval {
  const d = runs.flatMap((r) => {
    const p = evalPoints(r);
    const a = splitAt(p.find((e) => e.step === 0), split), b = splitAt(p.at(-1), split);
    return a === undefined || b === undefined || p.length < 2 ? [] : [b - a];
  });
  return ci95(d);
}

export type PairedDifference = { arm: string; against: string; split: string; seeds: number[]; diff: Interval; significant: boolean };

/** Final accuracy of `arm` minus `against` on `split`, paired by seed; significant when the 95% interval excludes 0. */
export function pairedDifference(byArm: ReadonlyMap<string, readonly RunData[]>, arm: string, against: string, split: string): PairedDifference | null {
  const a = byArm.get(arm), b = byArm.get(against);
  if (a === undefined || b === undefined) return null;
  const finals = (rs: readonly RunData[]) => new Map(rs.flatMap((r) => {
    const v = splitAt(evalPoints(r).at(-1), split);
    return v === undefined ? [] : [[r.seed, v] as const];
  }));
  const fa = finals(a), fb = finals(b);
  const seeds = [...fa.keys()].filter((s) => fb.has(s)).sort((x, y) => x - y);
  if (seeds.length === 0) return null;
  const diff = ci95(seeds.map((s) => (fa.get(s) as number) - (fb.get(s) as number)));
  return { arm, against, split, seeds, diff, significant: diff.n > 1 && (diff.lo > 0 || diff.hi < 0) };
}

/**
 * Hint reliance per epoch: of the prompts rescued with demonstrations and drawn again at
 * level 0, the share solved without them (null where none came back in that epoch).
 */
export function hintReliance(r: RunData): { epoch: number; followUps: number; solved: number; rate: number | null }[] {
  const per = new Map<number, { f: number; s: number }>();
  for (const s of stepsOf(r)) {
    const e = per.get(s.epoch) ?? { f: 0, s: 0 };
    e.f += s.hintFollowUps ?? 0;
    e.s += s.hintFollowUpsSolved ?? 0;
    per.set(s.epoch, e);
  }
  return [...per.entries()].sort((x, y) => x[0] - y[0])
    .map(([epoch, e]) => ({ epoch, followUps: e.f, solved: e.s, rate: e.f > 0 ? e.s / e.f : null }));
}

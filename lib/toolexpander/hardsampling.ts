// Dynamic Multi-Round Hard Sampling (docs/method.md section 5), the part that talks to a
// policy: a group whose G rollouts are all wrong is regenerated with more demonstrations
// (round k climbs one level, shots[L-1] demos at level L) until a round has a correct
// rollout, which then stands in for the hard sample; still hard at the top level, or when
// the extra-rollout budget cannot pay another group, the prompt is deferred (no gradient
// this step) and re-queued. Model-free otherwise: no engine import, so lib/toolexpander
// stays loadable without the addon; the trainer reaches it through lib/rl/hard-sampler.ts,
// and advantages and the loss live in lib/rl.

import { sampleGroups, type Group, type SamplingContext } from './groups.js';
import { afterGroup, isHard, recordVisit, type LevelBook, type LevelConfig } from './levels.js';

export type HardSamplingConfig = LevelConfig & { maxExtraRollouts: number };

export type HardSamplingStats = {
  /** Groups hard before any resampling. */
  hard: number;
  /** resolved[k-1]: hard groups first solved at extra round k. */
  resolvedPerRound: number[];
  deferred: number;
  extraRollouts: number;
};

export type HardSamplingResult = {
  /** Per input group: the group the loss sees (the original, or the solved round's), or null when deferred. */
  groups: (Group | null)[];
  book: LevelBook;
  stats: HardSamplingStats;
};

/**
 * Resample the hard groups of one step, round by round (all prompts of a round in one
 * generate call), then record every visit in the level book. Budget is reserved in batch
 * order, so the outcome is a pure function of the inputs and the policy.
 */
export async function hardSampleRounds(ctx: SamplingContext, initial: readonly Group[], book: LevelBook,
  cfg: HardSamplingConfig): Promise<HardSamplingResult> {
  const groups: (Group | null)[] = initial.slice();
  const ends: { kind: 'solved' | 'deferred'; level: number }[] = initial.map((g) => ({ kind: 'solved', level: g.level }));
  const stats: HardSamplingStats = { hard: 0, resolvedPerRound: cfg.shots.map(() => 0), deferred: 0, extraRollouts: 0 };
  let extraLeft = cfg.maxExtraRollouts;
  // Indices still hard, with the level their latest group was sampled at.
  let active: { i: number; level: number }[] = [];
  initial.forEach((g, i) => {
    if (isHard(g.scores)) { stats.hard++; active.push({ i, level: g.level }); }
  });
  for (let round = 1; active.length > 0; round++) {
    const retry: { i: number; level: number }[] = [];
    for (const a of active) {
      const d = afterGroup(a.level, true, cfg, { extraLeft, groupSize: ctx.groupSize });
      if (d.kind === 'retry') {
        extraLeft -= ctx.groupSize;
        retry.push({ i: a.i, level: d.level });
      } else {
        ends[a.i] = { kind: 'deferred', level: d.level };
        groups[a.i] = null;
        stats.deferred++;
      }
    }
    if (retry.length === 0) break;
    const tasks = retry.map((r) => (initial[r.i] as Group).task);
    const fresh = await sampleGroups(ctx, tasks, retry.map((r) => r.level), round, cfg);
    stats.extraRollouts += retry.length * ctx.groupSize;
    active = [];
    retry.forEach((r, j) => {
      const g = fresh[j] as Group;
      if (isHard(g.scores)) {
        active.push(r);
      } else {
        groups[r.i] = g;
        ends[r.i] = { kind: 'solved', level: r.level };
        const slot = Math.min(round, stats.resolvedPerRound.length) - 1;
        stats.resolvedPerRound[slot] = (stats.resolvedPerRound[slot] ?? 0) + 1;
      }
    });
  }
  let next = book;
  initial.forEach((g, i) => { next = recordVisit(next, g.task.id, ends[i] ?? { kind: 'solved', level: g.level }, cfg); });
  return { groups, book: next, stats };
}

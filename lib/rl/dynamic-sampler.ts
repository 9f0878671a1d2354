// Dynamic sampling (DAPO): groups whose rewards are all equal carry no gradient, so they are
// dropped and the batch refilled with fresh prompts from the queue, sampled at level 0, round
// after round while the batch is short and the extra-rollout budget pays for a whole group.
// Refill round k samples with generation seed (seed, step, `dyn${k}`).

import { sampleGroups, type Group } from '../toolexpander/groups.js';
import type { LevelConfig } from '../toolexpander/levels.js';
import type { GroupSampler } from './sampler.js';
import { zeroVariance } from './step-stats.js';

export type DynamicSamplerConfig = {
  /** The batch to fill: groups with a reward spread. */
  batchSize: number;
  /** Rollouts the refills may spend beyond the first groups. */
  maxExtraRollouts: number;
  /** Sizes resolvedPerRound (always zeros here): one slot per hard-sampling round. */
  rounds: number;
};

// Refills are plain prompts (level 0 carries no demonstrations, whatever the shots).
const PLAIN: LevelConfig = { shots: [] };

export function dynamicSampler(cfg: DynamicSamplerConfig): GroupSampler {
  return {
    name: 'dynamic',
    startLevel: () => 0,
    async resample(first, ctx) {
      const groups: Group[] = first.filter((g) => !zeroVariance(g));
      let left = cfg.maxExtraRollouts;
      let extraRollouts = 0;
      let extraPrompts = 0;
      for (let round = 1; groups.length < cfg.batchSize && left >= ctx.groupSize; round++) {
        const need = Math.min(cfg.batchSize - groups.length, Math.floor(left / ctx.groupSize));
        const tasks = ctx.draw(need);
        const more = await sampleGroups(ctx, tasks, tasks.map(() => 0), `dyn${round}`, PLAIN);
        left -= need * ctx.groupSize;
        extraRollouts += need * ctx.groupSize;
        extraPrompts += need;
        groups.push(...more.filter((g) => !zeroVariance(g)));
      }
      return { groups, resolvedPerRound: Array.from({ length: cfg.rounds }, () => 0), deferred: 0, extraRollouts, extraPrompts };
    },
  };
}

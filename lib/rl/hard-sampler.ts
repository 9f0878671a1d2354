// Hard sampling (ToolExpander's Dynamic Multi-Round Hard Sampling, docs/method.md section 5)
// behind the trainer's sampler interface: prompts start at the level the book stores for
// them; hard groups are resampled with more demonstrations (lib/toolexpander/hardsampling.ts),
// a solved round stands in for the hard group, and the prompts still hard are deferred (no
// gradient this step) and left in the book for the queue to re-queue next epoch.

import { hardSampleRounds } from '../toolexpander/hardsampling.js';
import type { Group } from '../toolexpander/groups.js';
import { startLevel, type LevelConfig } from '../toolexpander/levels.js';
import type { GroupSampler } from './sampler.js';

export type HardSamplerConfig = LevelConfig & {
  /** Rollouts the step's resampling rounds may spend beyond the first groups. */
  maxExtraRollouts: number;
};

export function hardSampler(cfg: HardSamplerConfig): GroupSampler {
  return {
    name: 'hard',
    startLevel,
    async resample(first, ctx) {
      const r = await hardSampleRounds(ctx, first, ctx.book, { shots: cfg.shots, maxExtraRollouts: cfg.maxExtraRollouts });
      return {
        groups: r.groups.filter((g): g is Group => g !== null), book: r.book,
        resolvedPerRound: r.stats.resolvedPerRound, deferred: r.stats.deferred, extraRollouts: r.stats.extraRollouts, extraPrompts: 0,
      };
    },
  };
}

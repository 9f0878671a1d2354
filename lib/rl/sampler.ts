// What the trainer does with a step's first groups before it computes advantages: the one
// interface behind which hard sampling (ToolExpander, hard-sampler.ts), dynamic sampling
// (DAPO, dynamic-sampler.ts) and no resampling at all (here) sit. The trainer draws the
// step's B prompts, samples their first groups at the levels the sampler says, and hands
// them over; the sampler returns the groups to train on and what it spent. trainer.ts picks
// the sampler from the config (the presets of docs/method.md section 7).

import type { Task } from '../data/types.js';
import type { Group, SamplingContext } from '../toolexpander/groups.js';
import type { LevelBook } from '../toolexpander/levels.js';

export type SamplerContext = SamplingContext & {
  /** The level book after the step's first draw. */
  book: LevelBook;
  /** The next `n` prompts of the run's queue (the queue advances: these are not drawn again this epoch). */
  draw: (n: number) => Task[];
};

export type SamplerResult = {
  /** The groups to train on, in the order their rollouts were sampled. */
  groups: Group[];
  /**
   * The level book after the step, from a sampler that keeps one (hard sampling, which draws
   * no prompts); absent, the trainer keeps its own (which the queue may have touched in draw).
   */
  book?: LevelBook;
  /** resolvedPerRound[k-1]: hard groups first solved at extra round k (one slot per round, zeros without hard sampling). */
  resolvedPerRound: number[];
  /** Prompts given no gradient this step and re-queued for the next epoch. */
  deferred: number;
  /** Rollouts beyond the first groups' B x G. */
  extraRollouts: number;
  /** Prompts drawn beyond the step's first B. */
  extraPrompts: number;
};

export interface GroupSampler {
  /** 'hard' (hard sampling), 'dynamic' (DAPO's dynamic sampling) or 'none'; a custom sampler names itself. */
  readonly name: string;
  /** The demo level the first visit of `id` this step is sampled at (0: the plain prompt). */
  startLevel(book: LevelBook, id: string): number;
  /** The groups to train on, given the step's first groups. */
  resample(first: readonly Group[], ctx: SamplerContext): Promise<SamplerResult>;
}

/**
 * No resampling (grpo, toolexpander-no-hs): every first group is trained on, zero-variance
 * ones included (their advantages are zero). `rounds` sizes resolvedPerRound.
 */
export function noSampler(rounds: number): GroupSampler {
  return {
    name: 'none',
    startLevel: () => 0,
    resample: async (first) => ({
      groups: first.slice(), resolvedPerRound: Array.from({ length: rounds }, () => 0), deferred: 0, extraRollouts: 0, extraPrompts: 0,
    }),
  };
}

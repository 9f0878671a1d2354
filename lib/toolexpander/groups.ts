// One prompt's group of G rollouts: its demonstrations (as many as the prompt's demo level
// carries), the rendered prompt, the rollouts and their scores. Every sampler of lib/rl
// draws its groups through sampleGroups: the step's first groups, hard sampling's rounds
// (hardsampling.ts) and dynamic sampling's refills alike. Model-free: the policy comes in
// the context, so lib/toolexpander stays loadable without the addon.

import type { Task } from '../data/types.js';
import type { GenerateOptions, Policy, Rollout } from '../model/policy.js';
import { stream } from '../util/prng.js';
import type { ScoreResult } from '../reward/types.js';
import { selectDemos, type DemoPool } from './demos.js';
import { shotsAt, type LevelConfig } from './levels.js';

/** One prompt's G rollouts as the loss will see them. */
export type Group = {
  task: Task;
  /** The rendered prompt (demonstrations included) the rollouts were sampled from. */
  prompt: string;
  level: number;
  demoIds: string[];
  rollouts: Rollout[];
  scores: ScoreResult[];
};

export type SamplingContext = {
  policy: Pick<Policy, 'generate'>;
  pool: DemoPool;
  /** Renders a task with demonstrations in front of its query into the model's prompt text. */
  render: (task: Task, demos: readonly Task[]) => string;
  score: (text: string, task: Task) => ScoreResult;
  generation: Omit<GenerateOptions, 'n' | 'seed'>;
  groupSize: number;
  seed: number;
  step: number;
};

/** A uint32 generation seed per (run seed, step, round): every round of every step samples fresh. */
export function generationSeed(seed: number, step: number, round: number | string): number {
  return Math.floor(stream(seed, 'generate', step, round)() * 4294967296) >>> 0;
}

/** Demonstrations for a visit of `task` at `level` (never the task itself, never its answer). */
export function demosFor(ctx: SamplingContext, task: Task, level: number, shots: LevelConfig): Task[] {
  const k = shotsAt(shots, level);
  return k > 0 ? selectDemos(ctx.pool, task, k, { seed: ctx.seed, salt: `${ctx.step}:${level}` }) : [];
}

/** Generate and score one group per task, in one policy call. */
export async function sampleGroups(ctx: SamplingContext, tasks: readonly Task[], levels: readonly number[],
  round: number | string, shots: LevelConfig): Promise<Group[]> {
  if (tasks.length === 0) return [];
  const demos = tasks.map((t, i) => demosFor(ctx, t, levels[i] ?? 0, shots));
  const prompts = tasks.map((t, i) => ctx.render(t, demos[i] ?? []));
  const out = await ctx.policy.generate(prompts, {
    ...ctx.generation, n: ctx.groupSize, seed: generationSeed(ctx.seed, ctx.step, round),
  });
  return tasks.map((task, i) => {
    const rollouts = out[i] ?? [];
    return {
      task, prompt: prompts[i] ?? '', level: levels[i] ?? 0, demoIds: (demos[i] ?? []).map((d) => d.id),
      rollouts, scores: rollouts.map((r) => ctx.score(r.text, task)),
    };
  });
}

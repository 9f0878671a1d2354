// The trainer's advantages: GRPO's group-relative advantages of a step's groups, one reward
// array per group in, one advantage array per group out. It adds to the native op it calls
// (groupedAdvantages, lib/engine/advantage.ts: flat rewards with group offsets, any mode;
// docs/kernels.md section 1) the flattening and splitting, the grpo mode, and per-group
// booleans. Zero-variance groups (all rollouts equal) get zero advantages: they carry no
// gradient, which is what hard sampling and dynamic sampling act on.

import { groupedAdvantages } from '../engine/advantage.js';

export type AdvantagesByGroup = {
  /** advantages[g][j] for rollout j of group g. */
  perGroup: Float32Array[];
  zeroVariance: boolean[];
};

export async function grpoAdvantagesByGroup(rewards: readonly (readonly number[])[]): Promise<AdvantagesByGroup> {
  if (rewards.length === 0) return { perGroup: [], zeroVariance: [] };
  const offsets = new Int32Array(rewards.length + 1);
  rewards.forEach((g, i) => { offsets[i + 1] = (offsets[i] ?? 0) + g.length; });
  const flat = new Float32Array(offsets[rewards.length] ?? 0);
  rewards.forEach((g, i) => flat.set(g, offsets[i] ?? 0));
  const r = await groupedAdvantages(flat, offsets, { mode: 'grpo' });
  return {
    perGroup: rewards.map((_, i) => r.advantages.slice(offsets[i] ?? 0, offsets[i + 1] ?? 0)),
    zeroVariance: Array.from(r.zeroVariance, (z) => z !== 0),
  };
}

// Group-relative advantages of a step's groups through the native op (docs/kernels.md section 1,
// grpo mode): one reward per rollout, groups given by offsets. Zero-variance groups (all
// rollouts equal) get zero advantages: they carry no gradient, which is what hard sampling
// and dynamic sampling act on.

import { groupedAdvantages } from '../engine/advantage.js';

export type GroupAdvantages = {
  /** advantages[g][j] for rollout j of group g. */
  perGroup: Float32Array[];
  zeroVariance: boolean[];
};

export async function groupAdvantages(rewards: readonly (readonly number[])[]): Promise<GroupAdvantages> {
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

// Small statistics of one training step: rollout reward moments, the KL of the sampling
// policy to the initial one, the windowed loss variance.

import type { Group } from '../toolexpander/groups.js';

export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: 0, std: 0 };
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  return { mean, std: Math.sqrt(v / xs.length) };
}

/** Population variance (0 for fewer than two values). */
export function variance(xs: readonly number[]): number {
  return xs.length < 2 ? 0 : meanStd(xs).std ** 2;
}

/** Rewards, accuracy (r_base), SET and schema-valid rates over the rollouts of `groups`. */
export function rolloutStats(groups: readonly Group[]) {
  const rewards: number[] = [];
  let correct = 0;
  let set = 0;
  let valid = 0;
  for (const g of groups) {
    for (const s of g.scores) {
      rewards.push(s.reward);
      if (s.base === 1) correct++;
      if (s.set) set++;
      if (s.schemaValid) valid++;
    }
  }
  const n = Math.max(1, rewards.length);
  const { mean, std } = meanStd(rewards);
  return { rewardMean: mean, rewardStd: std, accuracy: correct / n, setRate: set / n, schemaValidRate: valid / n, rollouts: rewards.length };
}

/**
 * k3 estimator of KL(pi_old || pi_ref) on tokens sampled from pi_old: mean of
 * exp(ref - old) - (ref - old) - 1 (non-negative, unbiased; Schulman's k3, verl's low_var_kl).
 */
export function klToReference(old: readonly Float32Array[], ref: readonly Float32Array[]): number {
  let s = 0;
  let n = 0;
  old.forEach((o, i) => {
    const r = ref[i];
    if (r === undefined) return;
    for (let j = 0; j < o.length; j++) {
      const d = (r[j] ?? 0) - (o[j] ?? 0);
      s += Math.exp(d) - d - 1;
      n++;
    }
  });
  return n === 0 ? 0 : s / n;
}

/** Whether every reward of the group is equal (GRPO gives it zero advantages). */
export function zeroVariance(g: Group): boolean {
  const first = g.scores[0]?.reward;
  return g.scores.every((s) => s.reward === first);
}

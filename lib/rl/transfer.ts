// Hard-sample transfer (hardSampling.trainOn): which prompt a rescued group's completions are
// trained under. A rescued group was sampled with demonstrations in context, but the model is
// evaluated without them, and a success under the hinted input need not improve the no-hint
// policy (Guide-GRPO, LUFFY, HiLL). With 'plain' the completions are trained under the plain
// prompt, an off-policy update: the full ratio pi_theta(y|plain) / pi_behaviour(y|demos) splits
// into the on-policy PPO ratio r = pi_theta(y|plain) / pi_old(y|plain), clipped as usual, times
// the importance weight w = pi_old(y|plain) / pi_behaviour(y|demos), per token, detached and
// truncated at isCap (truncated importance sampling as in TRL's and verl's TIS). Since w > 0,
//   -w * min(r A, clip(r) A) = -min(r (w A), clip(r) (w A)),
// so the weight rides in the per-token advantage and the loss kernel stays the usual one.
// pi_behaviour is the rollout's own log-probs (bit-exact with training); pi_old(y|plain) is
// the current policy's, so r = 1 at the step's single update.

import type { Policy, TrainSequence } from '../model/policy.js';
import type { Group } from '../toolexpander/groups.js';

export type TrainOn = 'demo' | 'plain' | 'both';

/** w_t = min(exp(target_t - behaviour_t), cap), computed in float64, stored as float32. */
export function truncatedWeights(target: Float32Array, behaviour: Float32Array, cap: number): Float32Array {
  if (target.length !== behaviour.length) throw new RangeError(`target has ${target.length} log-probs, behaviour ${behaviour.length}`);
  const w = new Float32Array(target.length);
  for (let t = 0; t < target.length; t++) w[t] = Math.min(Math.exp((target[t] as number) - (behaviour[t] as number)), cap);
  return w;
}

export type TransferStats = {
  /** Share of the step's advantage mass sum |A_t| on sequences whose prompt carries demonstrations. */
  demoGradShare: number;
  /** Share on sequences whose completion was sampled with demonstrations (whatever prompt they are trained under). */
  rescuedGradShare: number;
  /** Sequences trained under the plain prompt with importance weights, and their mean weight and truncated share (per token). */
  transferred: number;
  isWeightMean: number;
  isTruncatedFrac: number;
};

export type BuildOptions = {
  trainOn: TrainOn;
  isCap: number;
  /** The plain prompt of a group's task (no demonstrations): what evaluation renders. */
  plainPrompt: (g: Group) => string;
  policy: Pick<Policy, 'logprobs'>;
};

/** A group sampled with demonstrations in context (a rescued group, or one started at level >= 1). */
export const demoConditioned = (g: Group): boolean => g.level > 0 && g.demoIds.length > 0;

/**
 * The loss's sequences for the step's groups, with advantages adv[g][j]. Groups sampled
 * without demonstrations are trained as sampled; demo-conditioned ones per trainOn ('both':
 * the demo-prompt sequence and the plain-prompt one, each with the rollout's advantage).
 */
export async function buildSequences(groups: readonly Group[], adv: readonly ArrayLike<number>[], o: BuildOptions):
  Promise<{ sequences: TrainSequence[]; stats: TransferStats }> {
  const sequences: TrainSequence[] = [];
  const plainItems: { prompt: string; completion: Int32Array; behaviour: Float32Array; advantage: number }[] = [];
  let total = 0, demoMass = 0, rescuedMass = 0;
  const mass = (a: number, n: number) => Math.abs(a) * n;
  groups.forEach((g, gi) => g.rollouts.forEach((r, j) => {
    const advantage = adv[gi]?.[j] ?? 0;
    const demo = demoConditioned(g);
    if (!demo || o.trainOn !== 'plain') {
      sequences.push({ prompt: g.prompt, completion: r.tokens, advantage, oldLogp: r.logp });
      const m = mass(advantage, r.tokens.length);
      total += m;
      if (demo) { demoMass += m; rescuedMass += m; }
    }
    if (demo && o.trainOn !== 'demo') plainItems.push({ prompt: o.plainPrompt(g), completion: r.tokens, behaviour: r.logp, advantage });
  }));
  let wSum = 0, wN = 0, truncated = 0;
  if (plainItems.length > 0) {
    const plainLogp = await o.policy.logprobs(plainItems.map((p) => ({ prompt: p.prompt, completion: p.completion })));
    plainItems.forEach((p, i) => {
      const old = plainLogp[i] as Float32Array;
      const w = truncatedWeights(old, p.behaviour, o.isCap);
      const tokenAdvantages = new Float32Array(w.length);
      for (let t = 0; t < w.length; t++) {
        const wt = w[t] as number;
        tokenAdvantages[t] = p.advantage * wt;
        wSum += wt; wN++;
        if (wt >= o.isCap) truncated++;
        const m = Math.abs(tokenAdvantages[t] as number);
        total += m; rescuedMass += m;
      }
      sequences.push({ prompt: p.prompt, completion: p.completion, advantage: p.advantage, tokenAdvantages, oldLogp: old });
    });
  }
  const share = (x: number) => (total > 0 ? x / total : 0);
  return {
    sequences,
    stats: {
      demoGradShare: share(demoMass), rescuedGradShare: share(rescuedMass), transferred: plainItems.length,
      isWeightMean: wN > 0 ? wSum / wN : 0, isTruncatedFrac: wN > 0 ? truncated / wN : 0,
    },
  };
}

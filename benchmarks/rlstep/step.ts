// One whole RL step of the demo as lib/rl/trainer.ts runs it (no hard-sampling rounds):
// generate on the plain prompts, score, group advantages, reference log-probs, train at
// lr 0 (the same weights every repeat, hence the same rollouts; AdamW does the same work at
// any lr). Shared by rlstep.bench.ts and simd-ab.ts.
import type { TrainSequence } from '../../lib/model/policy.js';
import type { TinyPolicy } from '../../lib/model/tiny-policy.js';
import { grpoAdvantagesByGroup } from '../../lib/rl/advantages.js';
import { lossConfig } from '../../lib/rl/presets.js';
import { scoreRollout } from '../../lib/reward/score.js';
import type { RlShapes } from './shapes.js';

/** What the step reads of the shapes (JSON-safe: simd-ab.ts hands it to other checkouts). */
export type RlStepShapes = Pick<RlShapes, 'config' | 'tasks' | 'plain'>;

export const RLSTEP_SEED = 20261204;

export function generationOptions(shapes: RlStepShapes) {
  return { ...shapes.config.generation, n: shapes.config.groupSize, seed: RLSTEP_SEED };
}

/** Runs the step; returns the number of generated tokens. */
export async function rlStep(policy: TinyPolicy, reference: TinyPolicy, shapes: RlStepShapes): Promise<number> {
  const cfg = shapes.config;
  const out = await policy.generate(shapes.plain, generationOptions(shapes));
  const sc = out.map((rs, i) => rs.map((r) => scoreRollout(r.text, shapes.tasks[i]!, cfg.reward)));
  const a = await grpoAdvantagesByGroup(sc.map((g) => g.map((s) => s.reward)));
  const seqs: TrainSequence[] = [];
  out.forEach((g, gi) => g.forEach((r, j) => seqs.push({
    prompt: shapes.plain[gi]!, completion: r.tokens, advantage: a.perGroup[gi]?.[j] ?? 0, oldLogp: r.logp,
  })));
  const rl = await reference.logprobs(seqs.map((s) => ({ prompt: s.prompt, completion: s.completion })));
  seqs.forEach((s, i) => { s.refLogp = rl[i]; });
  await policy.trainStep({ sequences: seqs }, lossConfig(cfg), 0);
  return out.flat().reduce((s, r) => s + r.tokens.length, 0);
}

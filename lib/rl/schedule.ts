// Learning-rate schedules (docs/method.md section 7): constant, or lr_t = lr_0 * gamma^t
// with gamma per step, by default the one that reaches lr_0 * finalRatio at the last step.

import type { TrainConfig } from './config.js';

/** The decay factor per step: the configured one, or finalRatio^(1/(steps-1)). */
export function decayGamma(cfg: Pick<TrainConfig, 'steps' | 'lrGamma' | 'lrFinalRatio'>): number {
  if (cfg.lrGamma !== null) return cfg.lrGamma;
  if (cfg.steps <= 1) return 1;
  return cfg.lrFinalRatio ** (1 / (cfg.steps - 1));
}

/** The learning rate of step `t` (0-based). A pure function of the config, so resume needs no schedule state. */
export function learningRate(cfg: Pick<TrainConfig, 'lr' | 'lrSchedule' | 'steps' | 'lrGamma' | 'lrFinalRatio'>, t: number): number {
  if (cfg.lrSchedule === 'constant') return cfg.lr;
  return cfg.lr * decayGamma(cfg) ** t;
}

// Naive float64 reference of one AdamW step, written from torch.optim.AdamW's documented
// algorithm and torch.nn.utils.clip_grad_norm_ (not from the native code). Moments and
// params are rounded to f32 after the step, as the f32 buffers store them.
export interface RefAdamWConfig {
  lr: number; step: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; maxGradNorm?: number;
}

export function referenceAdamW(params: Float32Array, grads: Float32Array, m: Float32Array, v: Float32Array, cfg: RefAdamWConfig) {
  const b1 = cfg.beta1 ?? 0.9, b2 = cfg.beta2 ?? 0.999, eps = cfg.eps ?? 1e-8, wd = cfg.weightDecay ?? 0.01;
  let ss = 0;
  for (const g of grads) ss += g * g;
  const gradNorm = Math.sqrt(ss);
  const clipScale = cfg.maxGradNorm ? Math.min(1, cfg.maxGradNorm / (gradNorm + 1e-6)) : 1;
  const out = { params: new Float64Array(params.length), m: new Float64Array(params.length), v: new Float64Array(params.length), gradNorm, clipScale };
  for (let i = 0; i < params.length; i++) {
    const g = grads[i]! * clipScale;
    let p = params[i]! * (1 - cfg.lr * wd);  // decoupled weight decay
    const mi = b1 * m[i]! + (1 - b1) * g;
    const vi = b2 * v[i]! + (1 - b2) * g * g;
    const mHat = mi / (1 - b1 ** cfg.step), vHat = vi / (1 - b2 ** cfg.step);
    p -= cfg.lr * mHat / (Math.sqrt(vHat) + eps);
    out.params[i] = p;
    out.m[i] = mi;
    out.v[i] = vi;
  }
  return out;
}

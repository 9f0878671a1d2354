// Naive float64 reference of log-prob gathering, written from docs/kernels.md section 2 (not
// from the native code): two passes per row (max, then sums), the entropy as
// lse - sum_j p_j z_j, the gradient straight from the stated derivatives.
// Conventions shared with the op: ignored rows give 0 everywhere; a row of all -inf gives
// lse -inf, logp -inf, entropy 0 and no gradient.

export interface ReferenceLogprobs {
  logp: Float64Array;
  entropy: Float64Array;
  lse: Float64Array;
}

export function referenceLogprobs(
  logits: ArrayLike<number>, n: number, v: number, targets: ArrayLike<number>,
  temperature = 1, ignoreIndex = -100,
): ReferenceLogprobs {
  const out = { logp: new Float64Array(n), entropy: new Float64Array(n), lse: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const t = targets[i]!;
    if (t === ignoreIndex) continue;
    const z = new Float64Array(v);
    let m = -Infinity;
    for (let j = 0; j < v; j++) {
      z[j] = logits[i * v + j]! / temperature;
      if (z[j]! > m) m = z[j]!;
    }
    if (m === -Infinity) {
      out.logp[i] = -Infinity;
      out.lse[i] = -Infinity;
      continue;
    }
    let s = 0;
    for (let j = 0; j < v; j++) s += Math.exp(z[j]! - m);
    const lse = m + Math.log(s);
    let pz = 0;
    for (let j = 0; j < v; j++) {
      const p = Math.exp(z[j]! - lse);
      if (p > 0) pz += p * z[j]!;
    }
    out.lse[i] = lse;
    out.logp[i] = z[t]! - lse;
    out.entropy[i] = lse - pz;
  }
  return out;
}

/** d/d logits of sum_i gradLogp_i logp_i + gradEntropy_i H_i. */
export function referenceLogprobsBackward(
  logits: ArrayLike<number>, n: number, v: number, targets: ArrayLike<number>,
  gradLogp: ArrayLike<number>, gradEntropy: ArrayLike<number> | undefined,
  temperature = 1, ignoreIndex = -100,
): Float64Array {
  const f = referenceLogprobs(logits, n, v, targets, temperature, ignoreIndex);
  const g = new Float64Array(n * v);
  for (let i = 0; i < n; i++) {
    const t = targets[i]!;
    const lse = f.lse[i]!;
    if (t === ignoreIndex || lse === -Infinity) continue;
    const a = gradLogp[i]!, b = gradEntropy ? gradEntropy[i]! : 0, h = f.entropy[i]!;
    for (let j = 0; j < v; j++) {
      const z = logits[i * v + j]! / temperature;
      const logp = z - lse, p = Math.exp(logp);
      const dLogp = (j === t ? 1 : 0) - p;
      const dH = p > 0 ? -p * (logp + h) : 0;
      g[i * v + j] = (a * dLogp + b * dH) / temperature;
    }
  }
  return g;
}

/** logits = hidden [N, Dm] x weight [V, Dm]^T in float64. */
export function referenceLinearLogits(
  hidden: ArrayLike<number>, weight: ArrayLike<number>, n: number, dm: number, v: number,
): Float64Array {
  const z = new Float64Array(n * v);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < v; j++) {
      let acc = 0;
      for (let k = 0; k < dm; k++) acc += hidden[i * dm + k]! * weight[j * dm + k]!;
      z[i * v + j] = acc;
    }
  return z;
}

/** gradHidden = G W, gradWeight = G^T H for G = d loss / d logits. */
export function referenceLinearBackward(
  hidden: ArrayLike<number>, weight: ArrayLike<number>, n: number, dm: number, v: number,
  targets: ArrayLike<number>, gradLogp: ArrayLike<number>, gradEntropy: ArrayLike<number> | undefined,
  temperature = 1, ignoreIndex = -100,
): { gradHidden: Float64Array; gradWeight: Float64Array } {
  const logits = referenceLinearLogits(hidden, weight, n, dm, v);
  const g = referenceLogprobsBackward(logits, n, v, targets, gradLogp, gradEntropy, temperature, ignoreIndex);
  const gradHidden = new Float64Array(n * dm), gradWeight = new Float64Array(v * dm);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < v; j++) {
      const gij = g[i * v + j]!;
      if (gij === 0) continue;
      for (let k = 0; k < dm; k++) {
        gradHidden[i * dm + k]! += gij * weight[j * dm + k]!;
        gradWeight[j * dm + k]! += gij * hidden[i * dm + k]!;
      }
    }
  return { gradHidden, gradWeight };
}

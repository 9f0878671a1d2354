// Naive float64 reference of grouped advantages, written from docs/kernels.md section 1
// (not from the native code): rloo is computed from its own definition, the leave-one-out
// mean, rather than the (r - m) * n/(n-1) identity the kernel uses.
export type Mode = 'grpo' | 'drgrpo' | 'rloo';

export interface ReferenceResult {
  advantages: Float64Array;
  mean: Float64Array;
  std: Float64Array;
  zeroVariance: Uint8Array;
}

export function referenceAdvantages(
  rewards: ArrayLike<number>,
  offsets: ArrayLike<number>,
  mode: Mode = 'grpo',
  eps = 1e-6,
  std: 'unbiased' | 'biased' = 'unbiased',
): ReferenceResult {
  const groups = offsets.length - 1;
  const out: ReferenceResult = {
    advantages: new Float64Array(rewards.length),
    mean: new Float64Array(groups),
    std: new Float64Array(groups),
    zeroVariance: new Uint8Array(groups),
  };
  for (let g = 0; g < groups; g++) {
    const lo = offsets[g]!, hi = offsets[g + 1]!, n = hi - lo;
    const xs: number[] = [];
    for (let i = lo; i < hi; i++) xs.push(rewards[i]!);
    const allEqual = xs.every((x) => x === xs[0]);
    out.zeroVariance[g] = allEqual ? 1 : 0;
    if (n === 0) continue;
    const sum = xs.reduce((a, b) => a + b, 0);
    const m = sum / n;
    const ss = xs.reduce((a, x) => a + (x - m) * (x - m), 0);
    const denom = std === 'unbiased' ? n - 1 : n;
    const s = denom > 0 ? Math.sqrt(ss / denom) : 0;
    out.mean[g] = m;
    out.std[g] = allEqual ? 0 : s;
    for (let i = lo; i < hi; i++) {
      const r = rewards[i]!;
      let a = 0;
      if (!allEqual) {
        if (mode === 'grpo') a = (r - m) / (s + eps);
        else if (mode === 'drgrpo') a = r - m;
        else a = r - (sum - r) / (n - 1);
      }
      out.advantages[i] = a;
    }
  }
  return out;
}

/** Token broadcast: A_i on every masked token of rollout i, 0 elsewhere. */
export function referenceTokenBroadcast(adv: ArrayLike<number>, seqOffsets: ArrayLike<number>, mask?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(seqOffsets[seqOffsets.length - 1]!);
  for (let i = 0; i + 1 < seqOffsets.length; i++) {
    for (let t = seqOffsets[i]!; t < seqOffsets[i + 1]!; t++) out[t] = mask === undefined || mask[t] ? adv[i]! : 0;
  }
  return out;
}

// Naive float64 reference of the GRPO policy loss, written from docs/kernels.md section 4
// (verl's compute_policy_loss_vanilla, kl_penalty, agg_loss), not from
// the native code. The gradient is torch autograd's on the same expression: clamp passes
// the gradient on its closed range, max/min pass it to the branch taken.
export type KlType = 'k1' | 'k2' | 'k3';
export type Aggregation = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum' | 'seq-mean-token-sum-norm';

export interface RefInputs {
  logp: ArrayLike<number>;
  oldLogp: ArrayLike<number>;
  refLogp?: ArrayLike<number>;
  advantages: ArrayLike<number>;
  mask: ArrayLike<number>;
  seqOffsets: ArrayLike<number>;
}

export interface RefConfig {
  clipLow?: number;
  clipHigh?: number;
  dualClip?: number;
  klCoef?: number;
  klType?: KlType;
  aggregation?: Aggregation;
  normConstant?: number;
}

export interface RefResult {
  loss: number;
  gradLogp: Float64Array;
  tokenLoss: Float64Array;
  stats: { clipFracHigh: number; clipFracLow: number; dualClipFrac: number; ratioMean: number; approxKl: number; klMean: number; tokens: number };
}

const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
const inside = (x: number, lo: number, hi: number) => (x >= lo && x <= hi ? 1 : 0);

/** The KL estimator of verl kl_penalty_forward and its derivative w.r.t. logp. */
export function klTerm(logp: number, ref: number, type: KlType): { value: number; grad: number } {
  if (type === 'k1') return { value: logp - ref, grad: 1 };
  if (type === 'k2') return { value: 0.5 * (logp - ref) ** 2, grad: logp - ref };
  const raw = ref - logp;
  const kl = clamp(raw, -20, 20);
  const k = Math.exp(kl) - kl - 1;
  return { value: clamp(k, -10, 10), grad: inside(k, -10, 10) * (Math.exp(kl) - 1) * -inside(raw, -20, 20) };
}

export function referenceGrpoLoss(x: RefInputs, cfg: RefConfig = {}): RefResult {
  const clipLow = cfg.clipLow ?? 0.2, clipHigh = cfg.clipHigh ?? 0.2, c = cfg.dualClip ?? 0;
  const beta = cfg.klCoef ?? 0, klType = cfg.klType ?? 'k3', agg = cfg.aggregation ?? 'token-mean';
  const N = x.logp.length, B = x.seqOffsets.length - 1;
  const tokenLoss = new Float64Array(N), tokenGrad = new Float64Array(N);
  let ratioSum = 0, nlrSum = 0, klSum = 0, high = 0, low = 0, dual = 0, tokens = 0;
  for (let t = 0; t < N; t++) {
    if (!x.mask[t]) continue;
    tokens++;
    const A = x.advantages[t]!;
    const raw = x.logp[t]! - x.oldLogp[t]!;
    const logRatio = clamp(raw, -20, 20);
    const r = Math.exp(logRatio);
    const dr = r * inside(raw, -20, 20);
    const l1 = -A * r;
    const rc = clamp(r, 1 - clipLow, 1 + clipHigh);
    const l2 = -A * rc;
    let L = Math.max(l1, l2);
    // d max(l1, l2): both equal inside the clip range, so take l1's (torch splits ties evenly).
    let g = l2 > l1 ? -A * dr * inside(r, 1 - clipLow, 1 + clipHigh) : -A * dr;
    if (l2 > l1) (A > 0 ? high++ : low++);
    if (c > 0 && A < 0 && L > -A * c) {
      L = -A * c;
      g = 0;
      dual++;
    }
    if (x.refLogp) {
      const k = klTerm(x.logp[t]!, x.refLogp[t]!, klType);
      L += beta * k.value;
      g += beta * k.grad;
      klSum += k.value;
    }
    tokenLoss[t] = L;
    tokenGrad[t] = g;
    ratioSum += r;
    nlrSum += -logRatio;
  }
  // Aggregation (verl agg_loss), from per-sequence sums.
  const seqSum: number[] = [], seqCount: number[] = [];
  let longest = 0;
  for (let s = 0; s < B; s++) {
    let sum = 0, n = 0;
    for (let t = x.seqOffsets[s]!; t < x.seqOffsets[s + 1]!; t++) {
      if (x.mask[t]) {
        sum += tokenLoss[t]!;
        n++;
      }
    }
    seqSum.push(sum);
    seqCount.push(n);
    longest = Math.max(longest, x.seqOffsets[s + 1]! - x.seqOffsets[s]!);
  }
  const nonEmpty = seqCount.filter((n) => n > 0).length;
  const weight = (s: number): number => {
    if (seqCount[s] === 0) return 0;
    switch (agg) {
      case 'token-mean': return 1 / tokens;
      case 'seq-mean-token-mean': return 1 / ((seqCount[s]! + 1e-8) * nonEmpty);
      case 'seq-mean-token-sum': return 1 / nonEmpty;
      case 'seq-mean-token-sum-norm': return 1 / (cfg.normConstant ?? (longest || 1));
    }
  };
  let loss = 0;
  const gradLogp = new Float64Array(N);
  for (let s = 0; s < B; s++) {
    const w = weight(s);
    loss += w * seqSum[s]!;
    for (let t = x.seqOffsets[s]!; t < x.seqOffsets[s + 1]!; t++) gradLogp[t] = x.mask[t] ? w * tokenGrad[t]! : 0;
  }
  const mean = (v: number) => (tokens ? v / tokens : 0);
  return {
    loss,
    gradLogp,
    tokenLoss,
    stats: {
      clipFracHigh: mean(high), clipFracLow: mean(low), dualClipFrac: mean(dual),
      ratioMean: mean(ratioSum), approxKl: mean(nlrSum), klMean: mean(klSum), tokens,
    },
  };
}

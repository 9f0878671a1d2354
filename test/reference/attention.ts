// Naive float64 reference of packed varlen grouped-query attention, written from
// docs/kernels.md section 3 (not from the native code): full score rows, plain softmax, and the
// textbook gradients (dP = dO V^T, dS = P * (dP - rowsum(dP * P))), computed per query row.
export interface AttentionProblem {
  q: ArrayLike<number>;  // [Nt, Hq, D]
  k: ArrayLike<number>;  // [Nt, Hkv, D]
  v: ArrayLike<number>;  // [Nt, Hkv, D]
  cuSeqlens: ArrayLike<number>;
  hq: number;
  hkv: number;
  d: number;
  causal?: boolean;
  scale?: number;
}

interface Row {
  t: number;        // query token
  h: number;        // query head
  g: number;        // kv head
  keys: number[];   // visible key tokens
  p: Float64Array;  // softmax probabilities over keys
  lse: number;
}

function* rows(pr: AttentionProblem): Generator<Row> {
  const { q, k, cuSeqlens, hq, hkv, d } = pr;
  const causal = pr.causal ?? true;
  const scale = pr.scale ?? 1 / Math.sqrt(d);
  for (let b = 0; b + 1 < cuSeqlens.length; b++) {
    const start = cuSeqlens[b]!, end = cuSeqlens[b + 1]!;
    for (let t = start; t < end; t++) {
      const keys: number[] = [];
      for (let j = start; j < (causal ? t + 1 : end); j++) keys.push(j);
      for (let h = 0; h < hq; h++) {
        const g = Math.floor(h / (hq / hkv));
        const s = keys.map((j) => {
          let dot = 0;
          for (let x = 0; x < d; x++) dot += q[(t * hq + h) * d + x]! * k[(j * hkv + g) * d + x]!;
          return dot * scale;
        });
        const m = Math.max(...s);
        const e = s.map((x) => Math.exp(x - m));
        const sum = e.reduce((a, b2) => a + b2, 0);
        yield { t, h, g, keys, p: Float64Array.from(e, (x) => x / sum), lse: m + Math.log(sum) };
      }
    }
  }
}

export function referenceAttention(pr: AttentionProblem): { out: Float64Array; lse: Float64Array } {
  const nt = pr.cuSeqlens[pr.cuSeqlens.length - 1]!;
  const { hq, hkv, d, v } = pr;
  const out = new Float64Array(nt * hq * d);
  const lse = new Float64Array(hq * nt);
  for (const r of rows(pr)) {
    for (let x = 0; x < d; x++) {
      let acc = 0;
      r.keys.forEach((j, i) => { acc += r.p[i]! * v[(j * hkv + r.g) * d + x]!; });
      out[(r.t * hq + r.h) * d + x] = acc;
    }
    lse[r.h * nt + r.t] = r.lse;
  }
  return { out, lse };
}

export function referenceAttentionBackward(pr: AttentionProblem, gradOut: ArrayLike<number>) {
  const nt = pr.cuSeqlens[pr.cuSeqlens.length - 1]!;
  const { q, k, v, hq, hkv, d } = pr;
  const scale = pr.scale ?? 1 / Math.sqrt(d);
  const gradQ = new Float64Array(nt * hq * d);
  const gradK = new Float64Array(nt * hkv * d);
  const gradV = new Float64Array(nt * hkv * d);
  for (const r of rows(pr)) {
    const qo = (r.t * hq + r.h) * d;
    const dp = r.keys.map((j) => {
      let dot = 0;
      for (let x = 0; x < d; x++) dot += gradOut[qo + x]! * v[(j * hkv + r.g) * d + x]!;
      return dot;
    });
    let pdp = 0;
    r.keys.forEach((_, i) => { pdp += r.p[i]! * dp[i]!; });
    r.keys.forEach((j, i) => {
      const ds = r.p[i]! * (dp[i]! - pdp) * scale;
      const ko = (j * hkv + r.g) * d;
      for (let x = 0; x < d; x++) {
        gradV[ko + x]! += r.p[i]! * gradOut[qo + x]!;
        gradK[ko + x]! += ds * q[qo + x]!;
        gradQ[qo + x]! += ds * k[ko + x]!;
      }
    });
  }
  return { gradQ, gradK, gradV };
}

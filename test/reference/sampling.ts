// Float64 reference of sampling, written from the rules in docs/kernels.md section 6 / ops.h:
// the kept set and its renormalised distribution (for statistical tests), and an exact
// replay of the Gumbel-max draw with a TypeScript Philox4x32-10 (for token-exact tests).
function mulhilo(a: number, b: number): [number, number] {
  const p = BigInt(a) * BigInt(b);
  return [Number(p >> 32n), Number(p & 0xffffffffn)];
}

export function philox4x32_10(c: [number, number, number, number], k0: number, k1: number): number[] {
  let v = c.map((x) => x >>> 0);
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + 0x9e3779b9) >>> 0;
      k1 = (k1 + 0xbb67ae85) >>> 0;
    }
    const [hi0, lo0] = mulhilo(0xd2511f53, v[0]!);
    const [hi1, lo1] = mulhilo(0xcd9e8d57, v[2]!);
    v = [(hi1 ^ v[1]! ^ k0) >>> 0, lo1, (hi0 ^ v[3]! ^ k1) >>> 0, lo0];
  }
  return v;
}

export function uniform(seed: number, seq: number, pos: number, index: number): number {
  const lo = seed % 2 ** 32, hi = Math.floor(seed / 2 ** 32);
  return (philox4x32_10([index, pos, seq, 0], lo, hi)[0]! + 0.5) / 2 ** 32;
}

/** Kept tokens and their probabilities (0 elsewhere) after temperature, top-k, top-p. */
export function referenceDistribution(logits: ArrayLike<number>, temperature: number, topK = 0, topP = 1): Float64Array {
  const V = logits.length;
  const z = Array.from({ length: V }, (_, i) => Math.fround(logits[i]! / temperature));
  const finite = z.filter((x) => x > -Infinity).sort((a, b) => b - a);
  let thr = -Infinity;
  if (topK > 0 && topK < finite.length) thr = finite[topK - 1]!;
  const zmax = finite[0]!;
  const keptVals = finite.filter((x) => x >= thr);
  if (topP < 1) {
    const total = keptVals.reduce((s, x) => s + Math.exp(x - zmax), 0);
    let cum = 0;
    for (const x of keptVals) {
      cum += Math.exp(x - zmax);
      if (cum >= topP * total) {
        thr = Math.max(thr, x);
        break;
      }
    }
  }
  const p = new Float64Array(V);
  let s = 0;
  for (let i = 0; i < V; i++) if (z[i]! > -Infinity && z[i]! >= thr) s += (p[i] = Math.exp(z[i]! - zmax));
  for (let i = 0; i < V; i++) p[i]! /= s;
  return p;
}

/** The token the engine must draw: Gumbel-max over the kept set with the same Philox draws. */
export function referenceSample(logits: ArrayLike<number>, seed: number, seq: number, pos: number, temperature: number, topK = 0, topP = 1): number {
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
  const p = referenceDistribution(logits, temperature, topK, topP);
  let best = -1, bestV = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    if (p[i] === 0) continue;
    const v = Math.fround(logits[i]! / temperature) - Math.log(-Math.log(uniform(seed, seq, pos, i)));
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

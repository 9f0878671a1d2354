// Seeded randomness for tests (mulberry32): failures reproduce from the printed seed.
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Offsets for groups whose sizes are drawn from `sizes` (0 allowed). */
export function offsetsFromSizes(sizes: number[]): Int32Array {
  const o = new Int32Array(sizes.length + 1);
  for (let i = 0; i < sizes.length; i++) o[i + 1] = o[i]! + sizes[i]!;
  return o;
}

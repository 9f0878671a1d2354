// A small seeded PRNG (mulberry32) and stream derivation. Only 32-bit integer arithmetic
// (Math.imul, >>>), so the same seed gives the same numbers on every platform and Node
// version; Math.random is never used.

export type Rng = () => number;

/** mulberry32: a uniform float in [0, 1) per call. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** splitmix32-style finaliser: a well-mixed 32-bit value from any 32-bit input. */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over UTF-16 code units: stable string hashing for stream names. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * An independent stream for (seed, ...parts): each task draws from its own stream, so
 * changing one split's size never changes another split's tasks.
 */
export function stream(seed: number, ...parts: (string | number)[]): Rng {
  let h = mix32(seed >>> 0);
  for (const p of parts) h = mix32(h ^ (typeof p === 'number' ? mix32(p >>> 0) : hashString(p)));
  return mulberry32(h);
}

export function randInt(r: Rng, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function pick<T>(r: Rng, xs: readonly T[]): T {
  if (xs.length === 0) throw new RangeError('pick from an empty list');
  return xs[Math.floor(r() * xs.length)] as T;
}

/** Fisher-Yates on a copy. */
export function shuffled<T>(r: Rng, xs: readonly T[]): T[] {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}

/** `k` distinct items in random order (all of them when k >= length). */
export function sample<T>(r: Rng, xs: readonly T[], k: number): T[] {
  return shuffled(r, xs).slice(0, Math.max(0, k));
}

/** An index drawn with probability proportional to `weights`. */
export function weighted(r: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let x = r() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i] ?? 0;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

// NaN-aware closeness with atol + rtol (onnxruntime's assertFloatEqual habit).
// Returns the first mismatch as text, or undefined when everything is close.
export function firstMismatch(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
): string | undefined {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(g) || Number.isNaN(w)) {
      if (Number.isNaN(g) && Number.isNaN(w)) continue;
      return `[${i}] got ${g}, want ${w}`;
    }
    if (g === w) continue;  // covers equal infinities
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) return `[${i}] got ${g}, want ${w} (|d| = ${Math.abs(g - w)})`;
  }
  return undefined;
}

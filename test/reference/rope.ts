// Float64 RoPE, Qwen2 rotate-half layout (docs/kernels.md section 9; HF apply_rotary_pos_emb):
// inv_i = theta^(-2i/D), angle = pos * inv_i; out = x cos + rotate_half(x) sin, where
// rotate_half(x) = [-x2, x1]. inverse = rotation by -angle (the backward).
export function referenceRope(x: ArrayLike<number>, positions: ArrayLike<number>, tokens: number, heads: number, headDim: number,
  theta: number, inverse = false): Float64Array {
  const half = headDim / 2, out = new Float64Array(tokens * heads * headDim);
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const ang = positions[t]! * theta ** (-2 * i / headDim);
        const c = Math.cos(ang), s = (inverse ? -1 : 1) * Math.sin(ang);
        const x1 = x[base + i]!, x2 = x[base + half + i]!;
        out[base + i] = x1 * c - x2 * s;
        out[base + half + i] = x2 * c + x1 * s;
      }
    }
  }
  return out;
}

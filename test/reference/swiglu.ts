// Float64 SwiGLU (docs/kernels.md section 10): out = silu(gate) * up, silu(g) = g / (1 + e^-g).
const sigmoid = (g: number) => 1 / (1 + Math.exp(-g));

export function referenceSwiglu(gate: ArrayLike<number>, up: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: gate.length }, (_, i) => gate[i]! * sigmoid(gate[i]!) * up[i]!);
}

export function referenceSwigluBackward(gate: ArrayLike<number>, up: ArrayLike<number>, g: ArrayLike<number>) {
  const n = gate.length, gradGate = new Float64Array(n), gradUp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = sigmoid(gate[i]!);
    gradUp[i] = g[i]! * gate[i]! * s;
    gradGate[i] = g[i]! * up[i]! * s * (1 + gate[i]! * (1 - s));
  }
  return { gradGate, gradUp };
}

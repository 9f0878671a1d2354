// Naive float64 GEMM, row-major, from the definition C = alpha op(A) op(B) + beta C.
export function referenceGemm(a: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>, m: number, n: number, k: number,
  transA: boolean, transB: boolean, alpha: number, beta: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? a[p * m + i]! : a[i * k + p]!) * (transB ? b[j * k + p]! : b[p * n + j]!);
      out[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * c[i * n + j]!);
    }
  }
  return out;
}

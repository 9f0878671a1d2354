// Float64 RMSNorm from docs/kernels.md section 8 (Qwen2RMSNorm): out = w * x / sqrt(mean(x^2) + eps).
export function referenceRmsNorm(x: ArrayLike<number>, w: ArrayLike<number>, rows: number, dim: number, eps = 1e-6) {
  const out = new Float64Array(rows * dim), rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += x[r * dim + j]! ** 2;
    const rs = 1 / Math.sqrt(s / dim + eps);
    rstd[r] = rs;
    for (let j = 0; j < dim; j++) out[r * dim + j] = w[j]! * x[r * dim + j]! * rs;
  }
  return { out, rstd };
}

// Analytic gradients: y = x rs, dy = g w; dx = rs (dy - y mean(dy y)); dw = sum_rows g y.
export function referenceRmsNormBackward(x: ArrayLike<number>, w: ArrayLike<number>, g: ArrayLike<number>, rows: number, dim: number, eps = 1e-6) {
  const { rstd } = referenceRmsNorm(x, w, rows, dim, eps);
  const gradX = new Float64Array(rows * dim), gradWeight = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    const rs = rstd[r]!;
    let m = 0;
    for (let j = 0; j < dim; j++) m += g[r * dim + j]! * w[j]! * x[r * dim + j]! * rs;
    m /= dim;
    for (let j = 0; j < dim; j++) {
      const y = x[r * dim + j]! * rs;
      gradX[r * dim + j] = rs * (g[r * dim + j]! * w[j]! - y * m);
      gradWeight[j]! += g[r * dim + j]! * y;
    }
  }
  return { gradX, gradWeight };
}

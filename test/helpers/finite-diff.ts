// Central finite differences of a float64 scalar function, for gradient tests: the native
// backward is checked against d/dx of the float64 reference forward.
export function centralDiff(f: (x: Float64Array) => number, x: ArrayLike<number>, indices: number[], h = 1e-5): Float64Array {
  const xs = Float64Array.from(x as ArrayLike<number>);
  return Float64Array.from(indices, (i) => {
    const x0 = xs[i]!;
    xs[i] = x0 + h;
    const fp = f(xs);
    xs[i] = x0 - h;
    const fm = f(xs);
    xs[i] = x0;
    return (fp - fm) / (2 * h);
  });
}

/** sum_i a[i] * b[i] in float64 (a scalar loss L = <out, g> whose gradient wrt out is g). */
export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

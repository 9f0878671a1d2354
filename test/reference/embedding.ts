// Float64 embedding (docs/kernels.md section 11): gather rows; backward sums gradOut rows per id.
export function referenceEmbedding(w: ArrayLike<number>, ids: ArrayLike<number>, dim: number): Float64Array {
  const out = new Float64Array(ids.length * dim);
  for (let t = 0; t < ids.length; t++) for (let j = 0; j < dim; j++) out[t * dim + j] = w[ids[t]! * dim + j]!;
  return out;
}

export function referenceEmbeddingBackward(g: ArrayLike<number>, ids: ArrayLike<number>, vocab: number, dim: number): Float64Array {
  const out = new Float64Array(vocab * dim);
  for (let t = 0; t < ids.length; t++) for (let j = 0; j < dim; j++) out[ids[t]! * dim + j]! += g[t * dim + j]!;
  return out;
}

// Embedding (docs/kernels.md section 11): out[t] = weight[ids[t]] over weight [vocab, dim]. The
// backward scatter-adds gradOut rows into gradWeight deterministically (tokens grouped by
// id, summed in token order; no float atomics). A model op, exported for tests.
import { native } from './native.js';
import { vecArg, wrapVec, type Vec } from './vec.js';

export function embeddingSync<V extends Vec>(weight: V, ids: Int32Array, vocab: number, dim: number): V {
  return wrapVec(native().embeddingSync(vecArg(weight, 'weight'), ids, vocab, dim).out, weight);
}

export async function embedding<V extends Vec>(weight: V, ids: Int32Array, vocab: number, dim: number): Promise<V> {
  return wrapVec((await native().embedding(vecArg(weight, 'weight'), ids, vocab, dim)).out, weight);
}

export function embeddingBackwardSync<V extends Vec>(gradOut: V, ids: Int32Array, vocab: number, dim: number): V {
  return wrapVec(native().embeddingBackwardSync(vecArg(gradOut, 'gradOut'), ids, vocab, dim).gradWeight, gradOut);
}

export async function embeddingBackward<V extends Vec>(gradOut: V, ids: Int32Array, vocab: number, dim: number): Promise<V> {
  return wrapVec((await native().embeddingBackward(vecArg(gradOut, 'gradOut'), ids, vocab, dim)).gradWeight, gradOut);
}

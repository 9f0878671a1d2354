// RoPE, Qwen2 rotate-half layout (docs/kernels.md section 9), on x [tokens, heads, headDim]:
// for i < headDim/2, angle = positions[t] * theta^(-2i/headDim),
//   out[i] = x[i] cos - x[i+h] sin, out[i+h] = x[i+h] cos + x[i] sin (h = headDim/2).
// Positions are per token, so packed sequences restart at 0. The backward is the inverse
// rotation of gradOut. A model op, exported for tests and benchmarks.
import { native } from './native.js';
import { optsObject, vecArg, wrapVec, type Vec } from './vec.js';

export interface RopeShape {
  tokens: number;
  heads: number;
  headDim: number;
}

export interface RopeOptions {
  theta?: number;  // 10000 (Qwen2-0.5B and later use 1e6)
}

const args = (x: Vec, name: string, positions: Int32Array, s: RopeShape, o: RopeOptions) =>
  [vecArg(x, name), positions, optsObject(s).tokens, s.heads, s.headDim, optsObject(o).theta ?? 10000] as const;

export function ropeSync<V extends Vec>(x: V, positions: Int32Array, shape: RopeShape, opts: RopeOptions = {}): V {
  return wrapVec(native().ropeSync(...args(x, 'x', positions, shape, opts)).out, x);
}

export async function rope<V extends Vec>(x: V, positions: Int32Array, shape: RopeShape, opts: RopeOptions = {}): Promise<V> {
  return wrapVec((await native().rope(...args(x, 'x', positions, shape, opts))).out, x);
}

export function ropeBackwardSync<V extends Vec>(gradOut: V, positions: Int32Array, shape: RopeShape, opts: RopeOptions = {}): V {
  return wrapVec(native().ropeBackwardSync(...args(gradOut, 'gradOut', positions, shape, opts)).gradX, gradOut);
}

export async function ropeBackward<V extends Vec>(gradOut: V, positions: Int32Array, shape: RopeShape, opts: RopeOptions = {}): Promise<V> {
  return wrapVec((await native().ropeBackward(...args(gradOut, 'gradOut', positions, shape, opts))).gradX, gradOut);
}

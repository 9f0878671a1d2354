// SwiGLU (docs/kernels.md section 10): out = silu(gate) * up elementwise, silu(g) = g sigmoid(g).
// A model op, exported for tests and benchmarks.
import { native } from './native.js';
import { vecArg, wrapVec, type Vec } from './vec.js';

export interface SwigluGrads<V extends Vec = Vec> { gradGate: V; gradUp: V }

export function swigluSync<V extends Vec>(gate: V, up: V): V {
  return wrapVec(native().swigluSync(vecArg(gate, 'gate'), vecArg(up, 'up')).out, gate);
}

export async function swiglu<V extends Vec>(gate: V, up: V): Promise<V> {
  return wrapVec((await native().swiglu(vecArg(gate, 'gate'), vecArg(up, 'up'))).out, gate);
}

export function swigluBackwardSync<V extends Vec>(gate: V, up: V, gradOut: V): SwigluGrads<V> {
  const r = native().swigluBackwardSync(vecArg(gate, 'gate'), vecArg(up, 'up'), vecArg(gradOut, 'gradOut'));
  return { gradGate: wrapVec(r.gradGate, gate), gradUp: wrapVec(r.gradUp, gate) };
}

export async function swigluBackward<V extends Vec>(gate: V, up: V, gradOut: V): Promise<SwigluGrads<V>> {
  const r = await native().swigluBackward(vecArg(gate, 'gate'), vecArg(up, 'up'), vecArg(gradOut, 'gradOut'));
  return { gradGate: wrapVec(r.gradGate, gate), gradUp: wrapVec(r.gradUp, gate) };
}

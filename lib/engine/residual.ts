// Residual add (docs/kernels.md section 12): out = a + b. Its backward is the identity into both
// inputs (gradA = gradB = gradOut); residualAddBackward returns one new copy for each, so
// callers may accumulate into them.
import { native } from './native.js';
import { vecArg, wrapVec, type Vec } from './vec.js';

export function residualAddSync<V extends Vec>(a: V, b: V): V {
  return wrapVec(native().residualAddSync(vecArg(a, 'a'), vecArg(b, 'b')).out, a);
}

export async function residualAdd<V extends Vec>(a: V, b: V): Promise<V> {
  return wrapVec((await native().residualAdd(vecArg(a, 'a'), vecArg(b, 'b'))).out, a);
}

/** Host gradients: { gradA, gradB }, each a copy of gradOut. */
export function residualAddBackwardSync(gradOut: Float32Array): { gradA: Float32Array; gradB: Float32Array } {
  vecArg(gradOut, 'gradOut');
  // A detached gradOut reads as empty (as the native ops read it). The length test alone is
  // not enough: under the fuzzer, slice() on some detached views still threw after a nonzero
  // length read (Node 20; not pinned down), so a TypeError with zero bytes left means detached.
  const copy = () => {
    if (gradOut.length === 0) return new Float32Array(0);
    try {
      return gradOut.slice();
    } catch (e) {
      if (gradOut.byteLength === 0) return new Float32Array(0);
      throw e;
    }
  };
  return { gradA: copy(), gradB: copy() };
}

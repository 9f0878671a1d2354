// CPU SGEMM, row-major: C = alpha op(A) op(B) + beta C (KERNELS.md section 5). A model op,
// exported for tests and benchmarks; C is updated in place and returned.
import { TxError } from '../errors.js';
import { native } from './native.js';

export interface GemmOptions {
  /** A is stored K x M (op(A) = A^T). */
  transA?: boolean;
  /** B is stored N x K (op(B) = B^T). */
  transB?: boolean;
  alpha?: number;  // 1
  beta?: number;   // 0: C's old contents are ignored
}

function nativeArgs(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, o: GemmOptions) {
  if (o === null || typeof o !== 'object') throw new TxError('E_RANGE', 'opts must be an object');
  return [a, b, c, m, n, k, o.transA === true, o.transB === true, o.alpha ?? 1, o.beta ?? 0] as const;
}

export function gemmSync(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, opts: GemmOptions = {}): Float32Array {
  return native().gemmSync(...nativeArgs(a, b, c, m, n, k, opts)).c;
}

export async function gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, opts: GemmOptions = {}): Promise<Float32Array> {
  return (await native().gemm(...nativeArgs(a, b, c, m, n, k, opts))).c;
}

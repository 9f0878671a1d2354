// GEMM, row-major: C = alpha op(A) op(B) + beta C (docs/kernels.md section 7). A model op,
// exported for tests and benchmarks; C is updated in place and returned.
// Host: Float32Arrays (the CPU GEMM). CUDA: DeviceTensors, A and B both f32 or both bf16
// (f32 accumulation), C f32, all on one device (cuBLAS when it loads at run time, else the
// engine's own kernels; devices().cuda.cublas says which).
import { TxError } from '../errors.js';
import { native } from './native.js';
import { DTYPE_CODES, DeviceTensor } from './tensor.js';

export interface GemmOptions {
  /** A is stored K x M (op(A) = A^T). */
  transA?: boolean;
  /** B is stored N x K (op(B) = B^T). */
  transB?: boolean;
  alpha?: number;  // 1
  beta?: number;   // 0: C's old contents are ignored
}

/** A host Float32Array, or a DeviceTensor (flat data of the right element count; shape is not read). */
export type GemmOperand = Float32Array | DeviceTensor;

function handle(t: GemmOperand): Float32Array | DeviceTensor['handle'] {
  return t instanceof DeviceTensor ? t.handle : t;
}

function nativeArgs(a: GemmOperand, b: GemmOperand, c: GemmOperand, m: number, n: number, k: number, o: GemmOptions) {
  if (o === null || typeof o !== 'object') throw new TxError('E_RANGE', 'opts must be an object');
  const inDtype = a instanceof DeviceTensor ? a.dtype : 'f32';
  if (inDtype !== 'f32' && inDtype !== 'bf16') throw new TxError('E_DTYPE', `a must be f32 or bf16, got ${inDtype}`);
  if (b instanceof DeviceTensor && b.dtype !== inDtype) throw new TxError('E_DTYPE', `b is ${b.dtype} but a is ${inDtype}`);
  return [handle(a), handle(b), handle(c), m, n, k, o.transA === true, o.transB === true, o.alpha ?? 1, o.beta ?? 0,
    DTYPE_CODES[inDtype]] as const;
}

export function gemmSync<C extends GemmOperand>(a: GemmOperand, b: GemmOperand, c: C, m: number, n: number, k: number, opts: GemmOptions = {}): C {
  native().gemmSync(...nativeArgs(a, b, c, m, n, k, opts));
  return c;
}

export async function gemm<C extends GemmOperand>(a: GemmOperand, b: GemmOperand, c: C, m: number, n: number, k: number, opts: GemmOptions = {}): Promise<C> {
  await native().gemm(...nativeArgs(a, b, c, m, n, k, opts));
  return c;
}

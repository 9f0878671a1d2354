// Packed variable-length causal grouped-query attention (docs/kernels.md section 3), in
// FlashAttention's varlen layout: q [Nt, Hq, D], k/v [Nt, Hkv, D], cuSeqlens i32[B+1].
// Forward saves lse f32[Hq, Nt] for the backward. decodeAttention runs one new query per
// sequence against a KV cache and returns, for the same token and prefix, the same bits as
// the packed forward (the rollout and training paths agree).
import { TxError } from '../errors.js';
import { show } from './show.js';
import { native, type NativeDeviceBuffer } from './native.js';
import { DTYPE_CODES, DeviceTensor, dtypeOf, type DType, type HostArray, type HostTensor, type TensorLike } from './tensor.js';

export interface AttentionOptions {
  /** A token sees itself and earlier tokens of its own sequence only. Default true. */
  causal?: boolean;
  /** Multiplies q.k. Default 1/sqrt(D). */
  scale?: number;
}

export interface AttentionResult<T extends TensorLike = TensorLike> {
  /** [Nt, Hq, D], dtype of q. */
  out: T;
  /** f32[Hq, Nt] (decode: f32[B, Hq]): log-sum-exp of the scaled scores of each query row. */
  lse: T;
}

export interface AttentionGrads<T extends TensorLike = TensorLike> {
  gradQ: T;
  gradK: T;
  gradV: T;
}

type Handle = Float32Array | Uint16Array | NativeDeviceBuffer;

interface Unpacked {
  handle: Handle;
  shape: number[];
  dtype: DType;
  device: number | undefined;
}

function unpack(t: TensorLike, name: string): Unpacked {
  if (t instanceof DeviceTensor) return { handle: t.handle, shape: t.shape, dtype: t.dtype, device: t.device };
  if (t === null || typeof t !== 'object' || !ArrayBuffer.isView(t.data) || !Array.isArray(t.shape)) {
    throw new TxError('E_SHAPE', `${name} must be a HostTensor {data, shape} or a DeviceTensor`);
  }
  const dtype = dtypeOf(t.data as HostArray);
  if (dtype !== 'f32' && dtype !== 'bf16') {
    throw new TxError('E_DTYPE', `${name}.data must be a Float32Array (f32) or Uint16Array (bf16), got ${t.data.constructor.name}`);
  }
  return { handle: t.data as Float32Array | Uint16Array, shape: t.shape, dtype, device: undefined };
}

function sameShape(a: Unpacked, aName: string, b: number[], bName: string): void {
  if (a.shape.length !== b.length || a.shape.some((d, i) => d !== b[i])) {
    throw new TxError('E_SHAPE', `${aName}.shape must equal ${bName} ${show(b)}, got ${show(a.shape)}`);
  }
}

function sameDtype(a: Unpacked, aName: string, q: Unpacked): void {
  if (a.dtype !== q.dtype) throw new TxError('E_DTYPE', `${aName} is ${a.dtype} but q is ${q.dtype}`);
}

function scaleOf(opts: AttentionOptions): number {
  if (opts === null || typeof opts !== 'object') throw new TxError('E_RANGE', 'opts must be an object');
  if (opts.scale === undefined) return 0;  // native default: 1/sqrt(D)
  if (typeof opts.scale !== 'number' || !Number.isFinite(opts.scale) || opts.scale <= 0) {
    throw new TxError('E_RANGE', `opts.scale must be a finite number > 0, got ${show(opts.scale)}`);
  }
  return opts.scale;
}

function causalOf(opts: AttentionOptions): boolean {
  if (opts === null || typeof opts !== 'object') throw new TxError('E_RANGE', 'opts must be an object');
  if (opts.causal === undefined) return true;
  if (typeof opts.causal !== 'boolean') throw new TxError('E_RANGE', `opts.causal must be a boolean, got ${typeof opts.causal}`);
  return opts.causal;
}

function wrap(h: Handle | Float32Array, shape: number[], dtype: DType, device: number | undefined): TensorLike {
  if (device === undefined) return { data: h as HostArray, shape, dtype } satisfies HostTensor;
  return new DeviceTensor(h as NativeDeviceBuffer, shape, dtype, device);
}

function forwardArgs(q: TensorLike, k: TensorLike, v: TensorLike, cuSeqlens: Int32Array, opts: AttentionOptions) {
  const uq = unpack(q, 'q'), uk = unpack(k, 'k'), uv = unpack(v, 'v');
  sameDtype(uk, 'k', uq);
  sameDtype(uv, 'v', uq);
  sameShape(uv, 'v', uk.shape, 'k.shape');
  const args = [DTYPE_CODES[uq.dtype], uq.handle, uq.shape, uk.handle, uk.shape, uv.handle, cuSeqlens, causalOf(opts),
    scaleOf(opts)] as const;
  return { uq, args };
}

function forwardResult(r: { out: unknown; lse: unknown }, uq: Unpacked): AttentionResult {
  const [nt, hq] = uq.shape as [number, number];
  return {
    out: wrap(r.out as Handle, [...uq.shape], uq.dtype, uq.device),
    lse: wrap(r.lse as Handle, [hq, nt], 'f32', uq.device),
  };
}

/** Packed varlen attention, off the JS thread. Outputs live where q lives. */
export function attention(q: HostTensor, k: HostTensor, v: HostTensor, cuSeqlens: Int32Array, opts?: AttentionOptions): Promise<AttentionResult<HostTensor>>;
export function attention(q: DeviceTensor, k: DeviceTensor, v: DeviceTensor, cuSeqlens: Int32Array, opts?: AttentionOptions): Promise<AttentionResult<DeviceTensor>>;
export async function attention(q: TensorLike, k: TensorLike, v: TensorLike, cuSeqlens: Int32Array, opts: AttentionOptions = {}): Promise<AttentionResult> {
  const { uq, args } = forwardArgs(q, k, v, cuSeqlens, opts);
  return forwardResult(await native().attention(...args), uq);
}

/** Blocking form of attention, for tight loops and benchmarks. */
export function attentionSync(q: HostTensor, k: HostTensor, v: HostTensor, cuSeqlens: Int32Array, opts?: AttentionOptions): AttentionResult<HostTensor>;
export function attentionSync(q: DeviceTensor, k: DeviceTensor, v: DeviceTensor, cuSeqlens: Int32Array, opts?: AttentionOptions): AttentionResult<DeviceTensor>;
export function attentionSync(q: TensorLike, k: TensorLike, v: TensorLike, cuSeqlens: Int32Array, opts: AttentionOptions = {}): AttentionResult {
  const { uq, args } = forwardArgs(q, k, v, cuSeqlens, opts);
  return forwardResult(native().attentionSync(...args), uq);
}

function backwardArgs(q: TensorLike, k: TensorLike, v: TensorLike, out: TensorLike, lse: TensorLike, gradOut: TensorLike,
  cuSeqlens: Int32Array, opts: AttentionOptions) {
  const uq = unpack(q, 'q'), uk = unpack(k, 'k'), uv = unpack(v, 'v'), uo = unpack(out, 'out'), ug = unpack(gradOut, 'gradOut');
  const ul = unpack(lse, 'lse');
  for (const [u, name] of [[uk, 'k'], [uv, 'v'], [uo, 'out'], [ug, 'gradOut']] as const) sameDtype(u, name, uq);
  if (ul.dtype !== 'f32') throw new TxError('E_DTYPE', `lse must be f32, got ${ul.dtype}`);
  sameShape(uv, 'v', uk.shape, 'k.shape');
  sameShape(uo, 'out', uq.shape, 'q.shape');
  sameShape(ug, 'gradOut', uq.shape, 'q.shape');
  if (uq.shape.length === 3) sameShape(ul, 'lse', [uq.shape[1]!, uq.shape[0]!], '[Hq, Nt]');
  const args = [DTYPE_CODES[uq.dtype], uq.handle, uq.shape, uk.handle, uk.shape, uv.handle, uo.handle,
    ul.handle as Float32Array | NativeDeviceBuffer, ug.handle, cuSeqlens, causalOf(opts), scaleOf(opts)] as const;
  return { uq, uk, args };
}

function backwardResult(r: { gradQ: unknown; gradK: unknown; gradV: unknown }, uq: Unpacked, uk: Unpacked): AttentionGrads {
  return {
    gradQ: wrap(r.gradQ as Handle, [...uq.shape], uq.dtype, uq.device),
    gradK: wrap(r.gradK as Handle, [...uk.shape], uq.dtype, uq.device),
    gradV: wrap(r.gradV as Handle, [...uk.shape], uq.dtype, uq.device),
  };
}

/** Gradients of attention from the saved lse; gradK/gradV summed over the query heads of each kv head. */
export function attentionBackward(q: HostTensor, k: HostTensor, v: HostTensor, out: HostTensor, lse: HostTensor, gradOut: HostTensor,
  cuSeqlens: Int32Array, opts?: AttentionOptions): Promise<AttentionGrads<HostTensor>>;
export function attentionBackward(q: DeviceTensor, k: DeviceTensor, v: DeviceTensor, out: DeviceTensor, lse: DeviceTensor,
  gradOut: DeviceTensor, cuSeqlens: Int32Array, opts?: AttentionOptions): Promise<AttentionGrads<DeviceTensor>>;
export async function attentionBackward(q: TensorLike, k: TensorLike, v: TensorLike, out: TensorLike, lse: TensorLike,
  gradOut: TensorLike, cuSeqlens: Int32Array, opts: AttentionOptions = {}): Promise<AttentionGrads> {
  const { uq, uk, args } = backwardArgs(q, k, v, out, lse, gradOut, cuSeqlens, opts);
  return backwardResult(await native().attentionBackward(...args), uq, uk);
}

/** Blocking form of attentionBackward. */
export function attentionBackwardSync(q: HostTensor, k: HostTensor, v: HostTensor, out: HostTensor, lse: HostTensor, gradOut: HostTensor,
  cuSeqlens: Int32Array, opts?: AttentionOptions): AttentionGrads<HostTensor>;
export function attentionBackwardSync(q: DeviceTensor, k: DeviceTensor, v: DeviceTensor, out: DeviceTensor, lse: DeviceTensor,
  gradOut: DeviceTensor, cuSeqlens: Int32Array, opts?: AttentionOptions): AttentionGrads<DeviceTensor>;
export function attentionBackwardSync(q: TensorLike, k: TensorLike, v: TensorLike, out: TensorLike, lse: TensorLike,
  gradOut: TensorLike, cuSeqlens: Int32Array, opts: AttentionOptions = {}): AttentionGrads {
  const { uq, uk, args } = backwardArgs(q, k, v, out, lse, gradOut, cuSeqlens, opts);
  return backwardResult(native().attentionBackwardSync(...args), uq, uk);
}

function decodeArgs(q: TensorLike, kCache: TensorLike, vCache: TensorLike, lengths: Int32Array, opts: Omit<AttentionOptions, 'causal'>) {
  const uq = unpack(q, 'q'), uk = unpack(kCache, 'kCache'), uv = unpack(vCache, 'vCache');
  sameDtype(uk, 'kCache', uq);
  sameDtype(uv, 'vCache', uq);
  sameShape(uv, 'vCache', uk.shape, 'kCache.shape');
  const args = [DTYPE_CODES[uq.dtype], uq.handle, uq.shape, uk.handle, uk.shape, uv.handle, lengths, scaleOf(opts)] as const;
  return { uq, args };
}

function decodeResult(r: { out: unknown; lse: unknown }, uq: Unpacked): AttentionResult {
  return {
    out: wrap(r.out as Handle, [...uq.shape], uq.dtype, uq.device),
    lse: wrap(r.lse as Handle, [uq.shape[0]!, uq.shape[1]!], 'f32', uq.device),
  };
}

/**
 * One new query per sequence, q [B, Hq, D], against a KV cache [B, Tmax, Hkv, D] whose
 * first lengths[b] positions (the new token's own k/v included) belong to sequence b.
 */
export function decodeAttention(q: HostTensor, kCache: HostTensor, vCache: HostTensor, lengths: Int32Array, opts?: { scale?: number }): Promise<AttentionResult<HostTensor>>;
export function decodeAttention(q: DeviceTensor, kCache: DeviceTensor, vCache: DeviceTensor, lengths: Int32Array, opts?: { scale?: number }): Promise<AttentionResult<DeviceTensor>>;
export async function decodeAttention(q: TensorLike, kCache: TensorLike, vCache: TensorLike, lengths: Int32Array, opts: { scale?: number } = {}): Promise<AttentionResult> {
  const { uq, args } = decodeArgs(q, kCache, vCache, lengths, opts);
  return decodeResult(await native().decodeAttention(...args), uq);
}

/** Blocking form of decodeAttention. */
export function decodeAttentionSync(q: HostTensor, kCache: HostTensor, vCache: HostTensor, lengths: Int32Array, opts?: { scale?: number }): AttentionResult<HostTensor>;
export function decodeAttentionSync(q: DeviceTensor, kCache: DeviceTensor, vCache: DeviceTensor, lengths: Int32Array, opts?: { scale?: number }): AttentionResult<DeviceTensor>;
export function decodeAttentionSync(q: TensorLike, kCache: TensorLike, vCache: TensorLike, lengths: Int32Array, opts: { scale?: number } = {}): AttentionResult {
  const { uq, args } = decodeArgs(q, kCache, vCache, lengths, opts);
  return decodeResult(native().decodeAttentionSync(...args), uq);
}

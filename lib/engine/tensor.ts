// Tensors: host tensors are typed arrays (zero-copy into the engine); DeviceTensor is CUDA
// memory with explicit copies and dispose(). Nothing copies implicitly.
import { TxError } from '../errors.js';
import { show } from './show.js';
import { native, type NativeDeviceBuffer } from './native.js';

export type DType = 'f32' | 'i32' | 'bf16' | 'u8';
export type HostArray = Float32Array | Int32Array | Uint16Array | Uint8Array;
export type HostTensor = { data: HostArray; shape: number[]; dtype?: DType };

/** Codes shared with native/include/tx/tensor.h (enum DType). */
export const DTYPE_CODES: Record<DType, number> = { f32: 0, i32: 1, bf16: 2, u8: 3 };
const BYTES: Record<DType, number> = { f32: 4, i32: 4, bf16: 2, u8: 1 };

export function dtypeOf(data: HostArray): DType {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint16Array) return 'bf16';
  if (data instanceof Uint8Array) return 'u8';
  throw new TxError('E_DTYPE', `data must be a Float32Array, Int32Array, Uint16Array (bf16) or Uint8Array`);
}

export function allocHost(dtype: DType, n: number): HostArray {
  switch (dtype) {
    case 'f32': return new Float32Array(n);
    case 'i32': return new Int32Array(n);
    case 'bf16': return new Uint16Array(n);
    case 'u8': return new Uint8Array(n);
  }
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkShape(shape: unknown, name: string): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TxError('E_SHAPE', `${name} must be an array of non-negative integers, got ${show(shape)}`);
  }
  return [...(shape as number[])];
}

export class DeviceTensor {
  readonly shape: number[];
  readonly dtype: DType;
  readonly device: number;
  /** @internal the native CUDA buffer */
  readonly handle: NativeDeviceBuffer;

  /** @internal use fromHost, or receive one from an op */
  constructor(handle: NativeDeviceBuffer, shape: number[], dtype: DType, device: number) {
    this.handle = handle;
    this.shape = shape;
    this.dtype = dtype;
    this.device = device;
  }

  static fromHost(t: HostTensor, device = 0): DeviceTensor {
    const dtype = dtypeOf(t.data);
    if (t.dtype !== undefined && t.dtype !== dtype) {
      throw new TxError('E_DTYPE', `t.dtype is '${t.dtype}' but t.data holds ${dtype}`);
    }
    const shape = checkShape(t.shape, 't.shape');
    if (numel(shape) !== t.data.length) {
      throw new TxError('E_SHAPE', `t.shape ${show(shape)} holds ${numel(shape)} elements, t.data has ${t.data.length}`);
    }
    const addon = native();
    const handle = new addon.DeviceBuffer(t.data.byteLength, DTYPE_CODES[dtype], device);
    try {
      handle.copyFromHost(t.data);
    } catch (e) {
      handle.dispose();
      throw e;
    }
    return new DeviceTensor(handle, shape, dtype, device);
  }

  /** Wraps a native buffer returned by an op as a 1-D tensor. @internal */
  static fromHandle(handle: NativeDeviceBuffer, dtype: DType, device: number): DeviceTensor {
    return new DeviceTensor(handle, [handle.bytes / BYTES[dtype]], dtype, device);
  }

  get disposed(): boolean {
    return this.handle.disposed;
  }

  async toHost(): Promise<HostTensor> {
    const out = allocHost(this.dtype, numel(this.shape));
    await this.handle.copyToHost(out);
    return { data: out, shape: [...this.shape], dtype: this.dtype };
  }

  toHostSync(): HostTensor {
    const out = allocHost(this.dtype, numel(this.shape));
    this.handle.copyToHostSync(out);
    return { data: out, shape: [...this.shape], dtype: this.dtype };
  }

  /** Frees the device memory now (deferred to the end of any op still using it). */
  dispose(): void {
    this.handle.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

export type TensorLike = HostTensor | DeviceTensor;

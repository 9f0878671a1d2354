// Log-prob gathering (docs/kernels.md section 2): fused log-softmax + gather + entropy from
// logits [N, V], and fused with the lm_head (hidden [N, Dm] x weight [V, Dm]) so that the
// [N, V] logits never exist. Forward and backward, on the CPU (f32) and CUDA (f32, bf16
// logits). Results live where the inputs live: typed arrays (vectors) and HostTensors
// (matrices) for host inputs, DeviceTensors for device inputs.
//
// Conventions (also in native/include/tx/ops.h): z = logits / T; rows whose target is
// ignoreIndex give logp 0, entropy 0, lse 0 and zero gradient; a row of all -inf logits
// gives lse -inf, logp -inf, entropy 0 and zero gradient; NaN logits give NaN.
import { TxError } from '../errors.js';
import { show } from './show.js';
import {
  native,
  type NativeDeviceBuffer,
  type NativeLinearLogprobsBackwardResult,
  type NativeLogprobsBackwardResult,
  type NativeLogprobsResult,
} from './native.js';
import { DeviceTensor, DTYPE_CODES, type DType, type HostTensor, type TensorLike } from './tensor.js';

export interface LogprobsOptions {
  /** z = logits / temperature; finite and > 0. Default 1. */
  temperature?: number;
  /** Rows with this target give logp 0, entropy 0 and no gradient. Default -100. */
  ignoreIndex?: number;
  /** Also return the entropy of softmax(z) per row. Default false. */
  entropy?: boolean;
}

export interface LogprobsBackwardOptions {
  /** d loss / d entropy per row (f32[N]); omit when the loss has no entropy term. */
  gradEntropy?: Float32Array | DeviceTensor;
  temperature?: number;
  ignoreIndex?: number;
  /** Write gradLogits into the logits buffer (halves peak memory). Default false. */
  inPlace?: boolean;
}

export type LinearLogprobsBackwardOptions = Omit<LogprobsBackwardOptions, 'inPlace'>;

export interface LogprobsResult<F = Float32Array> {
  logp: F;
  entropy?: F;
  /** log-sum-exp of z per row, saved for the backward. */
  lse: F;
}

type Vector = Float32Array | DeviceTensor;
type Matrix = HostTensor | DeviceTensor;

interface MatrixArg {
  handle: Float32Array | Uint16Array | NativeDeviceBuffer;
  rows: number;
  cols: number;
  dtype: DType;
  device: number | undefined;
}

function matrixArg(x: unknown, name: string, allowed: readonly DType[]): MatrixArg {
  if (x instanceof DeviceTensor) {
    if (x.shape.length !== 2) throw new TxError('E_SHAPE', `${name} must be 2-D, got shape ${show(x.shape)}`);
    if (!allowed.includes(x.dtype)) throw new TxError('E_DTYPE', `${name} must be ${allowed.join(' or ')}, got ${x.dtype}`);
    return { handle: x.handle, rows: x.shape[0]!, cols: x.shape[1]!, dtype: x.dtype, device: x.device };
  }
  if (x === null || typeof x !== 'object' || !('data' in x) || !('shape' in x)) {
    throw new TxError('E_DTYPE', `${name} must be a HostTensor {data, shape} or a DeviceTensor`);
  }
  const t = x as HostTensor;
  const dtype: DType | undefined =
    t.data instanceof Float32Array ? 'f32' : t.data instanceof Uint16Array ? 'bf16' : undefined;
  if (dtype === undefined || !allowed.includes(dtype)) {
    throw new TxError('E_DTYPE', `${name}.data must be a ${allowed.map((d) => (d === 'f32' ? 'Float32Array' : 'Uint16Array (bf16)')).join(' or ')}`);
  }
  if (t.dtype !== undefined && t.dtype !== dtype) throw new TxError('E_DTYPE', `${name}.dtype is '${t.dtype}' but ${name}.data holds ${dtype}`);
  const shape = t.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TxError('E_SHAPE', `${name}.shape must be [rows, cols] of non-negative integers, got ${show(shape)}`);
  }
  const [rows, cols] = shape as [number, number];
  if (rows * cols !== t.data.length) {
    throw new TxError('E_SHAPE', `${name}.shape ${show(shape)} holds ${rows * cols} elements, ${name}.data has ${t.data.length}`);
  }
  return { handle: t.data as Float32Array | Uint16Array, rows, cols, dtype, device: undefined };
}

function vectorArg(x: Vector | undefined, name: string): Float32Array | NativeDeviceBuffer | undefined {
  if (x === undefined) return undefined;
  if (x instanceof DeviceTensor) return x.handle;
  if (x instanceof Float32Array) return x;
  throw new TxError('E_DTYPE', `${name} must be a Float32Array or a DeviceTensor`);
}

function options(opts: unknown): { temperature: number; ignoreIndex: number } {
  if (opts === null || typeof opts !== 'object') throw new TxError('E_RANGE', 'opts must be an object');
  const o = opts as LogprobsOptions;
  const temperature = o.temperature ?? 1;
  const ignoreIndex = o.ignoreIndex ?? -100;
  if (typeof temperature !== 'number') throw new TxError('E_RANGE', `opts.temperature must be a number, got ${typeof temperature}`);
  if (typeof ignoreIndex !== 'number') throw new TxError('E_RANGE', `opts.ignoreIndex must be a number, got ${typeof ignoreIndex}`);
  return { temperature, ignoreIndex };
}

const f32 = (h: unknown, device: number | undefined, shape?: number[]): Float32Array | DeviceTensor =>
  device === undefined ? (h as Float32Array) : wrapDevice(h, 'f32', device, shape);

function wrapDevice(h: unknown, dtype: DType, device: number, shape?: number[]): DeviceTensor {
  const t = DeviceTensor.fromHandle(h as NativeDeviceBuffer, dtype, device);
  return shape === undefined ? t : new DeviceTensor(t.handle, shape, dtype, device);
}

function wrapForward(r: NativeLogprobsResult, device: number | undefined): LogprobsResult<Vector> {
  const out: LogprobsResult<Vector> = { logp: f32(r.logp, device), lse: f32(r.lse, device) };
  if (r.entropy !== undefined) out.entropy = f32(r.entropy, device);
  return out;
}

// ---- from logits ----

function forwardArgs(logits: TensorLike, targets: Int32Array, opts: LogprobsOptions) {
  const m = matrixArg(logits, 'logits', ['f32', 'bf16']);
  const o = options(opts);
  return {
    device: m.device,
    args: [m.handle, DTYPE_CODES[m.dtype], m.rows, m.cols, targets, o.temperature, o.ignoreIndex, opts.entropy === true] as const,
  };
}

/** logp[i] = z[i, t_i] - lse_i (and the entropy with opts.entropy), off the JS thread. */
export function logprobs(logits: HostTensor, targets: Int32Array, opts?: LogprobsOptions): Promise<LogprobsResult>;
export function logprobs(logits: DeviceTensor, targets: Int32Array, opts?: LogprobsOptions): Promise<LogprobsResult<DeviceTensor>>;
export async function logprobs(logits: TensorLike, targets: Int32Array, opts: LogprobsOptions = {}): Promise<LogprobsResult<Vector>> {
  const { device, args } = forwardArgs(logits, targets, opts);
  return wrapForward(await native().logprobs(...args), device);
}

/** Blocking form of logprobs. */
export function logprobsSync(logits: HostTensor, targets: Int32Array, opts?: LogprobsOptions): LogprobsResult;
export function logprobsSync(logits: DeviceTensor, targets: Int32Array, opts?: LogprobsOptions): LogprobsResult<DeviceTensor>;
export function logprobsSync(logits: TensorLike, targets: Int32Array, opts: LogprobsOptions = {}): LogprobsResult<Vector> {
  const { device, args } = forwardArgs(logits, targets, opts);
  return wrapForward(native().logprobsSync(...args), device);
}

function backwardArgs(logits: TensorLike, targets: Int32Array, lse: Vector, gradLogp: Vector, opts: LogprobsBackwardOptions) {
  const m = matrixArg(logits, 'logits', ['f32', 'bf16']);
  const o = options(opts);
  return {
    m,
    args: [
      m.handle, DTYPE_CODES[m.dtype], m.rows, m.cols, targets,
      vectorArg(lse, 'lse')!, vectorArg(gradLogp, 'gradLogp')!, vectorArg(opts.gradEntropy, 'opts.gradEntropy'),
      o.temperature, o.ignoreIndex, opts.inPlace === true,
    ] as const,
  };
}

function wrapGradLogits(r: NativeLogprobsBackwardResult, logits: TensorLike, m: MatrixArg): { gradLogits: Matrix } {
  if (m.device === undefined) {
    return { gradLogits: { data: r.gradLogits as Float32Array | Uint16Array, shape: [m.rows, m.cols], dtype: m.dtype } };
  }
  if (r.gradLogits === m.handle) return { gradLogits: logits as DeviceTensor };  // in place
  return { gradLogits: wrapDevice(r.gradLogits, m.dtype, m.device, [m.rows, m.cols]) };
}

/** d loss / d logits from gradLogp (and opts.gradEntropy), using the forward's lse. */
export function logprobsBackward(logits: HostTensor, targets: Int32Array, lse: Float32Array, gradLogp: Float32Array,
  opts?: LogprobsBackwardOptions): Promise<{ gradLogits: HostTensor }>;
export function logprobsBackward(logits: DeviceTensor, targets: Int32Array, lse: DeviceTensor, gradLogp: DeviceTensor,
  opts?: LogprobsBackwardOptions): Promise<{ gradLogits: DeviceTensor }>;
export async function logprobsBackward(logits: TensorLike, targets: Int32Array, lse: Vector, gradLogp: Vector,
  opts: LogprobsBackwardOptions = {}): Promise<{ gradLogits: Matrix }> {
  const { m, args } = backwardArgs(logits, targets, lse, gradLogp, opts);
  return wrapGradLogits(await native().logprobsBackward(...args), logits, m);
}

/** Blocking form of logprobsBackward. */
export function logprobsBackwardSync(logits: HostTensor, targets: Int32Array, lse: Float32Array, gradLogp: Float32Array,
  opts?: LogprobsBackwardOptions): { gradLogits: HostTensor };
export function logprobsBackwardSync(logits: DeviceTensor, targets: Int32Array, lse: DeviceTensor, gradLogp: DeviceTensor,
  opts?: LogprobsBackwardOptions): { gradLogits: DeviceTensor };
export function logprobsBackwardSync(logits: TensorLike, targets: Int32Array, lse: Vector, gradLogp: Vector,
  opts: LogprobsBackwardOptions = {}): { gradLogits: Matrix } {
  const { m, args } = backwardArgs(logits, targets, lse, gradLogp, opts);
  return wrapGradLogits(native().logprobsBackwardSync(...args), logits, m);
}

// ---- fused with the lm_head ----

function linearShapes(hidden: Matrix, weight: Matrix) {
  const h = matrixArg(hidden, 'hidden', ['f32']);
  const w = matrixArg(weight, 'weight', ['f32']);
  if (w.cols !== h.cols) {
    throw new TxError('E_SHAPE', `weight must have shape [V, ${h.cols}] (Dm from hidden [${h.rows}, ${h.cols}]), got [${w.rows}, ${w.cols}]`);
  }
  if (h.device !== w.device) throw new TxError('E_DEVICE', `weight is on ${w.device === undefined ? 'cpu' : `cuda:${w.device}`} but hidden is on ${h.device === undefined ? 'cpu' : `cuda:${h.device}`}`);
  return { h, w };
}

function linearForwardArgs(hidden: Matrix, weight: Matrix, targets: Int32Array, opts: LogprobsOptions) {
  const { h, w } = linearShapes(hidden, weight);
  const o = options(opts);
  return {
    device: h.device,
    args: [h.handle, w.handle, h.rows, h.cols, w.rows, targets, o.temperature, o.ignoreIndex, opts.entropy === true] as const,
  };
}

/** Log-probs of hidden x weight^T without materializing [N, V] (tiles with the online softmax). */
export function linearLogprobs(hidden: HostTensor, weight: HostTensor, targets: Int32Array, opts?: LogprobsOptions): Promise<LogprobsResult>;
export function linearLogprobs(hidden: DeviceTensor, weight: DeviceTensor, targets: Int32Array, opts?: LogprobsOptions): Promise<LogprobsResult<DeviceTensor>>;
export async function linearLogprobs(hidden: Matrix, weight: Matrix, targets: Int32Array, opts: LogprobsOptions = {}): Promise<LogprobsResult<Vector>> {
  const { device, args } = linearForwardArgs(hidden, weight, targets, opts);
  return wrapForward(await native().linearLogprobs(...args), device);
}

/** Blocking form of linearLogprobs. */
export function linearLogprobsSync(hidden: HostTensor, weight: HostTensor, targets: Int32Array, opts?: LogprobsOptions): LogprobsResult;
export function linearLogprobsSync(hidden: DeviceTensor, weight: DeviceTensor, targets: Int32Array, opts?: LogprobsOptions): LogprobsResult<DeviceTensor>;
export function linearLogprobsSync(hidden: Matrix, weight: Matrix, targets: Int32Array, opts: LogprobsOptions = {}): LogprobsResult<Vector> {
  const { device, args } = linearForwardArgs(hidden, weight, targets, opts);
  return wrapForward(native().linearLogprobsSync(...args), device);
}

export interface LinearLogprobsGrads<M = HostTensor> {
  gradHidden: M;
  gradWeight: M;
}

function linearBackwardArgs(hidden: Matrix, weight: Matrix, targets: Int32Array, lse: Vector, gradLogp: Vector,
  opts: LinearLogprobsBackwardOptions) {
  const { h, w } = linearShapes(hidden, weight);
  const o = options(opts);
  return {
    h, w,
    args: [
      h.handle, w.handle, h.rows, h.cols, w.rows, targets,
      vectorArg(lse, 'lse')!, vectorArg(gradLogp, 'gradLogp')!, vectorArg(opts.gradEntropy, 'opts.gradEntropy'),
      o.temperature, o.ignoreIndex,
    ] as const,
  };
}

function wrapLinearGrads(r: NativeLinearLogprobsBackwardResult, h: MatrixArg, w: MatrixArg): LinearLogprobsGrads<Matrix> {
  if (h.device === undefined) {
    return {
      gradHidden: { data: r.gradHidden as Float32Array, shape: [h.rows, h.cols], dtype: 'f32' },
      gradWeight: { data: r.gradWeight as Float32Array, shape: [w.rows, w.cols], dtype: 'f32' },
    };
  }
  return {
    gradHidden: wrapDevice(r.gradHidden, 'f32', h.device, [h.rows, h.cols]),
    gradWeight: wrapDevice(r.gradWeight, 'f32', h.device, [w.rows, w.cols]),
  };
}

/** gradHidden [N, Dm] and gradWeight [V, Dm] (f32 accumulation), recomputing the logit tiles. */
export function linearLogprobsBackward(hidden: HostTensor, weight: HostTensor, targets: Int32Array, lse: Float32Array,
  gradLogp: Float32Array, opts?: LinearLogprobsBackwardOptions): Promise<LinearLogprobsGrads>;
export function linearLogprobsBackward(hidden: DeviceTensor, weight: DeviceTensor, targets: Int32Array, lse: DeviceTensor,
  gradLogp: DeviceTensor, opts?: LinearLogprobsBackwardOptions): Promise<LinearLogprobsGrads<DeviceTensor>>;
export async function linearLogprobsBackward(hidden: Matrix, weight: Matrix, targets: Int32Array, lse: Vector,
  gradLogp: Vector, opts: LinearLogprobsBackwardOptions = {}): Promise<LinearLogprobsGrads<Matrix>> {
  const { h, w, args } = linearBackwardArgs(hidden, weight, targets, lse, gradLogp, opts);
  return wrapLinearGrads(await native().linearLogprobsBackward(...args), h, w);
}

/** Blocking form of linearLogprobsBackward. */
export function linearLogprobsBackwardSync(hidden: HostTensor, weight: HostTensor, targets: Int32Array, lse: Float32Array,
  gradLogp: Float32Array, opts?: LinearLogprobsBackwardOptions): LinearLogprobsGrads;
export function linearLogprobsBackwardSync(hidden: DeviceTensor, weight: DeviceTensor, targets: Int32Array, lse: DeviceTensor,
  gradLogp: DeviceTensor, opts?: LinearLogprobsBackwardOptions): LinearLogprobsGrads<DeviceTensor>;
export function linearLogprobsBackwardSync(hidden: Matrix, weight: Matrix, targets: Int32Array, lse: Vector,
  gradLogp: Vector, opts: LinearLogprobsBackwardOptions = {}): LinearLogprobsGrads<Matrix> {
  const { h, w, args } = linearBackwardArgs(hidden, weight, targets, lse, gradLogp, opts);
  return wrapLinearGrads(native().linearLogprobsBackwardSync(...args), h, w);
}

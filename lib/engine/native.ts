// The one loader of the native addon and the one typed description of its surface.
// Every other module reaches native code through `native()`.
import { TxError } from '../errors.js';
import { loadAddon } from './load-addon.js';

/** Native handle of CUDA memory; lib/engine/tensor.ts wraps it as a DeviceTensor. */
export interface NativeDeviceBuffer {
  readonly bytes: number;
  readonly disposed: boolean;
  copyFromHost(data: ArrayBufferView): void;
  copyToHostSync<T extends ArrayBufferView>(out: T): T;
  copyToHost<T extends ArrayBufferView>(out: T): Promise<T>;
  dispose(): void;
}

export interface NativeDevicesReport {
  /** simd: the CPU kernel set in use; simdSupported: those this CPU can run (TOOLEXPANDER_SIMD). */
  cpu: { threads: number; simd: string; simdSupported: string[] };
  cuda: {
    compiled: boolean;
    usable: boolean;
    reason?: string;
    architectures?: string;
    /** CUDA builds: the cuBLAS library the GEMM loaded at run time, "" when none (own kernels). */
    cublas?: string;
    devices: { index: number; name: string; memoryBytes: number; sm: string }[];
  };
}

type NativeVector = Float32Array | Int32Array | Uint8Array | Uint16Array | NativeDeviceBuffer;

export interface NativeAdvantagesResult {
  advantages: Float32Array | NativeDeviceBuffer;
  mean: Float32Array | NativeDeviceBuffer;
  std: Float32Array | NativeDeviceBuffer;
  zeroVariance: Uint8Array | NativeDeviceBuffer;
  tokenAdvantages?: Float32Array | NativeDeviceBuffer;
}

type AdvantagesArgs = [
  rewards: NativeVector,
  groupOffsets: Int32Array,
  mode: number,
  std: number,
  eps: number,
  seqOffsets: Int32Array | undefined,
  responseMask: Uint8Array | NativeDeviceBuffer | undefined,
  out: Record<string, unknown> | undefined,
];

export interface NativeLogprobsResult {
  logp: Float32Array | NativeDeviceBuffer;
  entropy?: Float32Array | NativeDeviceBuffer;
  lse: Float32Array | NativeDeviceBuffer;
}
export interface NativeLogprobsBackwardResult {
  gradLogits: Float32Array | Uint16Array | NativeDeviceBuffer;
}
export interface NativeLinearLogprobsBackwardResult {
  gradHidden: Float32Array | NativeDeviceBuffer;
  gradWeight: Float32Array | NativeDeviceBuffer;
}
type LogprobsArgs = readonly [
  logits: NativeVector, dtype: number, n: number, v: number, targets: Int32Array,
  temperature: number, ignoreIndex: number, withEntropy: boolean,
];
type LogprobsBackwardArgs = readonly [
  logits: NativeVector, dtype: number, n: number, v: number, targets: Int32Array,
  lse: NativeVector, gradLogp: NativeVector, gradEntropy: NativeVector | undefined,
  temperature: number, ignoreIndex: number, inPlace: boolean,
];
type LinearLogprobsArgs = readonly [
  hidden: NativeVector, weight: NativeVector, n: number, dm: number, v: number, targets: Int32Array,
  temperature: number, ignoreIndex: number, withEntropy: boolean,
];
type LinearLogprobsBackwardArgs = readonly [
  hidden: NativeVector, weight: NativeVector, n: number, dm: number, v: number, targets: Int32Array,
  lse: NativeVector, gradLogp: NativeVector, gradEntropy: NativeVector | undefined,
  temperature: number, ignoreIndex: number,
];

type AttentionTensor = Float32Array | Uint16Array | NativeDeviceBuffer;

export interface NativeAttentionResult {
  out: AttentionTensor;
  lse: Float32Array | NativeDeviceBuffer;
}

export interface NativeAttentionGrads {
  gradQ: AttentionTensor;
  gradK: AttentionTensor;
  gradV: AttentionTensor;
}

type AttentionArgs = [
  dtype: number, q: AttentionTensor, qShape: number[], k: AttentionTensor, kShape: number[], v: AttentionTensor,
  cuSeqlens: Int32Array, causal: boolean, scale: number,
];
type AttentionBackwardArgs = [
  dtype: number, q: AttentionTensor, qShape: number[], k: AttentionTensor, kShape: number[], v: AttentionTensor,
  out: AttentionTensor, lse: Float32Array | NativeDeviceBuffer, gradOut: AttentionTensor, cuSeqlens: Int32Array,
  causal: boolean, scale: number,
];
type DecodeAttentionArgs = [
  dtype: number, q: AttentionTensor, qShape: number[], kCache: AttentionTensor, kShape: number[],
  vCache: AttentionTensor, lengths: Int32Array, scale: number,
];

// ---- grpoLoss ----
export interface NativeGrpoLossResult {
  gradLogp: Float32Array | NativeDeviceBuffer;
  /** loss, clipFracHigh, clipFracLow, dualClipFrac, ratioMean, approxKl, klMean, tokens */
  scalars: Float64Array;
}

export type GrpoLossArgs = [
  logp: NativeVector,
  oldLogp: NativeVector,
  refLogp: NativeVector | undefined,
  advantages: NativeVector,
  mask: NativeVector,
  seqOffsets: Int32Array,
  clipLow: number,
  clipHigh: number,
  dualClip: number,
  klCoef: number,
  klType: number,
  aggregation: number,
  normConstant: number | undefined,
];

// ---- adamwStep ----
export type AdamWArgs = [
  params: NativeVector,
  grads: NativeVector,
  expAvg: NativeVector,
  expAvgSq: NativeVector,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  step: number,
  maxGradNorm: number,
];

// ---- sample ----
export type SampleArgs = [
  logits: NativeVector,
  vocab: number,
  seqIds: Int32Array,
  positions: Int32Array,
  seed: number,
  temperature: number,
  topK: number,
  topP: number,
];

// ---- gemm ----
export type GemmArgs = [
  a: Float32Array | NativeDeviceBuffer, b: Float32Array | NativeDeviceBuffer, c: Float32Array | NativeDeviceBuffer,
  m: number, n: number, k: number, transA: boolean, transB: boolean, alpha: number, beta: number,
  inDtype: number,  // a and b: 0 f32, 2 bf16 (device only)
];

// ---- OpenBLAS benchmark peer (bench only, not an engine op) ----
export interface NativeOpenblasInfo {
  found: boolean;
  library: string;
  core: string;
  config: string;
  reason: string;
}

// ---- model ops: rmsNorm, rope, swiglu, embedding, residualAdd ----
type F32 = Float32Array | NativeDeviceBuffer;
export type RmsNormArgs = [x: F32, weight: F32, rows: number, dim: number, eps: number];
export type RmsNormBackwardArgs = [x: F32, weight: F32, rstd: F32, gradOut: F32, rows: number, dim: number];
export type RopeArgs = [x: F32, positions: Int32Array, tokens: number, heads: number, headDim: number, theta: number];
export type EmbeddingArgs = [weightOrGrad: F32, ids: Int32Array, vocab: number, dim: number];

// ---- PolicyModel, the native policy model (bindings/model.cpp) ----
export interface NativePolicyModel {
  readonly numParams: number;
  readonly disposed: boolean;
  /** Optimizer steps taken (as getState().step, without copying the state). */
  readonly step: number;
  forwardLogprobs(tokens: Int32Array, cuSeqlens: Int32Array, mask: Uint8Array): Promise<{ logp: Float32Array; entropy: Float32Array }>;
  forwardLogprobsSync(tokens: Int32Array, cuSeqlens: Int32Array, mask: Uint8Array): { logp: Float32Array; entropy: Float32Array };
  /** scalars: loss, tokens, clipFracHigh, clipFracLow, dualClipFrac, ratioMean, approxKl, klMean */
  trainMicro(tokens: Int32Array, cuSeqlens: Int32Array, mask: Uint8Array, loss: NativeLossSpec, scale: number): Promise<{ scalars: Float64Array }>;
  /** scalars: gradNorm, step */
  optimizerStep(lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, maxGradNorm: number): Promise<{ scalars: Float64Array }>;
  generate(promptTokens: Int32Array, promptOffsets: Int32Array, n: number, temperature: number, topP: number, topK: number,
    maxTokens: number, stopIds: Int32Array, seed: number): Promise<{ tokens: Int32Array; logp: Float32Array; lengths: Int32Array }>;
  getState(): { params: Float32Array; expAvg: Float32Array; expAvgSq: Float32Array; grads: Float32Array; step: number };
  zeroGrad(): void;
  setState(params: Float32Array, expAvg?: Float32Array, expAvgSq?: Float32Array, step?: number): void;
  /** n floats of one state vector from offset (checkpoints stream tensor by tensor). */
  readStateRange(which: 'params' | 'expAvg' | 'expAvgSq' | 'grads', offset: number, n: number): Float32Array;
  writeStateRange(which: 'params' | 'expAvg' | 'expAvgSq' | 'grads', offset: number, data: Float32Array): void;
  /** After writeStateRange: refresh the bf16 weights, clear gradients, set the step when given. */
  finishState(step?: number): void;
  layout(): { name: string; shape: number[]; offset: number }[];
  dispose(): void;
}

export type NativeLossSpec =
  | { sft: true }
  | {
    sft: false; oldLogp: Float32Array; refLogp?: Float32Array; advantages: Float32Array; clipLow: number; clipHigh: number;
    dualClip: number; klCoef: number; klType: number; aggregation: number; normConstant?: number;
  };

/** The addon's whole surface: one member per exported function or class. */
export interface NativeAddon {
  // runtime
  init(txError: typeof TxError): void;
  DeviceBuffer: new (bytes: number, dtype: number, device: number) => NativeDeviceBuffer;
  devices(): NativeDevicesReport;
  setThreads(n: number): number;
  /** Async jobs of this environment queued or running (bindings/job_registry.h). */
  jobsInFlight(): number;
  benchStreamCopy(dst: Float32Array, src: Float32Array): void;
  benchStreamRead(src: Float32Array): number;
  // groupedAdvantages
  groupedAdvantages(...args: AdvantagesArgs): Promise<NativeAdvantagesResult>;
  groupedAdvantagesSync(...args: AdvantagesArgs): NativeAdvantagesResult;
  // logprobs
  logprobs(...args: LogprobsArgs): Promise<NativeLogprobsResult>;
  logprobsSync(...args: LogprobsArgs): NativeLogprobsResult;
  logprobsBackward(...args: LogprobsBackwardArgs): Promise<NativeLogprobsBackwardResult>;
  logprobsBackwardSync(...args: LogprobsBackwardArgs): NativeLogprobsBackwardResult;
  linearLogprobs(...args: LinearLogprobsArgs): Promise<NativeLogprobsResult>;
  linearLogprobsSync(...args: LinearLogprobsArgs): NativeLogprobsResult;
  linearLogprobsBackward(...args: LinearLogprobsBackwardArgs): Promise<NativeLinearLogprobsBackwardResult>;
  linearLogprobsBackwardSync(...args: LinearLogprobsBackwardArgs): NativeLinearLogprobsBackwardResult;
  // attention
  attention(...args: AttentionArgs): Promise<NativeAttentionResult>;
  attentionSync(...args: AttentionArgs): NativeAttentionResult;
  attentionBackward(...args: AttentionBackwardArgs): Promise<NativeAttentionGrads>;
  attentionBackwardSync(...args: AttentionBackwardArgs): NativeAttentionGrads;
  decodeAttention(...args: DecodeAttentionArgs): Promise<NativeAttentionResult>;
  decodeAttentionSync(...args: DecodeAttentionArgs): NativeAttentionResult;
  // grpoLoss
  grpoLoss(...args: GrpoLossArgs): Promise<NativeGrpoLossResult>;
  grpoLossSync(...args: GrpoLossArgs): NativeGrpoLossResult;
  // adamwStep
  /** Resolves to { scalars: [gradNorm, clipScale] }; the vectors are updated in place. */
  adamwStep(...args: AdamWArgs): Promise<{ scalars: Float64Array }>;
  adamwStepSync(...args: AdamWArgs): { scalars: Float64Array };
  // sample
  sample(...args: SampleArgs): Promise<{ tokens: Int32Array | NativeDeviceBuffer }>;
  sampleSync(...args: SampleArgs): { tokens: Int32Array | NativeDeviceBuffer };
  // gemm
  gemm(...args: GemmArgs): Promise<{ c: Float32Array | NativeDeviceBuffer }>;
  gemmSync(...args: GemmArgs): { c: Float32Array | NativeDeviceBuffer };
  // OpenBLAS benchmark peer (bench only, not an engine op)
  /** dlopen()s libopenblas once (OPENBLAS_CORETYPE unset first) and reports what loaded. */
  benchOpenblasInfo(): NativeOpenblasInfo;
  /** Row-major C = A B with cblas_sgemm on the engine's thread count; false when absent. */
  benchOpenblasSgemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number): boolean;
  // model ops: rmsNorm, rope, swiglu, embedding, residualAdd
  rmsNorm(...args: RmsNormArgs): Promise<{ out: F32; rstd: F32 }>;
  rmsNormSync(...args: RmsNormArgs): { out: F32; rstd: F32 };
  rmsNormBackward(...args: RmsNormBackwardArgs): Promise<{ gradX: F32; gradWeight: F32 }>;
  rmsNormBackwardSync(...args: RmsNormBackwardArgs): { gradX: F32; gradWeight: F32 };
  rope(...args: RopeArgs): Promise<{ out: F32 }>;
  ropeSync(...args: RopeArgs): { out: F32 };
  ropeBackward(...args: RopeArgs): Promise<{ gradX: F32 }>;
  ropeBackwardSync(...args: RopeArgs): { gradX: F32 };
  swiglu(gate: F32, up: F32): Promise<{ out: F32 }>;
  swigluSync(gate: F32, up: F32): { out: F32 };
  swigluBackward(gate: F32, up: F32, gradOut: F32): Promise<{ gradGate: F32; gradUp: F32 }>;
  swigluBackwardSync(gate: F32, up: F32, gradOut: F32): { gradGate: F32; gradUp: F32 };
  embedding(...args: EmbeddingArgs): Promise<{ out: F32 }>;
  embeddingSync(...args: EmbeddingArgs): { out: F32 };
  embeddingBackward(...args: EmbeddingArgs): Promise<{ gradWeight: F32 }>;
  embeddingBackwardSync(...args: EmbeddingArgs): { gradWeight: F32 };
  residualAdd(a: F32, b: F32): Promise<{ out: F32 }>;
  residualAddSync(a: F32, b: F32): { out: F32 };
  // PolicyModel, the native policy model (bindings/model.cpp)
  PolicyModel: new (config: object, seed: number, maxTokens: number, device?: 'cpu' | 'cuda' | `cuda:${number}`, weights?: 'f32' | 'bf16') => NativePolicyModel;
}

let addon: NativeAddon | undefined;

/** Loads the addon once per thread (worker_threads load their own instance). */
export function native(): NativeAddon {
  if (addon) return addon;
  const loaded = loadAddon<NativeAddon>(import.meta.url, (a) => a.init(TxError)).addon;
  addon = loaded;
  announceCpuFallback(loaded.devices());
  return loaded;
}

let announced = false;
// "No driver" or "no device" means CPU: say so once, never throw.
function announceCpuFallback(report: NativeDevicesReport): void {
  if (announced || !report.cuda.compiled || report.cuda.usable || process.env.TOOLEXPANDER_QUIET) return;
  announced = true;
  process.stderr.write(`toolexpander: CUDA compiled but not usable (${report.cuda.reason}); using the CPU\n`);
}

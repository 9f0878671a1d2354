// The engine: typed wrappers of every native op, devices and tensors.
export { devices, setThreads, type DevicesReport } from './devices.js';
export { DeviceTensor, type DType, type HostTensor, type TensorLike } from './tensor.js';
export {
  groupedAdvantages,
  groupedAdvantagesSync,
  type AdvantageMode,
  type StdKind,
  type GroupedAdvantagesOptions,
  type GroupedAdvantagesResult,
} from './advantage.js';
export {
  logprobs,
  logprobsSync,
  logprobsBackward,
  logprobsBackwardSync,
  linearLogprobs,
  linearLogprobsSync,
  linearLogprobsBackward,
  linearLogprobsBackwardSync,
  type LogprobsOptions,
  type LogprobsBackwardOptions,
  type LinearLogprobsBackwardOptions,
  type LogprobsResult,
  type LinearLogprobsGrads,
} from './logprob.js';
export {
  attention,
  attentionSync,
  attentionBackward,
  attentionBackwardSync,
  decodeAttention,
  decodeAttentionSync,
  type AttentionOptions,
  type AttentionResult,
  type AttentionGrads,
} from './attention.js';
export {
  grpoLoss,
  grpoLossSync,
  type GrpoConfig,
  type GrpoLossInputs,
  type GrpoLossResult,
  type GrpoLossStats,
  type KlType,
  type LossAggregation,
} from './grpo_loss.js';
export { adamwStep, adamwStepSync, type AdamWConfig, type AdamWResult, type AdamWState } from './adamw.js';
export { sampleTokens, sampleTokensSync, type SampleOptions } from './sampling.js';
export { gemm, gemmSync, type GemmOperand, type GemmOptions } from './gemm.js';
// model ops
export { rmsNorm, rmsNormSync, rmsNormBackward, rmsNormBackwardSync, type RmsNormOptions, type RmsNormResult, type RmsNormGrads } from './rms_norm.js';
export { rope, ropeSync, ropeBackward, ropeBackwardSync, type RopeShape, type RopeOptions } from './rope.js';
export { swiglu, swigluSync, swigluBackward, swigluBackwardSync, type SwigluGrads } from './swiglu.js';
export { embedding, embeddingSync, embeddingBackward, embeddingBackwardSync } from './embedding.js';
export { residualAdd, residualAddSync, residualAddBackwardSync } from './residual.js';

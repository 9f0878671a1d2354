// toolexpander: the whole package (loads the native addon). toolexpander/reward and
// toolexpander/data are the addon-free entry points, re-exported here as well.
export { TxError, isTxError, type TxErrorCode } from './errors.js';
export * from './engine/index.js';
export * from './reward/index.js';
export * from './data/index.js';
// The native policy model (appended block; API.md "Policies").
export {
  TinyPolicy, tinyConfig, type Policy, type Rollout, type GenerateOptions, type TokenBatch, type TrainBatch, type StepStats,
  type Qwen2Config, type TinyPolicyOptions,
} from './model/index.js';

// TinyPolicy is the former name of the native Qwen2 policy (qwen2-policy.ts); kept so that
// existing imports keep working.
export { Qwen2Policy, TinyPolicy, type Qwen2PolicyOptions, type TinyPolicyOptions, type OptimizerOptions, type TokenRollout, type SaveOptions } from './qwen2-policy.js';

// lib/model: tokenizers and checkpoint files (pure TypeScript), the native Qwen2 policy
// (loads the addon when one is created) and the served-model policy.
export * from './tokenizer/index.js';
export {
  readSafetensors, writeSafetensors, encodeSafetensors, decodeSafetensors, tensorFrom, tensorView, numel,
  DTYPE_BYTES, CHECKSUM_KEY, MAX_HEADER_BYTES, type Dtype, type SafeTensor, type SafetensorsContent, type TensorInput,
} from './safetensors.js';
export { writeFileAtomic } from '../util/atomic-write.js';
export { f32ToBf16, bf16ToF32 } from './bf16.js';
// The native policy model (loads the addon when used).
export {
  Qwen2Policy, TinyPolicy, type Qwen2PolicyOptions, type TinyPolicyOptions, type OptimizerOptions, type TokenRollout, type SaveOptions,
} from './qwen2-policy.js';
export { memoryPlan, describePlan, checkMemory, qwen2ParamCount, type MemoryPlan } from './memory.js';
export { readTokenizerDir, type TokenizerFiles } from './tokenizer-files.js';
export { bpeToHf, TOOLEXPANDER_PATTERN } from './tokenizer/bpe-hf.js';
export { openSafetensors, writeSafetensorsStream } from './safetensors-stream.js';
// A served model (OpenAI-compatible completion server; no addon).
export { OpenAIPolicy, type OpenAIPolicyOptions, type FetchLike, type PromptTokenizer, type ServerStats } from './openai-policy.js';
export type {
  Policy, Rollout, GenerateOptions, TrainSequence, TrainBatch, TokenBatch, TokenTrainBatch, StepStats,
} from './policy.js';
export { tinyConfig, resolveQwen2Config, configJson, parseHfConfig, type Qwen2Config } from './qwen2-config.js';

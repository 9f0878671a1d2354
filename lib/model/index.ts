// lib/model: tokenizers and checkpoint files (pure TypeScript, no addon).
export * from './tokenizer/index.js';
export {
  readSafetensors, writeSafetensors, encodeSafetensors, decodeSafetensors, tensorFrom, tensorView, numel,
  DTYPE_BYTES, CHECKSUM_KEY, MAX_HEADER_BYTES, type Dtype, type SafeTensor, type SafetensorsContent, type TensorInput,
} from './safetensors.js';
export { writeFileAtomic } from './atomic-write.js';
export { f32ToBf16, bf16ToF32 } from './bf16.js';
export type { Policy, Rollout, GenerateOptions, TrainSequence, TrainBatch, StepStats } from './policy.js';

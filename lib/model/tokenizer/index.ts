// Tokenizers: the project's trained byte-level BPE, the Hugging Face tokenizer.json loader
// (Qwen2 byte-level BPE) and the ChatML template. Pure TypeScript, no addon.
export type { Tokenizer, EncodeOptions, DecodeOptions } from './types.js';
export { BpeTokenizer, trainBpe } from './bpe.js';
export type { TrainOptions } from './train.js';
export { bpeFromJson, bpeToJson, BPE_FORMAT, BPE_VERSION, type BpeJson } from './serialize.js';
export { pretokenize } from './pretokenize.js';
export { IM_START, IM_END, PAD, DEFAULT_SPECIALS } from './specials.js';
export { chatml, encodeChat, type ChatMessage, type ChatOptions } from './chatml.js';
export { HfByteLevelBpe, loadHfTokenizer } from './hf.js';

// The policy model's configuration in Qwen2's config.json names, so that config.json files
// written by transformers load here and ours load there.
import { TxError } from '../errors.js';

export interface Qwen2Config {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads?: number;        // default num_attention_heads
  max_position_embeddings?: number;    // default 2048
  rope_theta?: number;                 // default 1e6 (Qwen2)
  rms_norm_eps?: number;               // default 1e-6
  tie_word_embeddings?: boolean;       // default true
}

/** The default tiny config of the benchmarks (d=128, 4 layers, about 0.9M parameters at V=512). */
export function tinyConfig(vocabSize: number): Qwen2Config {
  return {
    vocab_size: vocabSize, hidden_size: 128, intermediate_size: 352, num_hidden_layers: 4, num_attention_heads: 4,
    num_key_value_heads: 4, max_position_embeddings: 1024, rope_theta: 10000, rms_norm_eps: 1e-6, tie_word_embeddings: true,
  };
}

/** Fills defaults; the native side range-checks every field (TxError naming it). */
export function resolveQwen2Config(c: Qwen2Config): Required<Qwen2Config> {
  if (c === null || typeof c !== 'object') throw new TxError('E_RANGE', 'config must be an object with Qwen2 config.json fields');
  return {
    vocab_size: c.vocab_size, hidden_size: c.hidden_size, intermediate_size: c.intermediate_size,
    num_hidden_layers: c.num_hidden_layers, num_attention_heads: c.num_attention_heads,
    num_key_value_heads: c.num_key_value_heads ?? c.num_attention_heads,
    max_position_embeddings: c.max_position_embeddings ?? 2048, rope_theta: c.rope_theta ?? 1e6,
    rms_norm_eps: c.rms_norm_eps ?? 1e-6, tie_word_embeddings: c.tie_word_embeddings ?? true,
  };
}

/** Token ids config.json may name (generation_config.json and the tokenizer files name them too). */
export interface Qwen2TokenIds {
  bos_token_id?: number;
  eos_token_id?: number | number[];
  pad_token_id?: number;
}

/** config.json as transformers writes it for Qwen2ForCausalLM. */
export function configJson(c: Required<Qwen2Config>, opts: { torchDtype?: 'float32' | 'bfloat16'; ids?: Qwen2TokenIds } = {}): Record<string, unknown> {
  return {
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_act: 'silu', torch_dtype: opts.torchDtype ?? 'float32',
    attention_dropout: 0, initializer_range: 0.02, use_sliding_window: false, sliding_window: c.max_position_embeddings,
    max_window_layers: c.num_hidden_layers, rope_scaling: null, use_cache: true, transformers_version: '4.43.1', ...(opts.ids ?? {}), ...c,
  };
}

// Fields of a Hugging Face Qwen2 config.json that change nothing here (bookkeeping, or
// options off in every Qwen2/Qwen2.5 release). Anything not listed and not a model field
// below is refused: an option we do not implement must not be silently dropped.
const INFORMATIONAL = new Set([
  '_name_or_path', 'transformers_version', 'torch_dtype', 'dtype', 'initializer_range', 'use_cache', 'bos_token_id', 'eos_token_id',
  'pad_token_id', 'max_window_layers', 'sliding_window', 'output_attentions', 'output_hidden_states', 'return_dict',
  'is_encoder_decoder', 'tokenizer_class', 'quantization', 'auto_map', 'layer_types', 'torchscript', 'use_return_dict',
]);

function refuse(file: string, field: string, why: string): TxError {
  return new TxError('E_FORMAT', `${file}: ${field}: ${why}`);
}

/**
 * Validates a Hugging Face config.json (Qwen2ForCausalLM): the architecture, the options the
 * engine implements (no sliding window, no rope scaling, SiLU, no dropout, head_dim =
 * hidden_size / heads) and the type of every model field. E_FORMAT names the field.
 */
export function parseHfConfig(raw: unknown, file = 'config.json'): Required<Qwen2Config> & Qwen2TokenIds {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw refuse(file, '(root)', 'must hold an object');
  const o = raw as Record<string, unknown>;
  const arch = o['architectures'];
  if (arch !== undefined && !(Array.isArray(arch) && arch.length === 1 && arch[0] === 'Qwen2ForCausalLM')) {
    throw refuse(file, 'architectures', `${JSON.stringify(arch)} is not supported (only ["Qwen2ForCausalLM"])`);
  }
  if (o['model_type'] !== undefined && o['model_type'] !== 'qwen2') throw refuse(file, 'model_type', `${JSON.stringify(o['model_type'])} is not supported (only "qwen2")`);
  if (o['hidden_act'] !== undefined && o['hidden_act'] !== 'silu') throw refuse(file, 'hidden_act', `${JSON.stringify(o['hidden_act'])} is not supported (only "silu")`);
  if (o['use_sliding_window'] !== undefined && o['use_sliding_window'] !== false) throw refuse(file, 'use_sliding_window', 'sliding-window attention is not supported');
  if (o['rope_scaling'] !== undefined && o['rope_scaling'] !== null) throw refuse(file, 'rope_scaling', `${JSON.stringify(o['rope_scaling'])}: rope scaling is not supported`);
  if (o['attention_dropout'] !== undefined && o['attention_dropout'] !== 0) throw refuse(file, 'attention_dropout', 'must be 0 (dropout is not implemented)');
  if (o['use_mrope'] !== undefined && o['use_mrope'] !== false) throw refuse(file, 'use_mrope', 'multimodal rope is not supported');
  if (o['quantization_config'] !== undefined) throw refuse(file, 'quantization_config', 'quantized checkpoints are not supported');
  if (Array.isArray(o['layer_types']) && o['layer_types'].some((t) => t !== 'full_attention')) throw refuse(file, 'layer_types', 'only "full_attention" layers are supported');
  const ints = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'max_position_embeddings'];
  for (const k of ints) {
    const v = o[k];
    const required = k !== 'num_key_value_heads' && k !== 'max_position_embeddings';
    if (v === undefined && !required) continue;
    if (!Number.isSafeInteger(v) || (v as number) < 1) throw refuse(file, k, `must be a positive integer, got ${JSON.stringify(v)}`);
  }
  for (const k of ['rope_theta', 'rms_norm_eps']) {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw refuse(file, k, `must be a positive number, got ${JSON.stringify(v)}`);
  }
  if (o['tie_word_embeddings'] !== undefined && typeof o['tie_word_embeddings'] !== 'boolean') throw refuse(file, 'tie_word_embeddings', 'must be a boolean');
  const heads = o['num_attention_heads'] as number, hidden = o['hidden_size'] as number;
  if (hidden % heads !== 0) throw refuse(file, 'num_attention_heads', `${heads} does not divide hidden_size ${hidden}`);
  if (o['head_dim'] !== undefined && o['head_dim'] !== hidden / heads) throw refuse(file, 'head_dim', `${JSON.stringify(o['head_dim'])} != hidden_size / num_attention_heads = ${hidden / heads}`);
  const kv = (o['num_key_value_heads'] as number | undefined) ?? heads;
  if (heads % kv !== 0) throw refuse(file, 'num_key_value_heads', `${kv} does not divide num_attention_heads ${heads}`);
  const known = new Set([...ints, 'rope_theta', 'rms_norm_eps', 'tie_word_embeddings', 'architectures', 'model_type', 'hidden_act',
    'use_sliding_window', 'rope_scaling', 'attention_dropout', 'head_dim', 'use_mrope']);
  for (const k of Object.keys(o)) if (!known.has(k) && !INFORMATIONAL.has(k)) throw refuse(file, k, 'unknown option (not a Qwen2 config field this engine implements)');
  const ids: Qwen2TokenIds = {};
  for (const k of ['bos_token_id', 'pad_token_id'] as const) {
    const v = o[k];
    if (v === undefined || v === null) continue;
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw refuse(file, k, `must be a token id, got ${JSON.stringify(v)}`);
    ids[k] = v as number;
  }
  const eos = o['eos_token_id'];
  if (eos !== undefined && eos !== null) {
    const list = Array.isArray(eos) ? eos : [eos];
    if (!list.every((x) => Number.isSafeInteger(x) && (x as number) >= 0)) throw refuse(file, 'eos_token_id', `must be a token id or a list of them, got ${JSON.stringify(eos)}`);
    ids.eos_token_id = eos as number | number[];
  }
  return { ...resolveQwen2Config(o as unknown as Qwen2Config), ...ids };
}

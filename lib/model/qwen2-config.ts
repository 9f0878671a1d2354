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
export function resolveConfig(c: Qwen2Config): Required<Qwen2Config> {
  if (c === null || typeof c !== 'object') throw new TxError('E_RANGE', 'config must be an object with Qwen2 config.json fields');
  return {
    vocab_size: c.vocab_size, hidden_size: c.hidden_size, intermediate_size: c.intermediate_size,
    num_hidden_layers: c.num_hidden_layers, num_attention_heads: c.num_attention_heads,
    num_key_value_heads: c.num_key_value_heads ?? c.num_attention_heads,
    max_position_embeddings: c.max_position_embeddings ?? 2048, rope_theta: c.rope_theta ?? 1e6,
    rms_norm_eps: c.rms_norm_eps ?? 1e-6, tie_word_embeddings: c.tie_word_embeddings ?? true,
  };
}

/** config.json as transformers writes it for Qwen2ForCausalLM. */
export function configJson(c: Required<Qwen2Config>): Record<string, unknown> {
  return {
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_act: 'silu', torch_dtype: 'float32',
    attention_dropout: 0, initializer_range: 0.02, use_sliding_window: false, use_cache: true, ...c,
  };
}

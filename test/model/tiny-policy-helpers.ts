// Shared helpers of the TinyPolicy tests: tiny configs and packed batches.
import type { Qwen2Config, TokenBatch } from '../../lib/model/index.js';
import { rng } from '../helpers/random.js';

export const tiny = (over: Partial<Qwen2Config> = {}): Qwen2Config => ({
  vocab_size: 13, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4,
  num_key_value_heads: 2, max_position_embeddings: 64, rope_theta: 10000, tie_word_embeddings: true, ...over,
});

/** Random sequences of the given lengths; mask = every token but each sequence's first. */
export function randomBatch(seed: number, lengths: number[], vocab: number): TokenBatch {
  const r = rng(seed);
  const cu = new Int32Array(lengths.length + 1);
  lengths.forEach((l, i) => (cu[i + 1] = cu[i]! + l));
  const tokens = Int32Array.from({ length: cu[lengths.length]! }, () => Math.floor(r() * vocab));
  const mask = new Uint8Array(tokens.length).fill(1);
  for (let i = 0; i < lengths.length; i++) mask[cu[i]!] = 0;
  return { tokens, cuSeqlens: cu, mask };
}

export const sameBits = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export function meanNegLogp(logp: Float32Array, mask: Uint8Array): number {
  let s = 0, n = 0;
  for (let i = 0; i < logp.length; i++) if (mask[i]) (s -= logp[i]!), n++;
  return s / n;
}

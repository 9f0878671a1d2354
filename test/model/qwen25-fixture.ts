// A folder laid out as the hub ships Qwen2.5-0.5B-Instruct, with random weights: config.json
// (every field of the real one), model-0000N-of-0000M.safetensors BF16 shards without our
// checksum (as transformers writes them) and model.safetensors.index.json,
// generation_config.json, and a Qwen2.5-style tokenizer: tokenizer.json with Qwen2's split
// regex, NFC, byte-level BPE merges (learned here on a small corpus, the rest of the 151,643
// ids filled with distinct tokens) and Qwen2.5's 22 added tokens at their real ids;
// tokenizer_config.json with its eos / pad tokens, added_tokens_decoder and a chat template.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeSafetensorsStream, type StreamedTensor } from '../../lib/model/safetensors-stream.js';
import { f32ToBf16 } from '../../lib/model/bf16.js';
import { BYTE_TO_CHAR } from '../../lib/model/tokenizer/bytes.js';
import { QWEN2_PATTERN } from '../../lib/model/tokenizer/hf-pretokenize.js';
import { trainBpe } from '../../lib/model/tokenizer/index.js';

export const QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151645, hidden_act: 'silu',
  hidden_size: 896, initializer_range: 0.02, intermediate_size: 4864, max_position_embeddings: 32768, max_window_layers: 21,
  model_type: 'qwen2', num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rms_norm_eps: 1e-6,
  rope_theta: 1000000.0, sliding_window: 32768, tie_word_embeddings: true, torch_dtype: 'bfloat16', transformers_version: '4.43.1',
  use_cache: true, use_sliding_window: false, vocab_size: 151936,
};

const ADDED = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|object_ref_start|>', '<|object_ref_end|>', '<|box_start|>', '<|box_end|>',
  '<|quad_start|>', '<|quad_end|>', '<|vision_start|>', '<|vision_end|>', '<|vision_pad|>', '<|image_pad|>', '<|video_pad|>',
  '<tool_call>', '</tool_call>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>'];
const FIRST_ADDED = 151643;

const CORPUS = [
  'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.',
  '# Tools\n\nYou may call one or more functions to assist with the user query.',
  '{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}',
  'What is the weather in Paris today? Book a table for two at 7 pm. Convert 100 USD to EUR.',
];

export function qwen25Tokenizer(): { tokenizerJson: unknown; tokenizerConfig: unknown } {
  const bpe = trainBpe(CORPUS, { vocabSize: 256 + 7 + 400 });
  const vocab: Record<string, number> = {};
  const sym = (id: number) => Array.from(bpe.tokenBytes(id), (b) => BYTE_TO_CHAR[b]!).join('');
  // Byte symbols in Qwen2's order (GPT-2's byte alphabet at ids 0..255).
  for (let b = 0; b < 256; b++) vocab[BYTE_TO_CHAR[b]!] = b;
  const merges: string[] = [];
  let next = 256;
  for (const [a, b] of bpe.merges) {
    const s = sym(a) + sym(b);
    if (vocab[s] !== undefined) continue;
    vocab[s] = next++;
    merges.push(`${sym(a)} ${sym(b)}`);
  }
  for (let k = 0; next < FIRST_ADDED; k++) vocab[`Ġfill${k.toString(36)}`] = next++;
  const added = ADDED.map((content, i) => ({
    id: FIRST_ADDED + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false,
    special: content !== '<tool_call>' && content !== '</tool_call>',
  }));
  const tokenizerJson = {
    version: '1.0', truncation: null, padding: null, added_tokens: added, normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: QWEN2_PATTERN }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ] },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false,
      byte_fallback: false, ignore_merges: false, vocab, merges },
  };
  const tokenizerConfig = {
    add_bos_token: false, add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(added.map((a) => [String(a.id), { content: a.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: a.special }])),
    additional_special_tokens: ['<|im_start|>', '<|im_end|>', '<|object_ref_start|>', '<|object_ref_end|>', '<|box_start|>', '<|box_end|>',
      '<|quad_start|>', '<|quad_end|>', '<|vision_start|>', '<|vision_end|>', '<|vision_pad|>', '<|image_pad|>', '<|video_pad|>'],
    bos_token: null,
    chat_template: "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
    clean_up_tokenization_spaces: false, eos_token: '<|im_end|>', errors: 'replace', model_max_length: 131072, pad_token: '<|endoftext|>',
    split_special_tokens: false, tokenizer_class: 'Qwen2Tokenizer', unk_token: null,
  };
  return { tokenizerJson, tokenizerConfig };
}

/** The engine's tensor names and shapes for a Qwen2 config (tied: no lm_head). */
export function qwen2Tensors(c: typeof QWEN25_05B): { name: string; shape: number[] }[] {
  const d = c.hidden_size, kv = (d / c.num_attention_heads) * c.num_key_value_heads, ff = c.intermediate_size;
  const out = [{ name: 'model.embed_tokens.weight', shape: [c.vocab_size, d] }];
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    out.push({ name: `${p}input_layernorm.weight`, shape: [d] },
      { name: `${p}self_attn.q_proj.weight`, shape: [d, d] }, { name: `${p}self_attn.q_proj.bias`, shape: [d] },
      { name: `${p}self_attn.k_proj.weight`, shape: [kv, d] }, { name: `${p}self_attn.k_proj.bias`, shape: [kv] },
      { name: `${p}self_attn.v_proj.weight`, shape: [kv, d] }, { name: `${p}self_attn.v_proj.bias`, shape: [kv] },
      { name: `${p}self_attn.o_proj.weight`, shape: [d, d] }, { name: `${p}post_attention_layernorm.weight`, shape: [d] },
      { name: `${p}mlp.gate_proj.weight`, shape: [ff, d] }, { name: `${p}mlp.up_proj.weight`, shape: [ff, d] },
      { name: `${p}mlp.down_proj.weight`, shape: [d, ff] });
  }
  out.push({ name: 'model.norm.weight', shape: [d] });
  if (!c.tie_word_embeddings) out.push({ name: 'lm_head.weight', shape: [c.vocab_size, d] });
  return out;
}

/** Writes the folder; weights uniform in +-0.035 (std 0.02), norms 1, from a seeded xorshift. */
export async function writeQwen25Folder(dir: string, opts: { layers?: number; shardBytes?: number; seed?: number } = {}): Promise<typeof QWEN25_05B> {
  await mkdir(dir, { recursive: true });
  const config = { ...QWEN25_05B, num_hidden_layers: opts.layers ?? 24 };
  const tensors = qwen2Tensors(config);
  let s = (opts.seed ?? 1) >>> 0 || 1;
  const fill = (shape: number[], name: string): Uint8Array => {
    const n = shape.reduce((a, b) => a * b, 1);
    const f = new Float32Array(n);
    if (name.endsWith('layernorm.weight') || name === 'model.norm.weight') f.fill(1);
    else for (let i = 0; i < n; i++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      f[i] = (s / 4294967296 - 0.5) * 0.07;
    }
    const h = f32ToBf16(f);
    return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
  };
  const limit = opts.shardBytes ?? 2e9;
  const shards: { name: string; shape: number[] }[][] = [[]];
  let bytes = 0;
  for (const t of tensors) {
    const b = t.shape.reduce((a, x) => a * x, 2);
    if (bytes > 0 && bytes + b > limit) { shards.push([]); bytes = 0; }
    shards.at(-1)!.push(t);
    bytes += b;
  }
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (const [i, sh] of shards.entries()) {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    const st: StreamedTensor[] = sh.map((t) => ({ name: t.name, dtype: 'BF16', shape: t.shape, bytes: () => fill(t.shape, t.name) }));
    await writeSafetensorsStream(join(dir, file), st, { format: 'pt' }, { checksum: false });
    for (const t of sh) { weightMap[t.name] = file; total += t.shape.reduce((a, x) => a * x, 2); }
  }
  const json = (v: unknown) => JSON.stringify(v, null, 2);
  await writeFile(join(dir, 'model.safetensors.index.json'), json({ metadata: { total_size: total }, weight_map: weightMap }));
  await writeFile(join(dir, 'config.json'), json(config));
  await writeFile(join(dir, 'generation_config.json'), json({
    bos_token_id: 151643, pad_token_id: 151643, do_sample: true, eos_token_id: [151645, 151643], repetition_penalty: 1.1,
    temperature: 0.7, top_p: 0.8, top_k: 20, transformers_version: '4.37.0',
  }));
  const tok = qwen25Tokenizer();
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tok.tokenizerJson));
  await writeFile(join(dir, 'tokenizer_config.json'), json(tok.tokenizerConfig));
  return config;
}

// Our byte-level BPE written as a Hugging Face tokenizer.json (+ tokenizer_config.json), so
// transformers, tokenizers and vLLM load a checkpoint trained here. The merges, the byte
// alphabet and the special tokens carry over exactly (same ids; BPE by merge rank is the
// same algorithm); our pre-tokenizer (pretokenize.ts) becomes a Split regex. The regex is
// the scanner alternative by alternative; they differ only on words longer than the
// scanner's 128-unit cap when the word is punctuation (a regex cannot count a run whose
// items are 1 or 2 characters) or holds characters outside the BMP (the scanner counts
// UTF-16 units, the regex code points). Our own loader (hf.ts) recognises this exact
// pattern and uses the scanner, so a round trip here is exact.
import { TxError } from '../../errors.js';
import { BYTE_TO_CHAR, bytesToSymbols } from './bytes.js';
import type { BpeTokenizer } from './bpe.js';
import { IM_END, PAD } from './specials.js';

const S = '\\p{White_Space}';
const W0 = '[\\p{L}\\p{M}_]';
const W = '[\\p{L}\\p{M}\\p{N}_]';
const P = `[^\\p{L}\\p{M}\\p{N}${S}_]`;

/** The Split regex equivalent to scanWords (see above for the one difference). */
export const TOOLEXPANDER_PATTERN = [
  `${S}{0,127}[\\r\\n]`,             // a whitespace run up to its last newline
  ` ${W0}${W}{0,126}`, `${W0}${W}{0,127}`,  // identifiers (a single space attaches)
  ' \\p{N}{1,127}', '\\p{N}{1,128}',  // digit runs
  ` ?${P}(?: ?${P})*`,                // punctuation, single spaces inside
  `${S}{1,127}(?= [^\\p{White_Space}])`,  // a whitespace run but the space before a word
  `${S}{1,128}`,
].join('|');

function addedToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

export interface HfTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/** tokenizer.json and tokenizer_config.json for our BPE (E_FORMAT if two ids spell the same bytes). */
export function bpeToHf(tok: BpeTokenizer): HfTokenizerFiles {
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[BYTE_TO_CHAR[b]!] = b;
  const first = 256 + tok.specials.length;
  const merges: Array<[string, string]> = [];
  tok.merges.forEach(([a, b], r) => {
    const sa = bytesToSymbols(tok.tokenBytes(a)), sb = bytesToSymbols(tok.tokenBytes(b)), sz = sa + sb;
    if (Object.hasOwn(vocab, sz)) throw new TxError('E_FORMAT', `tokenizer: merges[${r}] spells ${JSON.stringify(sz)}, already id ${vocab[sz]}: not expressible as a Hugging Face vocab`);
    vocab[sz] = first + r;
    merges.push([sa, sb]);
  });
  const added = tok.specials.map((s, i) => addedToken(256 + i, s));
  const tokenizerJson = {
    version: '1.0', truncation: null, padding: null, added_tokens: added, normalizer: null,
    pre_tokenizer: {
      type: 'Sequence', pretokenizers: [
        { type: 'Split', pattern: { Regex: TOOLEXPANDER_PATTERN }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false,
      byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
  const has = (s: string) => tok.specials.includes(s);
  const tokenizerConfig: Record<string, unknown> = {
    tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: 131072, clean_up_tokenization_spaces: false, errors: 'replace',
    split_special_tokens: false, bos_token: null,
    eos_token: has(IM_END) ? IM_END : null, pad_token: has(PAD) ? PAD : null,
    added_tokens_decoder: Object.fromEntries(added.map((a) => [String(a.id), { content: a.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }])),
    additional_special_tokens: tok.specials.filter((s) => s !== IM_END && s !== PAD),
    chat_template: CHATML_TEMPLATE,
  };
  return { tokenizerJson, tokenizerConfig };
}

/** ChatML (tokenizer/chatml.ts) as a Jinja chat template. */
export const CHATML_TEMPLATE = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * The BpeTokenizer of a tokenizer.json written by bpeToHf (our split pattern, specials at
 * 256.., merges in id order); undefined for any other tokenizer.json.
 */
export function bpeFromHf(json: unknown, make: (specials: string[], merges: Array<[number, number]>) => BpeTokenizer): BpeTokenizer | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const j = json as { pre_tokenizer?: { pretokenizers?: Array<{ pattern?: { Regex?: unknown } }> }; added_tokens?: Array<{ id: number; content: string }>; model?: { vocab?: Record<string, number>; merges?: unknown[] } };
  if (j.pre_tokenizer?.pretokenizers?.[0]?.pattern?.Regex !== TOOLEXPANDER_PATTERN) return undefined;
  const added = [...(j.added_tokens ?? [])].sort((a, b) => a.id - b.id);
  if (!added.every((a, i) => a.id === 256 + i && typeof a.content === 'string')) return undefined;
  const vocab = j.model?.vocab, merges = j.model?.merges;
  if (vocab === undefined || !Array.isArray(merges)) return undefined;
  for (let b = 0; b < 256; b++) if (vocab[BYTE_TO_CHAR[b]!] !== b) return undefined;
  const first = 256 + added.length;
  const pairs: Array<[number, number]> = [];
  for (let r = 0; r < merges.length; r++) {
    const m = merges[r];
    const [a, b] = typeof m === 'string' ? m.split(' ') : (m as string[]);
    const ia = vocab[a!], ib = vocab[b!];
    if (ia === undefined || ib === undefined || vocab[a! + b!] !== first + r) return undefined;
    pairs.push([ia, ib]);
  }
  return make(added.map((a) => a.content), pairs);
}

// Loader for Hugging Face tokenizer.json files of byte-level BPE models (Qwen2, GPT-2
// style): model.type "BPE" with vocab and merges, a ByteLevel pre-tokenizer (alone, or in a
// Sequence after a Split on the Qwen2/GPT-2 regex), optional NFC normalizer, added tokens.
// Anything else is refused with E_FORMAT naming the field, rather than encoded differently
// from the reference implementation.
import { TxError } from '../../errors.js';
import { BYTE_TO_CHAR, CHAR_TO_BYTE, concatBytes, utf8Decode, utf8Encode } from './bytes.js';
import { GPT2_PATTERN, QWEN2_PATTERN, hfSplit, type HfSplitFlavor } from './hf-pretokenize.js';
import { TOOLEXPANDER_PATTERN } from './bpe-hf.js';
import { applyMerges, pairKey, PAIR_BASE, type MergeTable } from './merge.js';
import { splitOnSpecials } from './specials.js';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './types.js';
import { WordCache } from './word-cache.js';

function bad(field: string, why: string): TxError {
  return new TxError('E_FORMAT', `tokenizer.json: ${field}: ${why}`);
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

interface PreTok {
  flavor: HfSplitFlavor | null; // null: no split, the whole text is one word
  addPrefixSpace: boolean;
}

function patternOf(split: Obj, field: string): HfSplitFlavor {
  const p = split.pattern;
  const re = isObj(p) ? p.Regex : undefined;
  if (re === QWEN2_PATTERN) return 'qwen2';
  if (re === GPT2_PATTERN) return 'gpt2';
  if (re === TOOLEXPANDER_PATTERN) return 'toolexpander';
  throw bad(`${field}.pattern`, 'only the Qwen2, GPT-2 and toolexpander split regexes are supported');
}

function parsePreTokenizer(pt: unknown): PreTok {
  if (!isObj(pt)) throw bad('pre_tokenizer', 'expected an object');
  const byteLevel = (b: Obj, field: string): { addPrefixSpace: boolean; useRegex: boolean } => {
    if (b.type !== 'ByteLevel') throw bad(`${field}.type`, `expected ByteLevel, got ${JSON.stringify(b.type)}`);
    return { addPrefixSpace: b.add_prefix_space === true, useRegex: b.use_regex !== false };
  };
  if (pt.type === 'ByteLevel') {
    const b = byteLevel(pt, 'pre_tokenizer');
    return { flavor: b.useRegex ? 'gpt2' : null, addPrefixSpace: b.addPrefixSpace };
  }
  if (pt.type !== 'Sequence' || !Array.isArray(pt.pretokenizers)) throw bad('pre_tokenizer.type', 'expected ByteLevel or Sequence [Split, ByteLevel]');
  const [split, bl, ...rest] = pt.pretokenizers as unknown[];
  if (rest.length > 0 || !isObj(split) || !isObj(bl)) throw bad('pre_tokenizer.pretokenizers', 'expected [Split, ByteLevel]');
  if (split.type !== 'Split') throw bad('pre_tokenizer.pretokenizers[0].type', 'expected Split');
  if (split.behavior !== 'Isolated' || split.invert === true) throw bad('pre_tokenizer.pretokenizers[0].behavior', 'only Isolated, not inverted');
  const flavor = patternOf(split, 'pre_tokenizer.pretokenizers[0]');
  const b = byteLevel(bl, 'pre_tokenizer.pretokenizers[1]');
  if (b.useRegex) throw bad('pre_tokenizer.pretokenizers[1].use_regex', 'a second regex split is not supported');
  return { flavor, addPrefixSpace: b.addPrefixSpace };
}

export class HfByteLevelBpe implements Tokenizer {
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  private readonly idToToken: string[] = [];
  private readonly added = new Map<number, AddedToken>();
  private readonly matchWithout: string[]; // added tokens matched even without allowSpecial
  private readonly matchWith: string[];
  private readonly addedByContent = new Map<string, number>();
  private readonly byteId = new Int32Array(256);
  private readonly table: MergeTable;
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly ignoreMerges: boolean;
  private readonly nfc: boolean;
  private readonly pre: PreTok;
  private readonly cache = new WordCache();
  private readonly tokenBytes: Array<Uint8Array | undefined> = [];

  constructor(json: unknown) {
    const root = typeof json === 'string' ? parseJson(json) : json;
    if (!isObj(root)) throw bad('(root)', 'expected an object');
    const model = root.model;
    if (!isObj(model)) throw bad('model', 'expected an object');
    if (model.type !== 'BPE') throw bad('model.type', `expected "BPE", got ${JSON.stringify(model.type)}`);
    if (model.byte_fallback === true) throw bad('model.byte_fallback', 'SentencePiece-style byte fallback is not supported');
    for (const f of ['continuing_subword_prefix', 'end_of_word_suffix', 'dropout'] as const) {
      if (model[f] !== undefined && model[f] !== null && model[f] !== '') throw bad(`model.${f}`, 'not supported');
    }
    this.ignoreMerges = model.ignore_merges === true;

    if (!isObj(model.vocab)) throw bad('model.vocab', 'expected an object of token -> id');
    const vocab = new Map<string, number>();
    for (const [tok, id] of Object.entries(model.vocab)) {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= PAIR_BASE) throw bad(`model.vocab[${JSON.stringify(tok)}]`, `bad id ${JSON.stringify(id)}`);
      if (this.idToToken[id as number] !== undefined) throw bad(`model.vocab[${JSON.stringify(tok)}]`, `id ${id} used twice`);
      this.idToToken[id as number] = tok;
      vocab.set(tok, id as number);
    }
    this.vocab = vocab;
    for (let b = 0; b < 256; b++) {
      const id = vocab.get(BYTE_TO_CHAR[b]!);
      if (id === undefined) throw bad('model.vocab', `lacks the byte-level symbol for byte ${b} (${JSON.stringify(BYTE_TO_CHAR[b])})`);
      this.byteId[b] = id;
    }

    if (!Array.isArray(model.merges)) throw bad('model.merges', 'expected an array');
    const ranks = new Map<number, number>();
    const mergedId: number[] = [];
    model.merges.forEach((m, r) => {
      // Two spellings: "a b" (older files) and ["a", "b"] (tokenizers >= 0.20).
      let pair: unknown[];
      if (typeof m === 'string') {
        const sp = m.indexOf(' ');
        pair = sp > 0 && m.indexOf(' ', sp + 1) === -1 ? [m.slice(0, sp), m.slice(sp + 1)] : [];
      } else pair = Array.isArray(m) ? m : [];
      const [a, b] = pair;
      if (pair.length !== 2 || typeof a !== 'string' || typeof b !== 'string') throw bad(`model.merges[${r}]`, 'expected "a b" or ["a", "b"]');
      const ia = vocab.get(a), ib = vocab.get(b), iz = vocab.get(a + b);
      if (ia === undefined || ib === undefined || iz === undefined) throw bad(`model.merges[${r}]`, `${JSON.stringify(a + b)} or a part is not in model.vocab`);
      const k = pairKey(ia, ib);
      if (!ranks.has(k)) {
        ranks.set(k, mergedId.length);
        mergedId.push(iz);
      }
    });
    this.table = { ranks, mergedId: Int32Array.from(mergedId) };

    const addedList = root.added_tokens ?? [];
    if (!Array.isArray(addedList)) throw bad('added_tokens', 'expected an array');
    const specials = new Map<string, number>();
    addedList.forEach((a, i) => {
      if (!isObj(a) || !Number.isInteger(a.id) || (a.id as number) < 0 || typeof a.content !== 'string' || a.content.length === 0) {
        throw bad(`added_tokens[${i}]`, 'expected {id, content, special}');
      }
      const id = a.id as number;
      const known = this.idToToken[id];
      if (known !== undefined && known !== a.content) throw bad(`added_tokens[${i}]`, `id ${id} is ${JSON.stringify(known)} in model.vocab`);
      const t: AddedToken = { id, content: a.content, special: a.special === true };
      this.added.set(id, t);
      this.addedByContent.set(t.content, id);
      if (t.special) specials.set(t.content, id);
    });
    this.specialTokens = specials;
    const added = [...this.added.values()];
    this.matchWithout = added.filter((a) => !a.special).map((a) => a.content);
    this.matchWith = added.map((a) => a.content);
    this.vocabSize = Math.max(this.idToToken.length, ...added.map((a) => a.id + 1));

    const norm = root.normalizer;
    if (norm === null || norm === undefined) this.nfc = false;
    else if (isObj(norm) && norm.type === 'NFC') this.nfc = true;
    else throw bad('normalizer', 'only null or NFC is supported');
    this.pre = parsePreTokenizer(root.pre_tokenizer);
    const dec = root.decoder;
    if (dec !== null && dec !== undefined && !(isObj(dec) && dec.type === 'ByteLevel')) throw bad('decoder', 'only ByteLevel is supported');
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const out: number[] = [];
    const pieces = splitOnSpecials(text, opts.allowSpecial ? this.matchWith : this.matchWithout);
    for (const p of pieces) {
      if ('special' in p) out.push(this.addedByContent.get(p.special)!);
      else this.encodeText(p.text, out);
    }
    return out;
  }

  private encodeText(raw: string, out: number[]): void {
    let text = this.nfc ? raw.normalize('NFC') : raw;
    if (this.pre.addPrefixSpace && !text.startsWith(' ')) text = ' ' + text;
    const word = (w: string): void => {
      let ids = this.cache.get(w);
      if (ids === undefined) {
        const bytes = utf8Encode(w);
        let whole: number | undefined;
        if (this.ignoreMerges) {
          let spelled = '';
          for (const b of bytes) spelled += BYTE_TO_CHAR[b]!;
          whole = this.vocab.get(spelled);
        }
        ids = whole !== undefined ? [whole] : applyMerges(Array.from(bytes, (b) => this.byteId[b]!), this.table);
        this.cache.set(w, ids);
      }
      for (const id of ids) out.push(id);
    };
    if (this.pre.flavor === null) word(text);
    else hfSplit(text, this.pre.flavor, (a, b) => word(text.slice(a, b)));
  }

  /** The bytes of one id, remembered for the next decode. */
  private bytesOf(id: number, added: AddedToken | undefined): Uint8Array {
    let b: Uint8Array;
    if (added !== undefined) b = utf8Encode(added.content);
    else {
      const tok = this.idToToken[id];
      if (tok === undefined) throw new TxError('E_RANGE', `token id ${id} is not in the vocabulary`);
      b = new Uint8Array(tok.length);
      for (let k = 0; k < tok.length; k++) {
        const byte = CHAR_TO_BYTE.get(tok.charCodeAt(k));
        if (byte === undefined) throw new TxError('E_FORMAT', `token ${id} (${JSON.stringify(tok)}) is not byte-level`);
        b[k] = byte;
      }
    }
    this.tokenBytes[id] = b;
    return b;
  }

  decodeBytes(ids: ArrayLike<number>, opts: DecodeOptions = {}): Uint8Array {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const a = this.added.get(id);
      if (a !== undefined && opts.skipSpecial && a.special) continue;
      const b = this.tokenBytes[id] ?? this.bytesOf(id, a);
      chunks.push(b);
      total += b.length;
    }
    return concatBytes(chunks, total);
  }

  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    return utf8Decode(this.decodeBytes(ids, opts));
  }
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    throw bad('(root)', `not JSON (${(e as Error).message})`);
  }
}

/** Loads a tokenizer.json (object or text). */
export function loadHfTokenizer(json: unknown): HfByteLevelBpe {
  return new HfByteLevelBpe(json);
}

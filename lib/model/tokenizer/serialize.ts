// JSON form of BpeTokenizer: format tag, version, specials, merges (id pairs, the source of
// truth) and the vocab spelled with GPT-2's byte alphabet (for people and other tools; it is
// checked against the merges on load, so a hand-edited file cannot silently disagree).
import { TxError } from '../../errors.js';
import { BpeTokenizer } from './bpe.js';
import { bytesToSymbols } from './bytes.js';

export const BPE_FORMAT = 'toolexpander-bpe';
export const BPE_VERSION = 1;

export interface BpeJson {
  format: typeof BPE_FORMAT;
  version: typeof BPE_VERSION;
  specials: string[];
  merges: Array<[number, number]>;
  vocab: string[];
}

function vocabOf(tok: BpeTokenizer): string[] {
  const v: string[] = [];
  for (let id = 0; id < tok.vocabSize; id++) v.push(tok.isSpecial(id) ? tok.specials[id - 256]! : bytesToSymbols(tok.tokenBytes(id)));
  return v;
}

export function bpeToJson(tok: BpeTokenizer): BpeJson {
  return {
    format: BPE_FORMAT,
    version: BPE_VERSION,
    specials: [...tok.specials],
    merges: tok.merges.map(([a, b]) => [a, b]),
    vocab: vocabOf(tok),
  };
}

function bad(field: string, why: string): TxError {
  return new TxError('E_FORMAT', `tokenizer JSON: ${field}: ${why}`);
}

/** Validates and loads; accepts the object or its JSON text. Errors name the field. */
export function bpeFromJson(input: unknown): BpeTokenizer {
  let j: unknown = input;
  if (typeof input === 'string') {
    try {
      j = JSON.parse(input);
    } catch (e) {
      throw bad('(root)', `not JSON (${(e as Error).message})`);
    }
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw bad('(root)', 'expected an object');
  const o = j as Record<string, unknown>;
  if (o.format !== BPE_FORMAT) throw bad('format', `expected "${BPE_FORMAT}"`);
  if (o.version !== BPE_VERSION) throw bad('version', `unsupported version ${JSON.stringify(o.version)} (expected ${BPE_VERSION})`);
  if (!Array.isArray(o.specials)) throw bad('specials', 'expected an array of strings');
  const seen = new Set<string>();
  o.specials.forEach((s, i) => {
    if (typeof s !== 'string' || s.length === 0) throw bad(`specials[${i}]`, 'expected a non-empty string');
    if (seen.has(s)) throw bad(`specials[${i}]`, `duplicate ${JSON.stringify(s)}`);
    seen.add(s);
  });
  const specials = o.specials as string[];
  if (!Array.isArray(o.merges)) throw bad('merges', 'expected an array of [id, id] pairs');
  const first = 256 + specials.length;
  const pairs = new Set<string>();
  o.merges.forEach((m, r) => {
    if (!Array.isArray(m) || m.length !== 2) throw bad(`merges[${r}]`, 'expected [id, id]');
    m.forEach((id, k) => {
      const okId = Number.isInteger(id) && (id as number) >= 0 && (id as number) < first + r && !((id as number) >= 256 && (id as number) < first);
      if (!okId) throw bad(`merges[${r}][${k}]`, `id ${JSON.stringify(id)} is not a byte or an earlier merge`);
    });
    const key = `${m[0]},${m[1]}`;
    if (pairs.has(key)) throw bad(`merges[${r}]`, `duplicate merge ${key}`);
    pairs.add(key);
  });
  const tok = new BpeTokenizer(specials, o.merges as Array<[number, number]>);
  if (o.vocab !== undefined) {
    if (!Array.isArray(o.vocab)) throw bad('vocab', 'expected an array of strings');
    if (o.vocab.length !== tok.vocabSize) throw bad('vocab', `length ${o.vocab.length} != 256 + specials + merges = ${tok.vocabSize}`);
    const want = vocabOf(tok);
    o.vocab.forEach((v, i) => {
      if (v !== want[i]) throw bad(`vocab[${i}]`, `${JSON.stringify(v)} disagrees with the merges (${JSON.stringify(want[i])})`);
    });
  }
  return tok;
}

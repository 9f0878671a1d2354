// The project's byte-level BPE tokenizer. Ids: 0..255 are the bytes (so any text encodes,
// and decode(encode(s)) === s for every well-formed string), then the special tokens, then
// one id per merge in training order.
import { TxError } from '../../errors.js';
import { concatBytes, utf8Decode, utf8Encode } from './bytes.js';
import { applyMerges, pairKey, type MergeTable } from './merge.js';
import { scanWords } from './pretokenize.js';
import { splitOnSpecials } from './specials.js';
import { trainMerges, type TrainOptions } from './train.js';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './types.js';
import { WordCache } from './word-cache.js';

export class BpeTokenizer implements Tokenizer {
  readonly specials: readonly string[];
  readonly merges: ReadonlyArray<readonly [number, number]>;
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly vocabSize: number;
  /** Bytes of each id (special tokens: their UTF-8 text). */
  private readonly bytes: Uint8Array[];
  private readonly table: MergeTable;
  private readonly cache = new WordCache();

  /** Trusts its input: use trainBpe or bpeFromJson, which validate. */
  constructor(specials: readonly string[], merges: ReadonlyArray<readonly [number, number]>) {
    this.specials = [...specials];
    this.merges = merges.map(([a, b]) => [a, b] as const);
    const first = 256 + specials.length;
    this.vocabSize = first + merges.length;
    this.specialTokens = new Map(specials.map((s, i) => [s, 256 + i]));
    this.bytes = [];
    for (let b = 0; b < 256; b++) this.bytes.push(Uint8Array.of(b));
    for (const s of specials) this.bytes.push(utf8Encode(s));
    const ranks = new Map<number, number>();
    const mergedId = new Int32Array(merges.length);
    merges.forEach(([a, b], r) => {
      const x = this.bytes[a]!, y = this.bytes[b]!;
      const z = new Uint8Array(x.length + y.length);
      z.set(x);
      z.set(y, x.length);
      this.bytes.push(z);
      ranks.set(pairKey(a, b), r);
      mergedId[r] = first + r;
    });
    this.table = { ranks, mergedId };
  }

  isSpecial(id: number): boolean {
    return id >= 256 && id < 256 + this.specials.length;
  }

  /** The bytes of one token (a copy is not made: do not mutate). */
  tokenBytes(id: number): Uint8Array {
    const b = this.bytes[id];
    if (b === undefined) throw new TxError('E_RANGE', `token id ${id} out of range [0, ${this.vocabSize})`);
    return b;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (!opts.allowSpecial) {
      this.encodeText(text, out);
      return out;
    }
    for (const p of splitOnSpecials(text, this.specials)) {
      if ('text' in p) this.encodeText(p.text, out);
      else out.push(this.specialTokens.get(p.special)!);
    }
    return out;
  }

  private encodeText(text: string, out: number[]): void {
    scanWords(text, (a, b) => {
      const w = text.slice(a, b);
      let ids = this.cache.get(w);
      if (ids === undefined) {
        ids = applyMerges(Array.from(utf8Encode(w)), this.table);
        this.cache.set(w, ids);
      }
      for (const id of ids) out.push(id);
    });
  }

  decodeBytes(ids: ArrayLike<number>, opts: DecodeOptions = {}): Uint8Array {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (opts.skipSpecial && this.isSpecial(id)) continue;
      const b = this.tokenBytes(id);
      chunks.push(b);
      total += b.length;
    }
    return concatBytes(chunks, total);
  }

  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    return utf8Decode(this.decodeBytes(ids, opts));
  }
}

/** Trains a tokenizer on `corpus`; deterministic for a given corpus (in any order) and options. */
export function trainBpe(corpus: readonly string[], opts: TrainOptions): BpeTokenizer {
  const { specials, merges } = trainMerges(corpus, opts);
  return new BpeTokenizer(specials, merges);
}

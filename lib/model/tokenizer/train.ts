// BPE training: count pre-token words, then repeatedly merge the most frequent adjacent
// pair. Pair counts are kept incrementally (only the words that contain the merged pair are
// revisited, found through a pair -> words index) and the best pair comes from a lazy
// max-heap, so a merge costs time proportional to the words it touches, not to the corpus.
import { TxError } from '../../errors.js';
import { PAIR_BASE, pairKey } from './merge.js';
import { PairHeap } from './pair-heap.js';
import { scanWords } from './pretokenize.js';
import { DEFAULT_SPECIALS, splitOnSpecials } from './specials.js';
import { utf8Encode } from './bytes.js';

export interface TrainOptions {
  /** Final vocabulary size: 256 bytes + special tokens + merges. */
  vocabSize: number;
  /** A pair must occur at least this often to be merged. Default 2. */
  minFrequency?: number;
  /** Default <|im_start|>, <|im_end|>, <|pad|>. */
  specials?: readonly string[];
}

export interface TrainResult {
  specials: string[];
  merges: Array<[number, number]>;
}

/** Word -> count over the corpus; special tokens in the corpus are cut out, never merged. */
export function countWords(corpus: readonly string[], specials: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const doc of corpus) {
    if (typeof doc !== 'string') throw new TxError('E_FORMAT', 'trainBpe: corpus must be an array of strings');
    for (const piece of splitOnSpecials(doc, specials)) {
      if (!('text' in piece)) continue;
      const s = piece.text;
      scanWords(s, (a, b) => {
        const w = s.slice(a, b);
        counts.set(w, (counts.get(w) ?? 0) + 1);
      });
    }
  }
  return counts;
}

export function trainMerges(corpus: readonly string[], opts: TrainOptions): TrainResult {
  const specials = [...(opts.specials ?? DEFAULT_SPECIALS)];
  const minFreq = opts.minFrequency ?? 2;
  const first = 256 + specials.length;
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < first || opts.vocabSize > PAIR_BASE) {
    throw new TxError('E_RANGE', `trainBpe: vocabSize must be an integer in [${first}, ${PAIR_BASE}], got ${opts.vocabSize}`);
  }
  if (!Number.isInteger(minFreq) || minFreq < 1) throw new TxError('E_RANGE', 'trainBpe: minFrequency must be an integer >= 1');

  const counts = countWords(corpus, specials);
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [w, c] of counts) {
    const bytes = utf8Encode(w);
    if (bytes.length < 2) continue; // no pairs: nothing to learn
    words.push(Array.from(bytes));
    freq.push(c);
  }

  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const add = (key: number, f: number, w: number): void => {
    pairCount.set(key, (pairCount.get(key) ?? 0) + f);
    let set = where.get(key);
    if (set === undefined) where.set(key, (set = new Set()));
    set.add(w);
  };
  for (let w = 0; w < words.length; w++) {
    const syms = words[w]!;
    for (let i = 0; i + 1 < syms.length; i++) add(pairKey(syms[i]!, syms[i + 1]!), freq[w]!, w);
  }
  const heap = new PairHeap();
  for (const [k, c] of pairCount) heap.push(c, k);

  const merges: Array<[number, number]> = [];
  const changed = new Set<number>();
  for (let id = first; id < opts.vocabSize; id++) {
    let best = -1;
    for (;;) {
      const top = heap.pop();
      if (top === null) break;
      if (pairCount.get(top[1]) === top[0]) {
        if (top[0] >= minFreq) best = top[1];
        break;
      }
    }
    if (best < 0) break;
    const a = Math.floor(best / PAIR_BASE), b = best % PAIR_BASE;
    merges.push([a, b]);
    changed.clear();
    const affected = where.get(best)!;
    where.delete(best);
    for (const w of affected) {
      const syms = words[w]!;
      let present = false;
      for (let i = 0; i + 1 < syms.length; i++) {
        if (syms[i] === a && syms[i + 1] === b) {
          present = true;
          break;
        }
      }
      if (!present) continue;
      const f = freq[w]!;
      // Subtract the word's pairs, merge, add them back: simple and exact for overlapping
      // cases such as 'aaa' with (a, a); words are short (MAX_WORD), so this is cheap.
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = pairKey(syms[i]!, syms[i + 1]!);
        pairCount.set(k, pairCount.get(k)! - f);
        changed.add(k);
      }
      const next: number[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          next.push(id);
          i++;
        } else {
          next.push(syms[i]!);
        }
      }
      words[w] = next;
      for (let i = 0; i + 1 < next.length; i++) {
        const k = pairKey(next[i]!, next[i + 1]!);
        add(k, f, w);
        changed.add(k);
      }
    }
    for (const k of changed) {
      const c = pairCount.get(k)!;
      if (c > 0) heap.push(c, k);
      else {
        pairCount.delete(k);
        where.delete(k);
      }
    }
  }
  return { specials, merges };
}

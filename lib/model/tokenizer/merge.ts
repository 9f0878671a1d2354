// Applies ranked BPE merges to one pre-token's symbols. Shared by our tokenizer and the
// Hugging Face loader: both reduce a word to ids, then repeatedly merge the adjacent pair
// with the lowest rank. Merging the lowest rank first, all occurrences left to right, gives
// the same result as replaying the merges in training order (a merged symbol only appears in
// pairs of higher rank), so encode agrees with what training did to the same word.

/** Ids must stay below this for pair keys (a * PAIR_BASE + b) to be exact doubles. */
export const PAIR_BASE = 1 << 21;

export function pairKey(a: number, b: number): number {
  return a * PAIR_BASE + b;
}

export interface MergeTable {
  /** pairKey(a, b) -> rank (0 = first merge). */
  readonly ranks: ReadonlyMap<number, number>;
  /** rank -> id of the merged token. */
  readonly mergedId: Int32Array;
}

export function applyMerges(symbols: number[], table: MergeTable): number[] {
  let syms = symbols;
  while (syms.length > 1) {
    let best = Infinity;
    let bestA = -1;
    let bestB = -1;
    for (let i = 0; i + 1 < syms.length; i++) {
      const r = table.ranks.get(pairKey(syms[i]!, syms[i + 1]!));
      if (r !== undefined && r < best) {
        best = r;
        bestA = syms[i]!;
        bestB = syms[i + 1]!;
      }
    }
    if (best === Infinity) break;
    const z = table.mergedId[best]!;
    const next: number[] = [];
    for (let i = 0; i < syms.length; i++) {
      if (i + 1 < syms.length && syms[i] === bestA && syms[i + 1] === bestB) {
        next.push(z);
        i++;
      } else {
        next.push(syms[i]!);
      }
    }
    syms = next;
  }
  return syms;
}

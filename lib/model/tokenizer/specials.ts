// Special tokens: matched in input only when the caller allows it (a user message that
// contains the text "<|im_end|>" must not end the turn), never produced by merges.

export const IM_START = '<|im_start|>';
export const IM_END = '<|im_end|>';
export const PAD = '<|pad|>';
export const DEFAULT_SPECIALS: readonly string[] = [IM_START, IM_END, PAD];

export type Piece = { text: string } | { special: string };

/**
 * Splits text into plain pieces and occurrences of `specials` (leftmost first, the longest
 * on a tie). Each special's next occurrence is cached, so this is linear in practice.
 */
export function splitOnSpecials(text: string, specials: readonly string[]): Piece[] {
  const out: Piece[] = [];
  if (specials.length === 0) {
    if (text.length > 0) out.push({ text });
    return out;
  }
  const next = specials.map((s) => text.indexOf(s));
  let pos = 0;
  for (;;) {
    let at = -1;
    let which = -1;
    for (let k = 0; k < specials.length; k++) {
      if (next[k]! !== -1 && next[k]! < pos) next[k] = text.indexOf(specials[k]!, pos);
      const n = next[k]!;
      if (n === -1) continue;
      if (at === -1 || n < at || (n === at && specials[k]!.length > specials[which]!.length)) {
        at = n;
        which = k;
      }
    }
    if (at === -1) break;
    if (at > pos) out.push({ text: text.slice(pos, at) });
    const s = specials[which]!;
    out.push({ special: s });
    pos = at + s.length;
  }
  if (pos < text.length) out.push({ text: text.slice(pos) });
  return out;
}

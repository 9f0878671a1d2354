// Unicode character classes for the hand-written pre-tokenizers. One table lookup per code
// point; a code point outside ASCII is classified once with a single-character property
// regex (no backtracking) and remembered.

export const enum Cls {
  Unknown = 0,
  Letter = 1, // \p{L}
  Mark = 2, // \p{M}
  Number = 3, // \p{N}
  Space = 4, // \p{White_Space}
  Other = 5,
}

const table = new Uint8Array(0x110000);
const LETTER = /^\p{L}$/u;
const MARK = /^\p{M}$/u;
const NUMBER = /^\p{N}$/u;
const SPACE = /^\p{White_Space}$/u;

function classify(cp: number): Cls {
  // Lone surrogates are not characters; they fall in Other.
  if (cp >= 0xd800 && cp <= 0xdfff) return Cls.Other;
  const ch = String.fromCodePoint(cp);
  if (LETTER.test(ch)) return Cls.Letter;
  if (MARK.test(ch)) return Cls.Mark;
  if (NUMBER.test(ch)) return Cls.Number;
  if (SPACE.test(ch)) return Cls.Space;
  return Cls.Other;
}

for (let cp = 0; cp < 128; cp++) table[cp] = classify(cp);

export function classOf(cp: number): Cls {
  const c = table[cp]!;
  if (c !== Cls.Unknown) return c;
  const k = classify(cp);
  table[cp] = k;
  return k;
}

/** Code point at i (a lone surrogate is returned as itself). */
export function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}

export function width(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

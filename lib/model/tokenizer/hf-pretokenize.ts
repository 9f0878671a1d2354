// Scanners equivalent to the split regexes of Hugging Face byte-level tokenizers, written
// by hand (JS regexes lack Oniguruma's (?i:...) and backtrack on long inputs):
//  qwen2: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//  gpt2:  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// Alternatives are tried in order at each position, as the regex engine does.
import { Cls, classOf, codePointAt, width } from './charclass.js';
import { scanWords } from './pretokenize.js';

/** 'toolexpander': our own pre-tokenizer (pretokenize.ts), as written in the tokenizer.json we export. */
export type HfSplitFlavor = 'qwen2' | 'gpt2' | 'toolexpander';

export const QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

function cls(s: string, i: number): Cls {
  return i < s.length ? classOf(codePointAt(s, i)) : Cls.Unknown;
}

const isL = (k: Cls): boolean => k === Cls.Letter;
const isN = (k: Cls): boolean => k === Cls.Number;
const isS = (k: Cls): boolean => k === Cls.Space;
// [^\s\p{L}\p{N}] (marks and lone surrogates included).
const isP = (k: Cls): boolean => k === Cls.Mark || k === Cls.Other;

function step(s: string, i: number): number {
  return i + width(codePointAt(s, i));
}

function run(s: string, i: number, pred: (k: Cls) => boolean): number {
  while (i < s.length && pred(cls(s, i))) i = step(s, i);
  return i;
}

function contraction(s: string, i: number, caseInsensitive: boolean): number {
  if (s.charCodeAt(i) !== 0x27) return 0;
  const tail = s.slice(i + 1, i + 3);
  const t = caseInsensitive ? tail.toLowerCase() : tail;
  if (t.startsWith('re') || t.startsWith('ve') || t.startsWith('ll')) return 3;
  const c = t.charAt(0);
  // toLowerCase of a non-ASCII char may change length; only ASCII letters matter here.
  if (c === 's' || c === 't' || c === 'm' || c === 'd') return 2;
  return 0;
}

/** End of the match at i (> i) for the flavor's pattern. */
function matchAt(s: string, i: number, flavor: HfSplitFlavor): number {
  const n = s.length;
  const qwen = flavor === 'qwen2';
  const c = contraction(s, i, qwen);
  if (c > 0 && (!qwen || isAsciiContraction(s, i, c))) return i + c;
  const k0 = cls(s, i);
  const cp0 = codePointAt(s, i);
  if (qwen) {
    if (isL(k0)) return run(s, i, isL);
    const j = step(s, i);
    if (cp0 !== 10 && cp0 !== 13 && !isN(k0) && isL(cls(s, j))) return run(s, j, isL);
    if (isN(k0)) return j;
  } else {
    const j = cp0 === 0x20 ? i + 1 : i;
    const kj = cls(s, j);
    if (isL(kj)) return run(s, j, isL);
    if (isN(kj)) return run(s, j, isN);
  }
  {
    const j = cp0 === 0x20 ? i + 1 : i;
    if (j < n && isP(cls(s, j))) {
      let e = run(s, j, isP);
      if (qwen) while (e < n && (s.charCodeAt(e) === 10 || s.charCodeAt(e) === 13)) e++;
      return e;
    }
  }
  // Whitespace from here on (k0 is Space).
  const e = run(s, i, isS);
  if (qwen) {
    let lastNl = -1;
    for (let p = i; p < e; p++) {
      const ch = s.charCodeAt(p);
      if (ch === 10 || ch === 13) lastNl = p;
    }
    if (lastNl >= 0) return lastNl + 1;
  }
  if (e === n) return e;
  // \s+(?!\S): give the last whitespace character back to the next word, if one remains.
  const lastW = width(codePointAt(s, e - 1 - (isLowSurrogate(s.charCodeAt(e - 1)) ? 1 : 0)));
  if (e - lastW > i) return e - lastW;
  return e;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

// (?i:'s) also matches 'S, but must not match a non-ASCII letter whose lower case is s
// (e.g. U+017F LATIN SMALL LETTER LONG S folds to s in Oniguruma too, an edge we ignore).
function isAsciiContraction(s: string, i: number, len: number): boolean {
  for (let p = i + 1; p < i + len; p++) if (s.charCodeAt(p) > 0x7f) return false;
  return true;
}

export function hfSplit(s: string, flavor: HfSplitFlavor, emit: (start: number, end: number) => void): void {
  if (flavor === 'toolexpander') return scanWords(s, emit);
  let i = 0;
  while (i < s.length) {
    const e = matchAt(s, i, flavor);
    emit(i, e);
    i = e;
  }
}

// Our pre-tokenizer: splits text into words that BPE merges never cross. GPT-2/Qwen2-like,
// written as a scanner (no regex backtracking), with three changes for tool calls:
//  - identifiers keep '_' and digits (get_weather, city_id, v2 stay one word, so a tool name
//    or argument key can become one token);
//  - a run of punctuation may contain single spaces between punctuation ('", "', '": "',
//    '"}, {"'), so JSON glue becomes a few frequent, mergeable units;
//  - numbers are whole digit runs, so frequent values (10, 2024) can become one token.
// As in GPT-2, a single space attaches to the following word, a whitespace run keeps all
// but its last space when a word follows, and newlines end a whitespace word.
import { Cls, classOf, codePointAt, width } from './charclass.js';

/** Longest word in UTF-16 units: bounds the cost of one BPE word and of the cache keys. */
export const MAX_WORD = 128;

function isNewline(c: number): boolean {
  return c === 10 || c === 13;
}

function isWordCp(cp: number): boolean {
  const k = classOf(cp);
  return k === Cls.Letter || k === Cls.Mark || k === Cls.Number || cp === 0x5f;
}

function isPunctCp(cp: number): boolean {
  return classOf(cp) === Cls.Other && cp !== 0x5f;
}

/** Calls emit(start, end) for each word, in order; the words tile the text exactly. */
export function scanWords(s: string, emit: (start: number, end: number) => void): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    let start = i;
    let cp = codePointAt(s, i);
    if (classOf(cp) === Cls.Space) {
      let j = i;
      let lastNl = -1;
      while (j < n && j - i < MAX_WORD) {
        const c = codePointAt(s, j);
        if (classOf(c) !== Cls.Space) break;
        if (isNewline(c)) lastNl = j;
        j += width(c);
      }
      if (lastNl >= 0) {
        emit(i, lastNl + 1);
        i = lastNl + 1;
        continue;
      }
      const followed = j < n && classOf(codePointAt(s, j)) !== Cls.Space;
      if (!followed || s.charCodeAt(j - 1) !== 0x20) {
        emit(i, j);
        i = j;
        continue;
      }
      if (j - 1 > i) {
        emit(i, j - 1);
        i = j - 1;
        continue;
      }
      // A single space: it starts the next word.
      start = i;
      i = j;
      cp = codePointAt(s, i);
    }
    if (isWordCp(cp) && classOf(cp) !== Cls.Number) {
      i += width(cp);
      while (i < n && i - start < MAX_WORD) {
        const c = codePointAt(s, i);
        if (!isWordCp(c) || i + width(c) - start > MAX_WORD) break;
        i += width(c);
      }
    } else if (classOf(cp) === Cls.Number) {
      i += width(cp);
      while (i < n && i - start < MAX_WORD) {
        const c = codePointAt(s, i);
        if (classOf(c) !== Cls.Number || i + width(c) - start > MAX_WORD) break;
        i += width(c);
      }
    } else {
      i += width(cp);
      while (i < n && i - start < MAX_WORD) {
        let c = codePointAt(s, i);
        if (c === 0x20 && i + 1 < n && i + 1 - start < MAX_WORD) {
          // '", "': one space between punctuation stays inside the run.
          const d = codePointAt(s, i + 1);
          if (!isPunctCp(d) || i + 1 + width(d) - start > MAX_WORD) break;
          i += 1;
          c = d;
        } else if (!isPunctCp(c) || i + width(c) - start > MAX_WORD) {
          break;
        }
        i += width(c);
      }
    }
    emit(start, i);
  }
}

export function pretokenize(s: string): string[] {
  const out: string[] = [];
  scanWords(s, (a, b) => out.push(s.slice(a, b)));
  return out;
}

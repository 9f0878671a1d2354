// When two ToolSearcher keyword strings provably retrieve the same tool in API-Bank's
// level-3 evaluation, without running its retriever. The evaluator splits the predicted
// keywords at capitals (`QueryMeeting` -> `Query Meeting`), and ToolSearcher returns the
// library API whose name-plus-description embedding (sentence-transformers
// paraphrase-MiniLM-L3-v2, an uncased BERT) is most similar to the keywords' embedding. The
// model reads its input through BERT's basic tokenizer (clean-up, lower case, accents
// stripped, split at whitespace and punctuation, CJK characters apart) and then WordPiece,
// a function of each basic token: two strings with the same basic tokens get the same
// embedding and so the same tool. Strings whose tokens differ may still land on the same
// tool; that needs the model's weights, which the package does not have, so the check
// built on this counts them as misses (docs/method.md section 3).

/** lv3_evaluator.py's split_by_uppercase: a space before every uppercase character, then strip. */
export function splitByUppercase(s: string): string {
  let out = '';
  for (const ch of s) out += /\p{Uppercase}/u.test(ch) ? ` ${ch}` : ch;
  return out.trim();
}

function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /\p{C}/u.test(ch);
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || /\p{Zs}/u.test(ch);
}

function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0) as number;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(ch);
}

function isCjk(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df)
    || (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf)
    || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
}

/** BERT's uncased basic tokenization of `s` (what WordPiece then splits). */
export function basicTokens(s: string): string[] {
  let text = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    if (isWhitespace(ch)) text += ' ';
    else if (isCjk(cp)) text += ` ${ch} `;
    else text += ch;
  }
  const out: string[] = [];
  for (const word of text.split(' ')) {
    if (word === '') continue;
    const plain = word.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
    let cur = '';
    for (const ch of plain) {
      if (isPunctuation(ch)) {
        if (cur !== '') out.push(cur);
        out.push(ch);
        cur = '';
      } else cur += ch;
    }
    if (cur !== '') out.push(cur);
  }
  return out;
}

/** The retriever's input for predicted keywords, as the evaluator hands them over. */
export function retrieverTokens(keywords: string): string[] {
  return basicTokens(splitByUppercase(keywords));
}

/** True when `a` and `b` reach ToolSearcher as the same tokens: the same tool comes back. */
export function sameRetrieval(a: string, b: string): boolean {
  const x = retrieverTokens(a);
  const y = retrieverTokens(b);
  return x.length === y.length && x.every((t, i) => t === y[i]);
}

// Linear-time tag scanning with indexOf only: no regular expressions, so no backtracking.
// Callers that need a sub-range pass a slice (each character is then scanned a bounded
// number of times), never a bound that indexOf would overrun.

export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';
export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';

export type Span = { start: number; end: number; innerStart: number; innerEnd: number };

/**
 * The last `open ... close` match, with the semantics of Python's
 * `re.findall(open + '(.*?)' + close, s, re.DOTALL)[-1]`: matches are taken leftmost,
 * each closing at the nearest `close`, and scanning resumes after it.
 */
export function lastSpan(text: string, open: string, close: string): Span | undefined {
  let pos = 0;
  let last: Span | undefined;
  for (;;) {
    const o = text.indexOf(open, pos);
    if (o < 0) break;
    const c = text.indexOf(close, o + open.length);
    if (c < 0) break;
    last = { start: o, end: c + close.length, innerStart: o + open.length, innerEnd: c };
    pos = c + close.length;
  }
  return last;
}

/** The think block that closes last before `before`: `<think>` ... `</think>`. */
export function thinkBefore(text: string, before: number): { start: number; end: number; think: string } | undefined {
  if (before < THINK_CLOSE.length) return undefined;
  const close = text.lastIndexOf(THINK_CLOSE, before - THINK_CLOSE.length);
  if (close < 0) return undefined;
  if (close < THINK_OPEN.length) return undefined;
  const open = text.lastIndexOf(THINK_OPEN, close - THINK_OPEN.length);
  if (open < 0) return undefined;
  return { start: open, end: close + THINK_CLOSE.length, think: text.slice(open + THINK_OPEN.length, close) };
}

// parseToolCalls: the format half of the base reward (docs/method.md section 3).
// Never throws, linear time, no regular expressions on model text.

import { isPlainObject, safeJsonParse } from '../data/json.js';
import { lastSpan, thinkBefore, THINK_CLOSE, THINK_OPEN, TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from './tags.js';
import type { ParseFailReason, ParseOptions, ParseResult, ParsedCall } from './types.js';

const ASSISTANT_MARKER = '<|im_start|>assistant';

/** JSON value of a `<tool_call>` block -> calls, or the reason it is not a call list. */
export function callsFromJson(text: string): { ok: true; calls: ParsedCall[] } | { ok: false; reason: ParseFailReason } {
  const parsed = safeJsonParse(text.trim());
  if (!parsed.ok) return { ok: false, reason: 'bad_json' };
  const v = parsed.value;
  const items: unknown[] | undefined = Array.isArray(v) ? v : isPlainObject(v) ? [v] : undefined;
  if (items === undefined) return { ok: false, reason: 'bad_item' };
  const calls: ParsedCall[] = [];
  for (const item of items) {
    if (!isPlainObject(item)) return { ok: false, reason: 'bad_item' };
    const name = item['name'];
    const args = item['arguments'];
    if (typeof name !== 'string' || name === '' || !isPlainObject(args)) return { ok: false, reason: 'bad_item' };
    calls.push({ name, arguments: args });
  }
  return { ok: true, calls };
}

function parseStrict(text: string): ParseResult {
  const block = lastSpan(text, TOOL_CALL_OPEN, TOOL_CALL_CLOSE);
  if (block === undefined) return { ok: false, reason: 'no_tool_call' };
  const think = thinkBefore(text, block.start);
  if (think === undefined) {
    // The last block sits inside an unclosed-before-it think: an example, not an answer.
    const open = text.lastIndexOf(THINK_OPEN, block.start);
    if (open >= 0 && text.indexOf(THINK_CLOSE, block.end) >= 0) return { ok: false, reason: 'no_tool_call' };
    return { ok: false, reason: 'missing_think' };
  }
  const r = callsFromJson(text.slice(block.innerStart, block.innerEnd));
  if (!r.ok) return r;
  return { ok: true, calls: r.calls, think: think.think };
}

/**
 * Tool-N1's `compute_score_v0` format check, reproduced: cut at the last assistant
 * marker, take the last `<tool_call>(.*?)</tool_call>`, json.loads it (a dict becomes a
 * one-element list), require the substrings `<think>` and `</think>` anywhere, require
 * every item to be an object with keys `name` and `arguments`.
 */
function parseToolN1(fullText: string): ParseResult {
  const m = fullText.lastIndexOf(ASSISTANT_MARKER);
  const text = m >= 0 ? fullText.slice(m + ASSISTANT_MARKER.length) : fullText;
  const block = lastSpan(text, TOOL_CALL_OPEN, TOOL_CALL_CLOSE);
  if (block === undefined) return { ok: false, reason: 'no_tool_call' };
  const inner = text.slice(block.innerStart, block.innerEnd);
  const parsed = safeJsonParse(inner.trim());
  if (!parsed.ok) return { ok: false, reason: 'bad_json' };
  if (!text.includes(THINK_OPEN) || !text.includes(THINK_CLOSE)) return { ok: false, reason: 'missing_think' };
  const v = parsed.value;
  const items: unknown[] | undefined = Array.isArray(v) ? v : isPlainObject(v) ? [v] : undefined;
  if (items === undefined) return { ok: false, reason: 'bad_item' };
  for (const item of items) {
    if (!isPlainObject(item) || !('name' in item) || !('arguments' in item)) return { ok: false, reason: 'bad_item' };
  }
  // Tool-N1 would go on to compare items whose name is not a string or whose arguments
  // are not an object; against a valid answer they can never match, so they end here.
  const r = callsFromJson(inner);
  if (!r.ok) return r;
  const think = thinkBefore(text, block.start);
  return { ok: true, calls: r.calls, think: think?.think ?? '' };
}

/**
 * Parse a model output: `<think>...</think>` then `<tool_call>[{"name", "arguments"}, ...]</tool_call>`
 * (the last block counts; a single object is taken as a one-element list).
 * `format: 'strict'` (default) also requires the think block to close before that last
 * block; `'tool-n1'` reproduces Tool-N1's looser substring check. Never throws.
 */
export function parseToolCalls(text: string, opts: ParseOptions = {}): ParseResult {
  try {
    if (typeof text !== 'string') return { ok: false, reason: 'no_tool_call' };
    return opts.format === 'tool-n1' ? parseToolN1(text) : parseStrict(text);
  } catch {
    // Unreachable by design (every step is guarded); kept so the promise holds.
    return { ok: false, reason: 'bad_json' };
  }
}

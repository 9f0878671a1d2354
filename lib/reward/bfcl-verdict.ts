// The `bfcl` mode end to end: model text -> decoded calls -> BFCL's verdict for the entry's
// category, as bfcl_eval/eval_checker/eval_runner.py computes it. AST categories: a text
// that does not decode fails; otherwise ast_checker decides. Relevance categories:
// `irrelevance` / `live_irrelevance` pass when the text does not decode to a non-empty call
// list (plain text, invalid JSON, `[]` all pass); `live_relevance` passes when it does.
//
// Decoding is the model handler's half in BFCL (each model has its own); ours reads the
// JSON inside a `<tool_call>` block with Python's json semantics (pyjson.ts), so `5` and
// `5.0` keep their types as Python would see them: the package's format takes the last
// block, Tool-N1's handler the first. No `<think>` is required: BFCL does not ask for one.

import { astChecker, type BfclCheckOptions, type BfclFunction, type BfclLanguage, type BfclModelCall } from './bfcl-checker.js';
import { pyJsonParse } from '../data/pyjson.js';
import { PyRaise, isPyDict, pyStrip } from '../data/pyvalue.js';
import { TOOL_CALL_CLOSE, TOOL_CALL_OPEN, lastSpan } from './tags.js';

export type BfclBlock = 'first' | 'last';

/** Every single-turn BFCL v4 category, in the leaderboard's order. */
export const BFCL_AST_CATEGORIES = [
  'simple_python', 'simple_java', 'simple_javascript', 'multiple', 'parallel', 'parallel_multiple',
  'live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple',
] as const;
export const BFCL_RELEVANCE_CATEGORIES = ['irrelevance', 'live_irrelevance', 'live_relevance'] as const;
export const BFCL_CATEGORIES = [...BFCL_AST_CATEGORIES, ...BFCL_RELEVANCE_CATEGORIES] as const;
export type BfclCategoryName = (typeof BFCL_CATEGORIES)[number];

export function isBfclCategory(c: string): c is BfclCategoryName {
  return (BFCL_CATEGORIES as readonly string[]).includes(c);
}

export function isRelevanceCategory(c: string): boolean {
  return (BFCL_RELEVANCE_CATEGORIES as readonly string[]).includes(c);
}

export function languageOf(category: string): BfclLanguage {
  if (category.endsWith('java')) return 'java';
  if (category.endsWith('javascript')) return 'javascript';
  return 'python';
}

/** What the checker needs of a BFCL entry: its functions as BFCL ships them and, for AST categories, the typed ground truth. */
export type BfclEntry = { id: string; category: string; functions: BfclFunction[]; groundTruth?: unknown[] };

export type BfclVerdictOptions = BfclCheckOptions & { block?: BfclBlock };

export type BfclVerdict = { valid: boolean; errorType?: string; error?: string; decoded?: BfclModelCall[] };

export type BfclDecode = { ok: true; calls: BfclModelCall[] } | { ok: false; error: string };

function firstSpan(text: string): { innerStart: number; innerEnd: number } | undefined {
  const o = text.indexOf(TOOL_CALL_OPEN);
  if (o < 0) return undefined;
  const c = text.indexOf(TOOL_CALL_CLOSE, o + TOOL_CALL_OPEN.length);
  return c < 0 ? undefined : { innerStart: o + TOOL_CALL_OPEN.length, innerEnd: c };
}

/** The chosen `<tool_call>` block as `[{name: arguments}]`; no block is `[]` (nothing called). */
export function decodeBfcl(text: string, block: BfclBlock = 'last'): BfclDecode {
  if (typeof text !== 'string') return { ok: false, error: 'not a string' };
  const span = block === 'first' ? firstSpan(text) : lastSpan(text, TOOL_CALL_OPEN, TOOL_CALL_CLOSE);
  if (span === undefined) return { ok: true, calls: [] };
  const parsed = pyJsonParse(pyStrip(text.slice(span.innerStart, span.innerEnd)));
  if (!parsed.ok) return { ok: false, error: `invalid JSON: ${parsed.error}` };
  const v = parsed.value;
  const items = Array.isArray(v) ? v : isPyDict(v) ? [v] : undefined;
  if (items === undefined) return { ok: false, error: 'not a list of calls' };
  const calls: BfclModelCall[] = [];
  for (const it of items) {
    if (!isPyDict(it) || typeof it['name'] !== 'string' || !isPyDict(it['arguments'])) return { ok: false, error: 'item is not {name, arguments}' };
    calls.push({ name: it['name'], args: it['arguments'] });
  }
  return { ok: true, calls };
}

/** BFCL's verdict on one model text for one entry. Never throws. */
export function bfclVerdict(text: string, entry: BfclEntry, opts: BfclVerdictOptions = {}): BfclVerdict {
  const d = decodeBfcl(text, opts.block ?? 'last');
  if (isRelevanceCategory(entry.category)) {
    const hasCall = d.ok && d.calls.length > 0;
    if (entry.category === 'live_relevance') {
      return hasCall ? { valid: true } : { valid: false, errorType: 'relevance_error:decoder_failed', error: d.ok ? 'no call' : d.error };
    }
    return hasCall ? { valid: false, errorType: 'irrelevance_error:decoder_success', decoded: d.calls } : { valid: true };
  }
  if (!d.ok) return { valid: false, errorType: 'ast_decoder:decoder_failed', error: d.error };
  try {
    const r = astChecker(entry.functions, d.calls, entry.groundTruth ?? [], languageOf(entry.category), entry.category, opts);
    return r.valid ? { valid: true } : { valid: false, errorType: r.errorType, error: r.error, decoded: d.calls };
  } catch (e) {
    if (e instanceof PyRaise) return { valid: false, errorType: `checker_error:${e.pyName}`, error: e.message, decoded: d.calls };
    return { valid: false, errorType: 'checker_error:internal', error: e instanceof Error ? e.message : String(e) };
  }
}

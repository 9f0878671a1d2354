// `bfcl` matcher for scoreRollout: BFCL's official checker (bfcl-checker.ts) applied to a
// task's answer. Tasks read by readBfclCategory carry what the checker needs in `meta`
// (BFCL's category, its function descriptions, the ground truth as Python-typed JSON);
// for other tasks they are rebuilt from the tools and the answer. Rebuilt ground truths
// come from JSON.parse, where 5 and 5.0 are one number: an integral value then counts as
// an int (the one place where the `bfcl` matcher cannot tell what BFCL would).

import { BFCL_TYPE_KEY } from '../data/bfcl.js';
import { isBfclAnswer, type BfclAnswer, type Call, type Task, type Tool } from '../data/types.js';
import type { BfclFunction, BfclModelCall } from './bfcl-checker.js';
import { bfclVerdict, isBfclCategory, type BfclEntry, type BfclVerdict } from './bfcl-verdict.js';
import { pyJsonParse } from '../data/pyjson.js';
import { isPyDict } from '../data/pyvalue.js';
import type { MatchResult } from './types.js';

export { standardizeString } from './bfcl-checker.js';

export type BfclGroundTruth = BfclAnswer['groundTruth'];

const BFCL_OF_SCHEMA: Record<string, string> = {
  string: 'string', integer: 'integer', number: 'float', boolean: 'boolean', array: 'array', object: 'dict',
};

/** BFCL's type name of a (converted) property schema. */
export function bfclTypeOf(schema: unknown): string {
  if (!isPyDict(schema)) return 'any';
  const own = schema[BFCL_TYPE_KEY];
  if (typeof own === 'string') return own;
  const t = schema['type'];
  return typeof t === 'string' ? BFCL_OF_SCHEMA[t] ?? 'any' : 'any';
}

function bfclProperty(schema: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { type: bfclTypeOf(schema) };
  if (isPyDict(schema) && schema['items'] !== undefined) out['items'] = bfclProperty(schema['items']);
  if (isPyDict(schema) && isPyDict(schema['properties'])) {
    out['properties'] = Object.fromEntries(Object.entries(schema['properties']).map(([k, v]) => [k, bfclProperty(v)]));
  }
  return out;
}

/** A tool's JSON Schema as a BFCL function description (the inverse of the BFCL converter). */
export function bfclFunctionOf(tool: Tool): BfclFunction {
  const props = isPyDict(tool.parameters['properties']) ? tool.parameters['properties'] : {};
  const required = Array.isArray(tool.parameters['required']) ? tool.parameters['required'] : [];
  return {
    name: tool.name,
    parameters: { type: 'dict', properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, bfclProperty(v)])), required },
  };
}

/** A plain answer as BFCL ground truth: every argument has exactly one acceptable value. */
export function callsToGroundTruth(calls: readonly Call[]): BfclGroundTruth {
  const toAlt = (v: unknown): unknown => {
    if (isPyDict(v)) {
      const out: Record<string, unknown[]> = {};
      for (const [k, x] of Object.entries(v)) out[k] = [toAlt(x)];
      return out;
    }
    if (Array.isArray(v)) return v.map((e) => (isPyDict(e) ? toAlt(e) : e));
    return v;
  };
  return calls.map((c) => {
    const params: Record<string, unknown[]> = {};
    for (const [k, v] of Object.entries(c.arguments)) params[k] = [toAlt(v)];
    return { [c.name]: params };
  });
}

const CATEGORY_OF_KIND: Record<string, string> = {
  simple: 'simple_python', multiple: 'multiple', parallel: 'parallel', parallel_multiple: 'parallel_multiple',
};

/** The checker's view of a task: BFCL's category, function descriptions and typed ground truth. */
export function bfclEntryOf(task: Task): BfclEntry {
  const meta = task.meta ?? {};
  const fromMeta = typeof meta['bfclCategory'] === 'string' && isBfclCategory(meta['bfclCategory']) ? meta['bfclCategory'] : undefined;
  const functions = Array.isArray(meta['bfclFunctions']) ? meta['bfclFunctions'] as BfclFunction[] : task.tools.map(bfclFunctionOf);
  let groundTruth: unknown[] | undefined;
  if (typeof meta['bfclGroundTruth'] === 'string') {
    const r = pyJsonParse(meta['bfclGroundTruth']);
    if (r.ok && Array.isArray(r.value)) groundTruth = r.value;
  }
  if (groundTruth === undefined) groundTruth = isBfclAnswer(task.answer) ? task.answer.groundTruth : callsToGroundTruth(task.answer);
  // A plain answer names no category: the no-order parallel checker is the general one
  // (it finds each expected call's function by name, for any number of calls).
  const category = fromMeta ?? (isBfclAnswer(task.answer) && task.answer.category !== undefined ? CATEGORY_OF_KIND[task.answer.category] : undefined)
    ?? (groundTruth.length === 0 ? 'irrelevance' : 'parallel');
  return { id: task.id, category: category as string, functions, groundTruth };
}

function reasonOf(v: BfclVerdict, pred: readonly BfclModelCall[] | undefined, entry: BfclEntry): MatchResult {
  if (v.valid) return { ok: true };
  const n = entry.groundTruth?.length ?? 0;
  const got = pred?.length ?? 0;
  const detail = v.errorType;
  if (detail?.startsWith('irrelevance_error') === true || (detail?.endsWith('wrong_count') === true && got > n)) return { ok: false, reason: 'extra_call', detail };
  if (detail?.endsWith('wrong_count') === true || detail?.startsWith('relevance_error') === true) return { ok: false, reason: 'missing_call', detail };
  const names = new Set((entry.groundTruth ?? []).flatMap((g) => (isPyDict(g) ? Object.keys(g) : [])));
  // Wrong name when some expected function is not called at all; else the arguments are off.
  const uncalled = [...names].some((n) => !(pred ?? []).some((c) => c.name === n));
  return { ok: false, reason: uncalled ? 'wrong_name' : 'wrong_args', detail };
}

/**
 * The `bfcl` verdict on the tool-call block `text` of an already format-checked output
 * (the same block the parser took), for `task`.
 */
export function matchBfclText(text: string, task: Task): MatchResult {
  const entry = bfclEntryOf(task);
  const v = bfclVerdict(text, entry, { block: 'last' });
  return reasonOf(v, v.decoded, entry);
}

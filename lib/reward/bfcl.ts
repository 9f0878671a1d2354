// `bfcl` matcher: BFCL's AST checker rules (its ast_checker.py; docs/method.md section 3) applied
// to parsed JSON calls. Differences forced by JSON in JS: 5 and 5.0 are the same number, so
// an integral value counts as int, and any number is accepted where BFCL wants a float.

import { isPlainObject } from '../data/json.js';
import { BFCL_TYPE_KEY } from '../data/bfcl.js';
import type { BfclAnswer, Call, Tool } from '../data/types.js';
import type { MatchResult } from './types.js';

type PyType = 'str' | 'int' | 'float' | 'bool' | 'list' | 'dict' | 'none' | 'other';

export type BfclGroundTruth = BfclAnswer['groundTruth'];

function pyTypeOf(v: unknown): PyType {
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v === null) return 'none';
  if (Array.isArray(v)) return 'list';
  if (isPlainObject(v)) return 'dict';
  return 'other';
}

/** BFCL's type name of a (converted) property schema. */
export function bfclTypeOf(schema: unknown): string {
  if (!isPlainObject(schema)) return 'any';
  const own = schema[BFCL_TYPE_KEY];
  if (typeof own === 'string') return own;
  switch (schema['type']) {
    case 'string': return 'string';
    case 'integer': return 'integer';
    case 'number': return 'float';
    case 'boolean': return 'boolean';
    case 'array': return 'array';
    case 'object': return 'dict';
    default: return 'any';
  }
}

const PY_OF: Record<string, PyType> = {
  string: 'str', integer: 'int', float: 'float', number: 'float', boolean: 'bool',
  array: 'list', tuple: 'list', dict: 'dict', object: 'dict', any: 'str',
};

function expectedPy(bfclType: string): PyType {
  return PY_OF[bfclType] ?? 'str';
}

/** BFCL's standardize_string: drop spaces and , . / - _ * ^, lowercase, ' -> ". */
export function standardizeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === ' ' || ch === ',' || ch === '.' || ch === '/' || ch === '-' || ch === '_' || ch === '*' || ch === '^') continue;
    out += ch;
  }
  return out.toLowerCase().replaceAll("'", '"');
}

/** Python `==` on JSON values (numbers by value; bool and number kept apart). */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!Object.hasOwn(b, k) || !pyEq(a[k], b[k])) return false;
    return true;
  }
  return false;
}

function standardizeList(v: unknown[]): unknown[] {
  return v.map((e) => (typeof e === 'string' ? standardizeString(e) : e));
}

/** dict_checker: one model dict against one alternative `{key: [acceptable values]}`. */
function dictMatches(value: unknown, alt: unknown): boolean {
  if (!isPlainObject(value) || !isPlainObject(alt)) return false;
  for (const [k, v] of Object.entries(value)) {
    if (!Object.hasOwn(alt, k)) return false;
    const raw = alt[k];
    const alts = Array.isArray(raw) ? raw : [raw];
    if (typeof v === 'string') {
      const s = standardizeString(v);
      if (!alts.some((a) => typeof a === 'string' && standardizeString(a) === s)) return false;
    } else if (!alts.some((a) => pyEq(a, v))) {
      return false;
    }
  }
  for (const [k, raw] of Object.entries(alt)) {
    if (Object.hasOwn(value, k)) continue;
    if (!(Array.isArray(raw) && raw.includes(''))) return false;
  }
  return true;
}

function itemsTypeOk(value: unknown[], alts: unknown[], itemPy: PyType): boolean {
  return alts.some((alt) => {
    if (alt === '') return true;
    if (!Array.isArray(alt)) return false;
    const firstT = alt.length > 0 ? pyTypeOf(alt[0]) : undefined;
    return value.every((e) => {
      const t = pyTypeOf(e);
      if (t === itemPy || (itemPy === 'float' && t === 'int')) return true;
      return firstT !== undefined && (t === firstT || (firstT === 'float' && t === 'int') || (firstT === 'int' && t === 'float'));
    });
  });
}

/** One argument value against its schema and acceptable values (BFCL S4 + S5). */
function valueMatches(value: unknown, schema: unknown, alts: unknown[]): boolean {
  const bt = bfclTypeOf(schema);
  const exp = expectedPy(bt);
  let vt = pyTypeOf(value);
  if (exp === 'float' && vt === 'int') vt = 'float';
  const first = alts.find((a) => a !== '');
  let altT = first === undefined ? undefined : pyTypeOf(first);
  if (exp === 'float' && altT === 'int') altT = 'float';
  let isVariable = false;
  if (vt !== exp) {
    if (altT !== undefined && vt === altT) isVariable = true;
    else return false;
  } else if (altT !== undefined && altT !== exp) {
    isVariable = true;
  }
  if (isVariable) return alts.some((a) => pyEq(a, value));

  if (exp === 'list') {
    const v = value as unknown[];
    const items = isPlainObject(schema) ? schema['items'] : undefined;
    const itemPy = isPlainObject(items) && items['type'] !== undefined ? expectedPy(bfclTypeOf(items)) : undefined;
    if (itemPy !== undefined && !itemsTypeOk(v, alts, itemPy)) return false;
    if (itemPy === 'dict') {
      return alts.some((alt) => Array.isArray(alt) && alt.length === v.length && v.every((e, i) => dictMatches(e, alt[i])));
    }
    const sv = standardizeList(v);
    return alts.some((alt) => {
      const list = alt === '' ? [] : alt;
      return Array.isArray(list) && pyEq(sv, standardizeList(list));
    });
  }
  if (exp === 'dict') return alts.some((alt) => alt !== '' && dictMatches(value, alt));
  if (exp === 'str') {
    const s = standardizeString(value as string);
    return alts.some((a) => typeof a === 'string' && standardizeString(a) === s);
  }
  return alts.some((a) => pyEq(a, value));
}

function requiredOf(tool: Tool | undefined): string[] {
  const r = tool?.parameters['required'];
  return Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : [];
}

/** BFCL's simple checker: one model call against one ground-truth call. */
export function bfclCallMatches(call: Call, gtName: string, gtParams: Record<string, unknown[]>, tool: Tool | undefined): boolean {
  if (call.name !== gtName) return false;
  const args = call.arguments;
  for (const r of requiredOf(tool)) if (!Object.hasOwn(args, r)) return false;
  const props = tool && isPlainObject(tool.parameters['properties']) ? tool.parameters['properties'] : undefined;
  for (const [k, v] of Object.entries(args)) {
    if (props !== undefined && !Object.hasOwn(props, k)) return false;
    if (!Object.hasOwn(gtParams, k)) return false;
    const alts = gtParams[k];
    if (!Array.isArray(alts)) return false;
    if (!valueMatches(v, props?.[k], alts)) return false;
  }
  for (const [k, alts] of Object.entries(gtParams)) {
    if (Object.hasOwn(args, k)) continue;
    if (!(Array.isArray(alts) && alts.includes(''))) return false;
  }
  return true;
}

/** A plain answer as BFCL ground truth: every argument has exactly one acceptable value. */
export function callsToGroundTruth(calls: readonly Call[]): BfclGroundTruth {
  const toAlt = (v: unknown): unknown => {
    if (isPlainObject(v)) {
      const out: Record<string, unknown[]> = {};
      for (const [k, x] of Object.entries(v)) out[k] = [toAlt(x)];
      return out;
    }
    if (Array.isArray(v)) return v.map((e) => (isPlainObject(e) ? toAlt(e) : e));
    return v;
  };
  return calls.map((c) => {
    const params: Record<string, unknown[]> = {};
    for (const [k, v] of Object.entries(c.arguments)) params[k] = [toAlt(v)];
    return { [c.name]: params };
  });
}

/**
 * BFCL's checkers: equal call counts, then every ground-truth call (in order) takes the
 * first unused model call that passes the simple checker (greedy, as BFCL does); for a
 * single expected call this is exactly the simple / multiple checker.
 */
export function matchBfcl(pred: readonly Call[], gt: BfclGroundTruth, tools: readonly Tool[]): MatchResult {
  if (pred.length > gt.length) return { ok: false, reason: 'extra_call' };
  if (pred.length < gt.length) return { ok: false, reason: 'missing_call' };
  const used = new Array<boolean>(pred.length).fill(false);
  for (const entry of gt) {
    const names = Object.keys(entry);
    const gtName = names[0];
    if (gtName === undefined || names.length !== 1) return { ok: false, reason: 'wrong_name' };
    const params = entry[gtName] ?? {};
    const tool = tools.find((t) => t.name === gtName);
    let found = -1;
    for (let i = 0; i < pred.length; i++) {
      const c = pred[i];
      if (!used[i] && c !== undefined && bfclCallMatches(c, gtName, params, tool)) { found = i; break; }
    }
    if (found < 0) {
      const sameName = pred.some((c, i) => !used[i] && c.name === gtName);
      return { ok: false, reason: sameName ? 'wrong_args' : 'wrong_name' };
    }
    used[found] = true;
  }
  return { ok: true };
}

// BFCL's AST checker (bfcl_eval/eval_checker/ast_eval/ast_checker.py), reimplemented rule
// for rule on Python-typed values (pyvalue.ts): per category, the simple / multiple /
// parallel (no order) checkers, the type checker with its "variable" escape and one-level
// nested check, string standardisation, and the Java / JavaScript conversion of string
// arguments. Where BFCL's code would raise (a missing `items`, an unknown type, a value
// of a shape it indexes blindly), PyRaise is thrown: its runner would stop there.

import { JAVA_TYPES, javaTypeConverter } from './bfcl-java.js';
import { JS_TYPES, jsTypeConverter } from './bfcl-js.js';
import { PyRaise, isPyDict, pyEq, pyIn, pyType, toPyFloat } from '../data/pyvalue.js';

export type BfclLanguage = 'python' | 'java' | 'javascript';

/** A function description as BFCL ships it: `{name, parameters: {properties, required}}` with BFCL's type names. */
export type BfclFunction = { name: string; parameters: Record<string, unknown>; description?: string };

/** One decoded model call: BFCL's `{func_name: {param: value}}`. */
export type BfclModelCall = { name: string; args: Record<string, unknown> };

export type BfclCheck = { valid: true } | { valid: false; errorType: string; error: string };

export type BfclCheckOptions = {
  /** BFCL's `underscore_to_dot` model setting: expect `a_b` where a function is named `a.b`. */
  underscoreNames?: boolean;
};

const PYTHON_TYPES: Readonly<Record<string, string>> = {
  string: 'str', integer: 'int', float: 'float', boolean: 'bool', array: 'list', tuple: 'list', dict: 'dict', any: 'str',
};
const PY_NESTED = new Set(['array', 'tuple']);
const CONVERTED_NESTED = new Set(['Array', 'ArrayList', 'array']);

function bad(errorType: string, error: string): BfclCheck {
  return { valid: false, errorType, error };
}

/** Python `d[k]`: KeyError when absent. */
function getKey(d: unknown, k: string, what: string): unknown {
  if (!isPyDict(d)) throw new PyRaise('TypeError', `${what} is not subscriptable by '${k}'`);
  if (!Object.hasOwn(d, k)) throw new PyRaise('KeyError', `'${k}' (${what})`);
  return d[k];
}

function lookup(table: Readonly<Record<string, string>>, t: unknown): string {
  if (typeof t !== 'string' || !Object.hasOwn(table, t)) throw new PyRaise('KeyError', `type ${String(t)}`);
  return table[t] as string;
}

/** Python `len(x)` and `x[j]` over a possible answer's alternative (a list, or a str by char). */
function pySeq(x: unknown): unknown[] {
  if (Array.isArray(x)) return x;
  if (typeof x === 'string') return [...x];
  if (isPyDict(x)) {
    if (Object.keys(x).length === 0) return [];
    throw new PyRaise('KeyError', '0');
  }
  throw new PyRaise('TypeError', `object of type '${pyType(x)}' has no len()`);
}

/** Python `k in x` for the containers a ground truth may hold. */
function pyContains(x: unknown, k: string): boolean {
  if (isPyDict(x)) return Object.hasOwn(x, k);
  if (Array.isArray(x)) return pyIn(k, x);
  if (typeof x === 'string') return x.includes(k);
  throw new PyRaise('TypeError', `argument of type '${pyType(x)}' is not iterable`);
}

export function convertFuncName(name: string, opts: BfclCheckOptions): string {
  return opts.underscoreNames === true && name.includes('.') ? name.replaceAll('.', '_') : name;
}

function possibleAnswerType(alts: unknown[]): string | undefined {
  for (const a of alts) if (!pyEq(a, '')) return pyType(a);
  return undefined;
}

type TypeCheck = { valid: boolean; isVariable: boolean; errorType?: string };

function typeChecker(value: unknown, alts: unknown[], expected: string, nested: string | undefined): TypeCheck {
  let isVariable = false;
  const pat = possibleAnswerType(alts);
  if (pat !== undefined && pat !== expected) isVariable = true;
  let nestedFailed = false;
  if (pyType(value) === expected) {
    if (nested === undefined) return { valid: true, isVariable };
    for (const item of alts) {
      let flag = true;
      if (Array.isArray(item)) {
        for (const v of value as unknown[]) {
          if (!typeChecker(v, item, nested, undefined).valid) { flag = false; break; }
        }
      }
      if (flag) return { valid: true, isVariable };
    }
    nestedFailed = true;
  }
  if (pat !== undefined && pyType(value) === pat) {
    // BFCL returns its running result here: still invalid when the nested check failed.
    return nestedFailed ? { valid: false, isVariable: true, errorType: 'type_error:nested' } : { valid: true, isVariable: true };
  }
  return { valid: false, isVariable: false, errorType: nestedFailed ? 'type_error:nested' : 'type_error:simple' };
}

/** BFCL's standardize_string: drop spaces and , . / - _ * ^, lowercase, ' -> ". */
export function standardizeString(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === ' ' || ch === ',' || ch === '.' || ch === '/' || ch === '-' || ch === '_' || ch === '*' || ch === '^') continue;
    out += ch;
  }
  return out.toLowerCase().replaceAll("'", '"');
}

function std(v: unknown): unknown {
  return typeof v === 'string' ? standardizeString(v) : v;
}

function stringChecker(value: string, alts: unknown[]): boolean {
  const s = standardizeString(value);
  return alts.some((a) => typeof a === 'string' && standardizeString(a) === s);
}

function listChecker(value: unknown[], alts: unknown[]): boolean {
  const v = value.map(std);
  const stdAlts = alts.map((a) => pySeq(a).map(std));
  return stdAlts.some((a) => pyEq(a, v));
}

function dictChecker(value: unknown, alts: unknown[]): boolean {
  for (const alt of alts) {
    if (pyEq(alt, '')) continue;
    let flag = true;
    if (!isPyDict(value)) throw new PyRaise('AttributeError', `'${pyType(value)}' object has no attribute 'items'`);
    for (const [k, v] of Object.entries(value)) {
      if (!pyContains(alt, k)) { flag = false; break; }
      const accepted = pySeq(getKeyAny(alt, k)).map(std);
      if (!pyIn(std(v), accepted)) { flag = false; break; }
    }
    // BFCL runs this second loop even after the first one failed (so its errors still raise).
    if (!isPyDict(alt)) throw new PyRaise('AttributeError', `'${pyType(alt)}' object has no attribute 'items'`);
    for (const [k, accepted] of Object.entries(alt)) {
      if (!Object.hasOwn(value, k) && !pyContains(accepted, '')) { flag = false; break; }
    }
    if (flag) return true;
  }
  return false;
}

/** `alt[k]` where `k in alt` already held: a dict lookup, else Python's indexing error. */
function getKeyAny(alt: unknown, k: string): unknown {
  if (isPyDict(alt)) return alt[k];
  throw new PyRaise('TypeError', `${pyType(alt)} indices must be integers or slices, not str`);
}

function listDictChecker(value: unknown[], alts: unknown[]): boolean {
  for (const alt of alts) {
    const seq = pySeq(alt);
    if (value.length !== seq.length) continue;
    let flag = true;
    for (let d = 0; d < value.length; d++) {
      if (!dictChecker(value[d], [seq[d]])) { flag = false; break; }
    }
    if (flag) return true;
  }
  return false;
}

function convertValue(value: unknown, desc: string, details: unknown, lang: BfclLanguage):
  { value: unknown; expected: string; nested: string | undefined } | BfclCheck {
  if (lang === 'python') {
    const expected = lookup(PYTHON_TYPES, desc);
    let nested: string | undefined;
    if (PY_NESTED.has(desc)) nested = lookup(PYTHON_TYPES, getKey(getKey(details, 'items', 'parameter'), 'type', 'items'));
    // BFCL lets an int stand for a float, at the top level only.
    const v = desc === 'float' && pyType(value) === 'int' ? toPyFloat(value as number | bigint) : value;
    return { value: v, expected, nested };
  }
  const table = lang === 'java' ? JAVA_TYPES : JS_TYPES;
  const expected = lookup(table, desc);
  if (typeof value !== 'string') {
    return bad(lang === 'java' ? 'type_error:java' : 'type_error:js', `expected a String of ${lang} source, got ${pyType(value)}`);
  }
  const convert = lang === 'java' ? javaTypeConverter : jsTypeConverter;
  if (CONVERTED_NESTED.has(desc)) {
    const nestedType = getKey(getKey(details, 'items', 'parameter'), 'type', 'items');
    const nested = lookup(table, nestedType);
    return { value: convert(value, desc, nestedType as string), expected, nested };
  }
  return { value: convert(value, desc), expected, nested: undefined };
}

/** BFCL's simple_function_checker: one model call against one ground-truth call. */
export function simpleFunctionChecker(fn: BfclFunction | undefined, call: BfclModelCall, possibleAnswer: Record<string, unknown>,
  lang: BfclLanguage, opts: BfclCheckOptions = {}): BfclCheck {
  const gtParams = Object.values(possibleAnswer)[0];
  if (fn === undefined) throw new PyRaise('TypeError', "'NoneType' object is not subscriptable");
  const props = getKey(fn.parameters, 'properties', 'parameters');
  const required = getKey(fn.parameters, 'required', 'parameters');
  const name = convertFuncName(fn.name, opts);
  if (call.name !== name) return bad('simple_function_checker:wrong_func_name', `Function name '${name}' not found in model output.`);
  const params = call.args;
  for (const r of pySeq(required)) {
    if (typeof r === 'string' && !Object.hasOwn(params, r)) return bad('simple_function_checker:missing_required', `Missing required parameter: '${r}'.`);
  }
  for (const [param, raw] of Object.entries(params)) {
    if (!pyContains(props, param) || !pyContains(gtParams, param)) {
      return bad('simple_function_checker:unexpected_param', `Unexpected parameter: '${param}'.`);
    }
    const details = getKey(props, param, 'properties');
    const desc = getKey(details, 'type', param);
    const conv = convertValue(raw, desc as string, details, lang);
    if ('valid' in conv) return conv;
    const { value, expected, nested } = conv;
    const alts = pySeq(getKey(gtParams, param, 'ground truth'));
    const tc = typeChecker(value, alts, expected, nested);
    if (!tc.valid) return bad(tc.errorType ?? 'type_error:simple', `Incorrect type for parameter '${param}'.`);
    if (!tc.isVariable) {
      if (expected === 'dict') {
        if (!dictChecker(value, alts)) return bad('value_error:dict_value', `Invalid value for parameter '${param}'.`);
        continue;
      }
      if (expected === 'list' && nested === 'dict') {
        if (!listDictChecker(value as unknown[], alts)) return bad('value_error:list_dict', `Invalid value for parameter '${param}'.`);
        continue;
      }
      if (expected === 'str') {
        if (!stringChecker(value as string, alts)) return bad('value_error:string', `Invalid value for parameter '${param}'.`);
        continue;
      }
      if (expected === 'list') {
        if (!listChecker(value as unknown[], alts)) return bad('value_error:list/tuple', `Invalid value for parameter '${param}'.`);
        continue;
      }
    }
    if (!pyIn(value, alts)) return bad('value_error:others', `Invalid value for parameter '${param}'.`);
  }
  if (!isPyDict(gtParams)) throw new PyRaise('TypeError', 'ground truth parameters are not a dict');
  for (const [param, alts] of Object.entries(gtParams)) {
    if (!Object.hasOwn(params, param) && !pyContains(alts, '')) {
      return bad('simple_function_checker:missing_optional', `Optional parameter '${param}' not provided and not marked as optional.`);
    }
  }
  return { valid: true };
}

function findDescription(fns: readonly BfclFunction[], name: string): BfclFunction | undefined {
  return fns.find((f) => f.name === name);
}

function firstKey(entry: unknown): string {
  if (!isPyDict(entry)) throw new PyRaise('AttributeError', 'ground truth entry is not a dict');
  const k = Object.keys(entry)[0];
  if (k === undefined) throw new PyRaise('IndexError', 'list index out of range');
  return k;
}

/**
 * BFCL's ast_checker: `category` is BFCL's test category name ("simple_python",
 * "live_parallel_multiple", ...); "parallel" in it -> no-order parallel checker,
 * "multiple" -> the first call against the first ground truth, else the simple checker
 * against the first function description.
 */
export function astChecker(fns: readonly BfclFunction[], output: readonly BfclModelCall[], groundTruth: readonly unknown[],
  lang: BfclLanguage, category: string, opts: BfclCheckOptions = {}): BfclCheck {
  if (category.includes('parallel')) {
    if (output.length !== groundTruth.length) return bad('parallel_function_checker_no_order:wrong_count', 'Wrong number of functions.');
    const matched = new Set<number>();
    for (const gt of groundTruth) {
      const fn = findDescription(fns, firstKey(gt));
      let found = false;
      for (let i = 0; i < output.length; i++) {
        if (matched.has(i)) continue;
        if (simpleFunctionChecker(fn, output[i] as BfclModelCall, gt as Record<string, unknown>, lang, opts).valid) {
          matched.add(i);
          found = true;
          break;
        }
      }
      if (!found) return bad('parallel_function_checker_no_order:cannot_find_match', 'Could not find a matching function.');
    }
    return { valid: true };
  }
  if (category.includes('multiple')) {
    if (output.length !== groundTruth.length) return bad('multiple_function_checker:wrong_count', 'Wrong number of functions.');
    const gt = groundTruth[0];
    return simpleFunctionChecker(findDescription(fns, firstKey(gt)), output[0] as BfclModelCall, gt as Record<string, unknown>, lang, opts);
  }
  if (output.length !== 1) return bad('simple_function_checker:wrong_count', 'Wrong number of functions.');
  const gt = groundTruth[0];
  if (gt === undefined) throw new PyRaise('IndexError', 'list index out of range');
  return simpleFunctionChecker(fns[0], output[0] as BfclModelCall, gt as Record<string, unknown>, lang, opts);
}

// BFCL's Java type converter, reimplemented: a model answers a Java parameter with a string
// of Java source ("42L", "new ArrayList<>(Arrays.asList(1, 2))"); the checker turns it into
// a Python value before comparing. A string that does not parse stays a string (BFCL's
// "default to string"), so it fails the later type or value check rather than erroring.
// Regular expressions here run on short argument strings and mirror BFCL's own (same
// backtracking semantics); Python's `\d` and `\w` are Unicode-aware, hence the u flag.

import { PyFloat, PyRaise, pyFloat, pyFullMatch, pyInt, pySliceInner, pyStr, pyStrip } from '../data/pyvalue.js';

/** Java type name -> the Python type BFCL's checker expects after conversion. */
export const JAVA_TYPES: Readonly<Record<string, string>> = {
  byte: 'int', short: 'int', integer: 'int', float: 'float', double: 'float', long: 'int',
  boolean: 'bool', char: 'str', Array: 'list', ArrayList: 'list', Set: 'set', HashMap: 'dict',
  Hashtable: 'dict', Queue: 'list', Stack: 'list', String: 'str', any: 'str',
};

const INT = /^-?\p{Nd}+$/u;
const FLOAT_F = /^-?\p{Nd}+(\.\p{Nd}+)?([eE][+-]?\p{Nd}+)?[fF]$/u;
const DOUBLE = /^-?\p{Nd}+(\.\p{Nd}+)?([eE][+-]?\p{Nd}+)?$/u;
const LONG = /^-?\p{Nd}+[lL]$/u;

/** Python `re.sub(r"[xX]$", "", s)`: `$` also matches before a final newline. */
function dropSuffix(s: string, letters: string): string {
  if (s.length >= 1 && letters.includes(s.slice(-1))) return s.slice(0, -1);
  if (s.endsWith('\n') && s.length >= 2 && letters.includes(s.slice(-2, -1))) return s.slice(0, -2) + '\n';
  return s;
}

export function javaTypeConverter(value: string, expected: string, nested?: string): unknown {
  if (!Object.hasOwn(JAVA_TYPES, expected)) throw new PyRaise('ValueError', `Unsupported type: ${expected}`);
  switch (expected) {
    case 'byte': case 'short': case 'integer':
      return pyFullMatch(INT, value) ? pyInt(value) : pyStr(value);
    case 'float':
      return pyFullMatch(FLOAT_F, value) ? pyFloat(dropSuffix(value, 'fF')) : pyStr(value);
    case 'double':
      return pyFullMatch(DOUBLE, value) ? pyFloat(value) : pyStr(value);
    case 'long':
      return pyFullMatch(LONG, value) ? pyInt(dropSuffix(value, 'lL')) : pyStr(value);
    case 'boolean':
      return value === 'true' || value === 'false' ? value === 'true' : pyStr(value);
    case 'char':
      // BFCL's pattern `^\'.$\'` can never match (a quote after `$`): chars stay strings.
      return pyStr(value);
    case 'Array': return parseArray(value, nested);
    case 'ArrayList': return parseArrayList(value, nested);
    case 'HashMap': return parseHashMap(value);
    case 'Set': case 'Hashtable': case 'Queue': case 'Stack':
      throw new PyRaise('NotImplementedError', `${expected} conversion is not implemented`);
    default: // String, any
      return pyStr(value);
  }
}

function element(s: string, nested: string | undefined): unknown {
  if (nested === 'char' || nested === 'String') return pySliceInner(s);
  return nested ? javaTypeConverter(s, nested) : parseJavaValue(s);
}

const AS_LIST = /new\s+ArrayList<[\p{L}\p{N}_]*>\(Arrays\.asList\(([^\n]+?)\)\)/u;
const ADDS = /new\s+ArrayList<[\p{L}\p{N}_]*>\(\)\s*\{\{\s*(.+?)\s*\}\}/su;
const ADD = /add\(([^\n]+?)\)/gu;
const EMPTY_LIST = /new\s+ArrayList<[\p{L}\p{N}_]*>\(\)/u;

function parseArrayList(s: string, nested: string | undefined): unknown {
  const a = AS_LIST.exec(s);
  if (a) return (a[1] as string).split(',').map((e) => element(pyStrip(e), nested));
  const b = ADDS.exec(s);
  if (b) return [...(b[1] as string).matchAll(ADD)].map((m) => element(pyStrip(m[1] as string), nested));
  if (EMPTY_LIST.test(s)) return [];
  return s;
}

const ARRAY = /new\s+[\p{L}\p{N}_]+\[\]\s*\{([^\n]*?)\}/u;

function parseArray(s: string, nested: string | undefined): unknown {
  const m = ARRAY.exec(s);
  if (!m) return s;
  const parts = (m[1] as string).split(',').filter((x) => pyStrip(x) !== '');
  return parts.map((x) => (nested ? javaTypeConverter(pyStrip(x), nested) : parseJavaValue(pyStrip(x))));
}

const HASHMAP = /new\s+HashMap<.*?>\s*\(\)\s*\{\s*\{?\s*(.*?)\s*\}?\s*\}/su;
const PUT = /put\("([^\n]*?)",\s*([^\n]*?)\)/gu;
const EMPTY_MAP = /new\s+HashMap<[^\n]*?>\s*\(\)/u;

function parseHashMap(s: string): unknown {
  const m = HASHMAP.exec(s);
  if (m) {
    const out = Object.create(null) as Record<string, unknown>;
    const puts = m[1] as string;
    if (pyStrip(puts) !== '') for (const p of puts.matchAll(PUT)) out[p[1] as string] = parseJavaValue(pyStrip(p[2] as string));
    return out;
  }
  if (EMPTY_MAP.test(s)) return Object.create(null) as Record<string, unknown>;
  return s;
}

/** BFCL's parse_java_value: a Java literal without a declared type. */
export function parseJavaValue(s: string): unknown {
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s.startsWith('"') && s.endsWith('"')) return pySliceInner(s);
  if (pyFullMatch(LONG, s)) return pyInt([...s].slice(0, -1).join(''));
  if (pyFullMatch(FLOAT_F, s)) return pyFloat(dropSuffix(s, 'fF'));
  try {
    return pyInt(s);
  } catch {
    try {
      return pyFloat(s);
    } catch {
      return s;
    }
  }
}

export { PyFloat };

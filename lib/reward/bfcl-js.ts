// BFCL's JavaScript type converter, reimplemented: JS parameters are answered as strings of
// JS source ("[1, 2]", "{'a': 1}", "12n") and turned into Python values before the check.
// Unparsable text stays a string; errors inside array and object parsing fall back to the
// text, as BFCL's try/except does.

import { PyRaise, pyFloat, pyFullMatch, pyInt, pySliceInner, pyStr, pyStrip } from '../data/pyvalue.js';

export const JS_TYPES: Readonly<Record<string, string>> = {
  String: 'str', integer: 'int', float: 'float', Bigint: 'int', Boolean: 'bool', dict: 'dict', array: 'list', any: 'str',
};

const INT = /^-?\p{Nd}+$/u;
const FLOAT = /^-?\p{Nd}+(\.\p{Nd}+)?$/u;
const BIGINT = /^-?\p{Nd}+n$/u;

function quoted(s: string): boolean {
  return (s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'"));
}

export function jsTypeConverter(value: string, expected: string, nested?: string): unknown {
  if (!Object.hasOwn(JS_TYPES, expected)) throw new PyRaise('ValueError', `Unsupported type: ${expected}`);
  switch (expected) {
    case 'String': return quoted(value) ? pySliceInner(value) : pyStr(value);
    case 'integer': return pyFullMatch(INT, value) ? pyInt(value) : pyStr(value);
    case 'float': return pyFullMatch(FLOAT, value) ? pyFloat(value) : pyStr(value);
    case 'Bigint': return pyFullMatch(BIGINT, value) ? pyInt([...value].slice(0, -1).join('')) : pyStr(value);
    case 'Boolean': return value === 'true' || value === 'false' ? value === 'true' : pyStr(value);
    case 'dict': return parseJsCollection(value, 'dict', nested);
    case 'array': return parseJsCollection(value, 'array', nested);
    default: return pyStr(value); // any
  }
}

const ARRAY_2D = /^(?:\[\s*\[[^\n]*?\]\s*(,\s*\[[^\n]*?\]\s*)*\]|\bnew\s+Array\(\s*\[[^\n]*?\]\s*(,\s*\[[^\n]*?\]\s*)*\))/u;
const ARRAY_1D = /^(?:\[([^\n]*?)\]|\bnew\s+Array\(([^\n]*?)\))/u;
const INNER = /\[([^\n]*?)\]/gu;
const DICT = /^\{([^\n]*?)\}/u;
const PAIR = /([^:]+):\s*([^\n]*?)(?:,\s*(?=[^,]+:)|$)/gu;

function parseArrayText(code: string, nested: string | undefined): unknown {
  const two = ARRAY_2D.exec(code);
  if (two) {
    return [...(two[0]).matchAll(INNER)].map((m, idx) => {
      let inner = pyStrip(m[1] as string);
      if (idx === 0 && inner.startsWith('[')) inner = inner.slice(1);
      return inner.split(',').map((e) => parseJsValue(pyStrip(e)));
    });
  }
  const one = ARRAY_1D.exec(code);
  if (!one) return code;
  const body = one[1] !== undefined ? one[1] : one[2];
  const s = body === undefined ? '' : pyStrip(body);
  const parts = s === '' ? [] : s.split(',');
  if (nested) {
    return parts.map((e) => {
      const t = pyStrip(e);
      return t.startsWith("'") || t.startsWith('"') ? jsTypeConverter(t, nested, 'String') : jsTypeConverter(t, nested);
    });
  }
  return parts.map((e) => parseJsValue(pyStrip(e)));
}

export function parseJsCollection(code0: string, kind: 'array' | 'dict', nested?: string): unknown {
  const code = pyStrip(code0);
  if (kind === 'array') {
    try {
      return parseArrayText(code, nested);
    } catch {
      return code; // BFCL: bare except -> the text
    }
  }
  if (code === '{}') return Object.create(null) as Record<string, unknown>;
  const m = DICT.exec(code);
  if (!m) return code;
  try {
    const out = Object.create(null) as Record<string, unknown>;
    for (const p of (m[1] as string).matchAll(PAIR)) {
      const key = pyStrip(pyStrip(p[1] as string), '\'"');
      const value = pyStrip(p[2] as string);
      if (value.startsWith('[') && value.endsWith(']')) out[key] = parseJsCollection(value, 'array');
      else if (value.startsWith('{') && value.endsWith('}')) out[key] = parseJsCollection(value, 'dict');
      else out[key] = parseJsValue(pyStrip(value, '\'"'));
    }
    return out;
  } catch {
    return code;
  }
}

/** BFCL's parse_js_value: a JS literal without a declared type. */
export function parseJsValue(s0: string): unknown {
  const s = pyStrip(s0);
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (quoted(s)) return pySliceInner(s);
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

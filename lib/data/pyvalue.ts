// Python values as BFCL's checker sees them, in JS. JSON.parse turns `5` and `5.0` into the
// same number; Python's json.loads gives an int and a float, and BFCL's checker compares
// types with `type(x) == int`. So model text and ground truths are parsed here with the
// number's spelling kept: a literal with `.`, an exponent, NaN or Infinity is a PyFloat;
// any other number is an int (a JS number when it is a safe integer, else a bigint).
// Values that came from JSON.parse (a plain number) count as int when integral and float
// otherwise: the best that text-less JSON allows.

/** A Python float. Wrapped so that `5.0` stays apart from the int `5`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyType = 'str' | 'int' | 'float' | 'bool' | 'list' | 'dict' | 'NoneType' | 'other';

/** The checker could not go on: Python would have raised `name` (BFCL's runner stops there). */
export class PyRaise extends Error {
  constructor(readonly pyName: string, message: string) {
    super(`${pyName}: ${message}`);
  }
}

export type PyDict = Record<string, unknown>;

export function isPyDict(v: unknown): v is PyDict {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof PyFloat) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Python's `type(v).__name__` for a parsed JSON value. */
export function pyType(v: unknown): PyType {
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (isPyDict(v)) return 'dict';
  return 'other';
}

/** Numeric value of a bool, int or float (Python's numeric tower: True == 1 == 1.0). */
function numeric(v: unknown): number | bigint | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

function numEq(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  const big = (typeof a === 'bigint' ? a : b) as bigint;
  const num = (typeof a === 'bigint' ? b : a) as number;
  return Number.isInteger(num) && BigInt(num) === big;
}

/** Python `a == b` for parsed JSON values. */
export function pyEq(a: unknown, b: unknown): boolean {
  const na = numeric(a);
  if (na !== undefined) {
    const nb = numeric(b);
    return nb !== undefined && numEq(na, nb);
  }
  if (typeof a === 'string') return a === b;
  if (a === null) return b === null;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a[i], b[i])) return false;
    return true;
  }
  if (isPyDict(a)) {
    if (!isPyDict(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!Object.hasOwn(b, k) || !pyEq(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** Python `x in list`. */
export function pyIn(x: unknown, list: readonly unknown[]): boolean {
  return list.some((e) => pyEq(e, x));
}

// Python's str.strip() whitespace (str.isspace), which differs from String.prototype.trim.
const PY_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029,
  0x202f, 0x205f, 0x3000]);

/** Python `s.strip(chars)` (whitespace when `chars` is omitted). */
export function pyStrip(s: string, chars?: string): string {
  const drop = (c: string): boolean => (chars === undefined ? PY_SPACE.has(c.codePointAt(0) as number) : chars.includes(c));
  const cs = [...s];
  let i = 0;
  let j = cs.length;
  while (i < j && drop(cs[i] as string)) i++;
  while (j > i && drop(cs[j - 1] as string)) j--;
  return cs.slice(i, j).join('');
}

/** Python `s[1:-1]` (by code point). */
export function pySliceInner(s: string): string {
  return [...s].slice(1, -1).join('');
}

/** Python's `re.match(r"^...$", s)`: `$` also matches before one final newline. */
export function pyFullMatch(re: RegExp, s: string): boolean {
  return re.test(s) || (s.endsWith('\n') && re.test(s.slice(0, -1)));
}

const ND = /^\p{Nd}$/u;

/** A Unicode decimal digit's value (Nd digits come in contiguous runs of ten from 0). */
function digitValue(ch: string): number {
  let cp = ch.codePointAt(0) as number;
  let n = 0;
  while (ND.test(String.fromCodePoint(cp - 1))) { cp--; n++; }
  return n % 10;
}

function asciiDigits(s: string): string {
  let out = '';
  for (const ch of s) out += ch >= '0' && ch <= '9' ? ch : ND.test(ch) ? String(digitValue(ch)) : ch;
  return out;
}

const PY_INT = /^[+-]?[0-9](?:_?[0-9])*$/;

/** Python `int(s)` for a str (base 10); raises ValueError as Python does. */
export function pyInt(s: string): number | bigint {
  const t = asciiDigits(pyStrip(s));
  if (!PY_INT.test(t)) throw new PyRaise('ValueError', `invalid literal for int() with base 10: '${s}'`);
  const big = BigInt(t.replaceAll('_', ''));
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

const D = '[0-9](?:_?[0-9])*';
const PY_FLOAT = new RegExp(`^[+-]?(?:(?:${D}(?:\\.(?:${D})?)?|\\.${D})(?:[eE][+-]?${D})?|inf|infinity|nan)$`, 'i');

/** Python `float(s)` for a str; raises ValueError as Python does. */
export function pyFloat(s: string): PyFloat {
  const t = asciiDigits(pyStrip(s));
  if (!PY_FLOAT.test(t)) throw new PyRaise('ValueError', `could not convert string to float: '${s}'`);
  const u = t.replaceAll('_', '').toLowerCase();
  const sign = u.startsWith('-') ? -1 : 1;
  const body = u.replace(/^[+-]/, '');
  if (body === 'inf' || body === 'infinity') return new PyFloat(sign * Infinity);
  if (body === 'nan') return new PyFloat(NaN);
  return new PyFloat(Number(u));
}

/** Python `float(v)` for an int value. */
export function toPyFloat(v: number | bigint): PyFloat {
  return new PyFloat(Number(v));
}

/** Python `str(v)` for the values the converters pass along (strings in practice). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof PyFloat) return Number.isInteger(v.value) ? `${v.value}.0` : String(v.value);
  return JSON.stringify(v);
}

/** Python `repr(x)` (= `str(x)`) of a float: shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${int}.${frac === '' ? '0' : frac}`;
}

// Python's json.loads, in JS: the same grammar (NaN, Infinity and -Infinity allowed, no
// control characters in strings, only space/tab/CR/LF as whitespace, last duplicate key
// wins) and the same value types, so `5.0` parses to a PyFloat and `5` to an int. Never
// throws; linear time; nesting is bounded (deeper text is refused, as a recursion limit).

import { PyFloat } from './pyvalue.js';

export const PY_JSON_MAX_DEPTH = 256;

export type PyJsonResult = { ok: true; value: unknown } | { ok: false; error: string };

class Fail extends Error {}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  fail(what: string): never {
    throw new Fail(`${what} at char ${this.i}`);
  }

  ws(): void {
    for (;;) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else return;
    }
  }

  value(depth: number): unknown {
    if (depth > PY_JSON_MAX_DEPTH) this.fail('nesting too deep');
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (this.s.startsWith('true', this.i)) { this.i += 4; return true; }
    if (this.s.startsWith('false', this.i)) { this.i += 5; return false; }
    if (this.s.startsWith('null', this.i)) { this.i += 4; return null; }
    if (this.s.startsWith('NaN', this.i)) { this.i += 3; return new PyFloat(NaN); }
    if (this.s.startsWith('Infinity', this.i)) { this.i += 8; return new PyFloat(Infinity); }
    if (this.s.startsWith('-Infinity', this.i)) { this.i += 9; return new PyFloat(-Infinity); }
    return this.number();
  }

  number(): unknown {
    const m = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (r === null) this.fail('expecting value');
    this.i += r[0].length;
    if (r[1] !== undefined || r[2] !== undefined) return new PyFloat(Number(r[0]));
    const n = Number(r[0]);
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
    return BigInt(r[0]);
  }

  string(): string {
    this.i++; // opening quote
    let out = '';
    let start = this.i;
    for (;;) {
      if (this.i >= this.s.length) this.fail('unterminated string');
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        out += this.s.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail('invalid control character');
      if (c === 0x5c) {
        out += this.s.slice(start, this.i);
        const e = this.s[this.i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.i += 2;
        } else if (e === 'u') {
          const hex = this.s.slice(this.i + 2, this.i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\uXXXX escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.i += 6;
        } else {
          this.fail('invalid escape');
        }
        start = this.i;
        continue;
      }
      this.i++;
    }
  }

  array(depth: number): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.i] === ']') { this.i++; return out; }
    for (;;) {
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail("expecting ',' delimiter");
    }
  }

  object(depth: number): Record<string, unknown> {
    this.i++;
    const out = Object.create(null) as Record<string, unknown>;
    this.ws();
    if (this.s[this.i] === '}') { this.i++; return out; }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expecting property name enclosed in double quotes');
      const k = this.string();
      this.ws();
      if (this.s[this.i++] !== ':') this.fail("expecting ':' delimiter");
      // Python keeps the first position of a repeated key and the last value.
      out[k] = this.value(depth + 1);
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail("expecting ',' delimiter");
    }
  }
}

/** `json.loads(text)` with Python's value types. Never throws. */
export function pyJsonParse(text: string): PyJsonResult {
  if (typeof text !== 'string') return { ok: false, error: 'not a string' };
  const p = new Parser(text);
  try {
    const value = p.value(0);
    p.ws();
    if (p.i !== text.length) p.fail('extra data');
    return { ok: true, value };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.message };
    throw e;
  }
}

/** JSON text that pyJsonParse reads back with the same types (floats keep a `.0`). */
export function pyJsonStringify(v: unknown): string {
  if (v instanceof PyFloat) {
    const x = v.value;
    if (Number.isNaN(x)) return 'NaN';
    if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
    const s = String(x);
    return /[.eE]/.test(s) ? s : `${s}.0`;
  }
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(pyJsonStringify).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${pyJsonStringify(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

// JSON parsing that is safe for untrusted text: never throws, linear time, bounded
// nesting (so that no later recursive walk can overflow the stack), and keys that could
// reach an object prototype through careless copying (`__proto__`, `constructor`,
// `prototype`) are refused rather than materialised.

export const MAX_JSON_DEPTH = 256;

const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonResult =
  | { ok: true; value: unknown }
  | { ok: false; error: 'syntax' | 'depth' | 'unsafe_key'; message: string };

/** Maximum bracket nesting of a JSON text, ignoring brackets inside strings. One pass. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return max;
}

/** Parse `text` as JSON without ever throwing. */
export function safeJsonParse(text: string, maxDepth = MAX_JSON_DEPTH): JsonResult {
  if (jsonDepth(text, maxDepth) > maxDepth) {
    return { ok: false, error: 'depth', message: `nesting deeper than ${maxDepth}` };
  }
  let unsafe: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, function reviver(key, v) {
      if (unsafe === undefined && UNSAFE_KEYS.has(key) && !Array.isArray(this)) unsafe = key;
      return v;
    });
  } catch (e) {
    return { ok: false, error: 'syntax', message: e instanceof Error ? e.message : String(e) };
  }
  if (unsafe !== undefined) {
    return { ok: false, error: 'unsafe_key', message: `key "${unsafe}" is not allowed` };
  }
  return { ok: true, value };
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Copy of a plain-data value with keys sorted (for canonical comparison), or the value itself. */
export function canonicalJson(x: unknown): string {
  return JSON.stringify(sortKeys(x));
}

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (isPlainObject(x)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) {
      Object.defineProperty(out, k, { value: sortKeys(x[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return x;
}

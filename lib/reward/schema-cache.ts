// ajv validators for tool argument schemas, compiled once per schema and cached: by object
// identity (WeakMap) first, then by a stable JSON string so that equal schemas loaded as
// different objects (one task per JSONL line) share one compiled validator.

import { Ajv, type ValidateFunction } from 'ajv';
import { canonicalJson, isPlainObject } from '../data/json.js';

// Tool schemas come from many sources (BFCL, API-Bank, users): accept unknown keywords
// and formats instead of refusing to compile them.
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false, logger: false });

type Entry = { validate: ValidateFunction | null };

const byObject = new WeakMap<object, Entry>();
const byKey = new Map<string, Entry & { schema: object }>();
const MAX_KEYS = 4096;
let compiled = 0;

/** How many validators were compiled so far (for tests and diagnostics). */
export function compiledValidatorCount(): number {
  return compiled;
}

function compile(schema: Record<string, unknown>): Entry & { schema: object } {
  // Our own copy, without $id/$schema (two tools with the same $id must not collide,
  // and draft-2020 tool schemas should still validate what draft-07 understands).
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) if (k !== '$id' && k !== '$schema') copy[k] = v;
  compiled++;
  try {
    return { validate: ajv.compile(copy), schema: copy };
  } catch {
    return { validate: null, schema: copy };
  }
}

function entryFor(schema: Record<string, unknown>): Entry {
  const hit = byObject.get(schema);
  if (hit) return hit;
  let key: string;
  try {
    key = canonicalJson(schema);
  } catch {
    const e = { validate: null };
    byObject.set(schema, e);
    return e;
  }
  let entry = byKey.get(key);
  if (entry === undefined) {
    entry = compile(schema);
    if (byKey.size >= MAX_KEYS) {
      const oldest = byKey.keys().next();
      if (!oldest.done) {
        const old = byKey.get(oldest.value);
        byKey.delete(oldest.value);
        if (old) ajv.removeSchema(old.schema);
      }
    }
    byKey.set(key, entry);
  }
  byObject.set(schema, entry);
  return entry;
}

/**
 * Whether `args` validates against the JSON Schema `schema`. A schema that does not
 * compile validates nothing (false).
 */
export function validateArgs(schema: unknown, args: unknown): boolean {
  if (!isPlainObject(schema)) return false;
  const { validate } = entryFor(schema);
  if (validate === null) return false;
  try {
    return validate(args) === true;
  } catch {
    return false;
  }
}

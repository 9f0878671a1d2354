// From the catalogue to task pieces: an API's JSON Schema tool, and one call drawn from a
// template with values from a pool, together with the query text that says it.

import type { Call, Tool } from '../types.js';
import { DOMAINS, type DomainName, type DomainSplit } from './domains.js';
import { pick, type Rng } from '../../util/prng.js';
import type { ApiSpec, ParamSpec } from './spec.js';

/** The values a split may use, per domain. */
export type Pools = Readonly<Record<DomainName, readonly (string | number)[]>>;

export function poolsOf(split: Record<DomainName, DomainSplit>, side: 'train' | 'test'): Pools {
  const out = {} as Record<DomainName, (string | number)[]>;
  for (const k of Object.keys(split) as DomainName[]) out[k] = split[k][side];
  return out;
}

function paramSchema(p: ParamSpec): Record<string, unknown> {
  switch (p.type) {
    case 'enum': return { type: 'string', description: p.description, enum: Object.keys(p.values) };
    case 'boolean': return { type: 'boolean', description: p.description };
    case 'array': return { type: 'array', description: p.description, items: { type: DOMAINS[p.domain].kind }, minItems: 1 };
    default: return { type: p.type, description: p.description };
  }
}

/** The tool as a task offers it: name, description, JSON Schema of the arguments. */
export function toolOf(api: ApiSpec): Tool {
  const properties: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(api.params)) properties[name] = paramSchema(p);
  return {
    name: api.name,
    description: api.description,
    parameters: { type: 'object', properties, required: [...api.required], additionalProperties: false },
  };
}

/** The `{slot}` names of a template, in order of appearance. */
export function slotsOf(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
}

function listText(xs: readonly (string | number)[]): string {
  if (xs.length <= 1) return xs.map(String).join('');
  return `${xs.slice(0, -1).join(', ')} and ${String(xs[xs.length - 1])}`;
}

/** Params drawing from the same values (origin/destination, from/to) must differ in one call. */
// (Booleans have no key: two boolean params may well both be true.)
function valueKey(p: Exclude<ParamSpec, { type: 'boolean' }>): string {
  return p.type === 'enum' ? `enum:${Object.keys(p.values).join('|')}` : `domain:${p.domain}`;
}

/** A value of `pool` not in `taken`: rejection, since `taken` holds a handful at most. */
function pickFresh<T>(r: Rng, pool: readonly T[], taken: ReadonlySet<unknown>): T | undefined {
  if (pool.every((x) => taken.has(x))) return undefined;
  for (;;) {
    const x = pick(r, pool);
    if (!taken.has(x)) return x;
  }
}

export type DrawnCall = { call: Call; text: string; synonyms: number; decimals: number };

/**
 * Fill `template` for `api`: each slot gets a value (from `pools` for domain params) and
 * its wording. `synonyms` counts enum and boolean slots whose wording is not the value
 * itself, `decimals` the non-integer numbers the model must copy (difficulty features).
 */
export function drawCall(api: ApiSpec, template: string, pools: Pools, r: Rng): DrawnCall {
  const args: Record<string, unknown> = {};
  const used = new Map<string, Set<unknown>>();
  let synonyms = 0;
  let decimals = 0;
  let text = template;
  for (const slot of slotsOf(template)) {
    const p = api.params[slot];
    if (p === undefined) throw new Error(`template of ${api.name} names unknown slot {${slot}}`);
    const key = p.type === 'boolean' ? undefined : valueKey(p);
    const taken = key === undefined ? new Set<unknown>() : (used.get(key) ?? new Set<unknown>());
    if (key !== undefined) used.set(key, taken);
    let value: unknown;
    let words: string;
    if (p.type === 'enum') {
      const options = Object.keys(p.values).filter((v) => !taken.has(v));
      const v = pick(r, options);
      words = pick(r, p.values[v] ?? [v]);
      value = v;
      if (words !== v) synonyms++;
    } else if (p.type === 'boolean') {
      const v = r() < 0.5;
      words = pick(r, p.say[v ? 'true' : 'false']);
      value = v;
      synonyms++;
    } else if (p.type === 'array') {
      const items: (string | number)[] = [];
      const k = 2 + Math.floor(r() * (p.max - 1));
      while (items.length < k) {
        const x = pickFresh(r, pools[p.domain], taken);
        if (x === undefined) break;
        items.push(x);
        taken.add(x);
      }
      for (const x of items) if (typeof x === 'number' && !Number.isInteger(x)) decimals++;
      words = listText(items);
      value = items;
    } else {
      const v = pickFresh(r, pools[p.domain], taken);
      if (v === undefined) throw new Error(`domain ${p.domain} has too few values for ${api.name}`);
      if (typeof v === 'number' && !Number.isInteger(v)) decimals++;
      words = String(v);
      value = v;
    }
    taken.add(value);
    args[slot] = value;
    text = text.replace(`{${slot}}`, words);
  }
  return { call: { name: api.name, arguments: args }, text, synonyms, decimals };
}

// A fourth value source, for the SFT warm start: procedurally generated values, so many of
// each kind that a value rarely repeats across the SFT set. A model trained only on the
// domains' fixed train values memorises them and never learns to copy an unknown value
// from the query into the call (the shipped weak model solved 0 of 260 fresh-valued RL
// prompts at pass@8); with most values seen once, copying is the only way to fit the data.
//
// Strings keep the look of their domain: each letter of a train value is replaced by a
// random letter of the same class (vowel or consonant, same case), digits by digits, other
// characters kept ("Vienna" -> "Laoppe", "bob.lee@mail.net" -> "kih.raa@teus.jop"). Numbers
// come from a range far above the fresh one, same step. No generated value is a train,
// held-out or fresh value of any domain, so the held-out splits stay unseen.

import { stream, type Rng } from '../../util/prng.js';
import { DOMAINS, domainValues, splitDomains, type Domain, type DomainName } from './domains.js';
import { FRESH_DOMAINS } from './fresh-values.js';
import type { Pools } from './render.js';

/** Generated values per domain by default. */
export const RANDOM_POOL_SIZE = 400;

const VOWELS = 'aeiou';
const CONSONANTS = 'bcdfghjklmnprstvwz';

function scramble(r: Rng, s: string): string {
  let out = '';
  for (const ch of s) {
    const lower = ch.toLowerCase();
    const upper = ch !== lower;
    let c = ch;
    if (VOWELS.includes(lower)) c = VOWELS[Math.floor(r() * VOWELS.length)] as string;
    else if (/[a-z]/.test(lower)) c = CONSONANTS[Math.floor(r() * CONSONANTS.length)] as string;
    else if (/[0-9]/.test(ch)) c = String(Math.floor(r() * 10));
    out += upper ? c.toUpperCase() : c;
  }
  return out;
}

function decimalsOf(step: number): number {
  const s = String(step);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** Every value some split may use, per domain: generated values must avoid all of them. */
function takenValues(seed: number): Map<DomainName, Set<string | number>> {
  const split = splitDomains(seed);
  const out = new Map<DomainName, Set<string | number>>();
  for (const name of Object.keys(DOMAINS) as DomainName[]) {
    out.set(name, new Set([...split[name].train, ...split[name].test, ...domainValues(FRESH_DOMAINS[name])]));
  }
  return out;
}

/**
 * Per seed, `size` generated values for every domain (fewer where a short base value has
 * fewer spellings), disjoint from every other value source.
 */
export function randomPools(seed: number, size = RANDOM_POOL_SIZE): Pools {
  const taken = takenValues(seed);
  const split = splitDomains(seed);
  const out = {} as Record<DomainName, (string | number)[]>;
  for (const name of Object.keys(DOMAINS) as DomainName[]) {
    const r = stream(seed, 'random-values', name);
    const avoid = taken.get(name) as Set<string | number>;
    const chosen = new Set<string | number>();
    const d: Domain = DOMAINS[name];
    if (d.kind === 'string') {
      const bases = split[name].train as string[];
      for (let i = 0; chosen.size < size && i < size * 20; i++) {
        const v = scramble(r, bases[i % bases.length] as string);
        if (!avoid.has(v)) chosen.add(v);
      }
    } else {
      // Above the fresh range (which starts just above the domain's own), same step.
      const fresh = FRESH_DOMAINS[name];
      const step = d.step ?? 1;
      const scale = 10 ** decimalsOf(step);
      const lo = Math.round(((fresh.kind === 'string' ? d.hi : fresh.hi) + step) * scale);
      const st = Math.round(step * scale);
      const span = Math.max(size * 2, Math.round((d.hi - d.lo) / step) * 4);
      for (let i = 0; chosen.size < size && i < size * 20; i++) {
        const v = (lo + Math.floor(r() * span) * st) / scale;
        if (!avoid.has(v)) chosen.add(v);
      }
    }
    out[name] = [...chosen];
  }
  return out;
}

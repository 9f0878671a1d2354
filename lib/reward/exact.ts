// `exact` matcher: predicted calls equal the answer as a multiset of (name, arguments);
// argument key order is free, arrays keep their order, no type coercion, numbers by value.
// With format 'tool-n1' this is Tool-N1's compute_score_v0 comparison.

import { canonicalJson } from '../data/json.js';
import type { Call } from '../data/types.js';
import type { MatchResult } from './types.js';

export function callKey(c: Call): string {
  return `${JSON.stringify(c.name)}\u0000${canonicalJson(c.arguments)}`;
}

/** The usual reason for two call lists that do not match as multisets. */
export function mismatchReason(pred: readonly Call[], gold: readonly Call[]): MatchResult {
  if (pred.length > gold.length) return { ok: false, reason: 'extra_call' };
  if (pred.length < gold.length) return { ok: false, reason: 'missing_call' };
  const names = new Map<string, number>();
  for (const c of gold) names.set(c.name, (names.get(c.name) ?? 0) + 1);
  for (const c of pred) {
    const n = names.get(c.name) ?? 0;
    if (n === 0) return { ok: false, reason: 'wrong_name' };
    names.set(c.name, n - 1);
  }
  return { ok: false, reason: 'wrong_args' };
}

/** Whether two call lists are equal as multisets of canonical (name, arguments). */
export function sameCalls(a: readonly Call[], b: readonly Call[]): boolean {
  if (a.length !== b.length) return false;
  const counts = new Map<string, number>();
  for (const c of a) {
    const k = callKey(c);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  for (const c of b) {
    const k = callKey(c);
    const n = counts.get(k) ?? 0;
    if (n === 0) return false;
    counts.set(k, n - 1);
  }
  return true;
}

export function matchExact(pred: readonly Call[], gold: readonly Call[]): MatchResult {
  return sameCalls(pred, gold) ? { ok: true } : mismatchReason(pred, gold);
}

// The few-shot pool and demonstration choice of hard sampling (docs/method.md section 5):
// most similar first (shares a tool name with the task's answer, then shares argument
// names; among equals, fewer calls to tools the task does not offer, since buildPrompt
// would have to list them), seeded random among equals and to fill up; never the task itself, never a task
// whose answer shares a call with the task's answer (which would hand over the answer, or
// part of a parallel one; two empty answers count as the same answer).

import { stream, type Rng } from '../util/prng.js';
import { goldCalls } from '../data/gold.js';
import type { Task } from '../data/types.js';
import { callKey } from '../reward/exact.js';

type Entry = {
  task: Task;
  /** Canonical (name, arguments) of each gold call; empty for an irrelevance task. */
  calls: ReadonlySet<string>;
  names: ReadonlySet<string>;
  args: ReadonlySet<string>;
};

export type DemoPool = {
  readonly entries: readonly Entry[];
  readonly byName: ReadonlyMap<string, readonly number[]>;
  readonly byArg: ReadonlyMap<string, readonly number[]>;
};

/** What a task is about: its answer's tools and argument names, or for `[]` the offered tools'. */
function profile(task: Task): Entry {
  const gold = goldCalls(task);
  const names = new Set<string>();
  const args = new Set<string>();
  if (gold.length > 0) {
    for (const c of gold) {
      names.add(c.name);
      for (const k of Object.keys(c.arguments)) args.add(k);
    }
  } else {
    for (const t of task.tools) {
      names.add(t.name);
      const props = t.parameters['properties'];
      if (typeof props === 'object' && props !== null) for (const k of Object.keys(props)) args.add(k);
    }
  }
  return { task, calls: new Set(gold.map(callKey)), names, args };
}

function push(index: Map<string, number[]>, key: string, i: number): void {
  const list = index.get(key);
  if (list) list.push(i);
  else index.set(key, [i]);
}

/**
 * Index solved tasks for demonstration lookup. Only tasks with calls are indexed by name
 * and argument (an irrelevance task shows no tool use); they stay reachable as random fill.
 */
export function createDemoPool(tasks: readonly Task[]): DemoPool {
  const entries: Entry[] = [];
  const byName = new Map<string, number[]>();
  const byArg = new Map<string, number[]>();
  tasks.forEach((task, i) => {
    const e = profile(task);
    entries.push(e);
    if (e.calls.size === 0) return;
    for (const n of e.names) push(byName, n, i);
    for (const a of e.args) push(byArg, a, i);
  });
  return { entries, byName, byArg };
}

function leaks(target: Entry, cand: Entry): boolean {
  if (cand.task.id === target.task.id) return true;
  if (cand.calls.size === 0 && target.calls.size === 0) return true;
  for (const k of cand.calls) if (target.calls.has(k)) return true;
  return false;
}

function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n;
}

export type SelectOptions = {
  seed: number;
  /** Varies the draw between visits (step, round): same (seed, task, salt) -> same demos. */
  salt?: string | number;
};

/**
 * `k` demonstrations for `task` from `pool`, most similar first. Deterministic for
 * (seed, task.id, salt). Returns fewer than `k` only when the pool has no more tasks that
 * would not leak the answer.
 */
export function selectDemos(pool: DemoPool, task: Task, k: number, opts: SelectOptions): Task[] {
  if (k <= 0) return [];
  const target = profile(task);
  const r: Rng = stream(opts.seed, 'demos', task.id, opts.salt ?? 0);
  const offered = new Set(task.tools.map((x) => x.name));
  const scored = new Map<number, { name: number; arg: number; extra: number; tie: number }>();
  const consider = (i: number) => {
    if (scored.has(i)) return;
    const e = pool.entries[i];
    if (e === undefined || leaks(target, e)) return;
    // extra: tools the demo calls that the task does not offer (each would be listed in the prompt).
    const extra = e.calls.size === 0 ? 0 : e.names.size - overlap(e.names, offered);
    scored.set(i, { name: overlap(target.names, e.names), arg: overlap(target.args, e.args), extra, tie: r() });
  };
  // Candidates in a fixed order (so the tie-break draws are reproducible).
  for (const n of [...target.names].sort()) for (const i of pool.byName.get(n) ?? []) consider(i);
  for (const a of [...target.args].sort()) for (const i of pool.byArg.get(a) ?? []) consider(i);
  const ranked = [...scored.entries()]
    .sort(([, a], [, b]) => b.name - a.name || b.arg - a.arg || a.extra - b.extra || a.tie - b.tie)
    .map(([i]) => i);
  const out = ranked.slice(0, k);
  // Random fill: a bounded number of draws, then a scan, so it ends even on a tiny pool.
  const chosen = new Set(out);
  const n = pool.entries.length;
  for (let tries = 0; out.length < k && tries < 8 * k; tries++) {
    const i = Math.floor(r() * n);
    const e = pool.entries[i];
    if (e !== undefined && !chosen.has(i) && !leaks(target, e)) { chosen.add(i); out.push(i); }
  }
  for (let i = 0; out.length < k && i < n; i++) {
    const e = pool.entries[i];
    if (e !== undefined && !chosen.has(i) && !leaks(target, e)) { chosen.add(i); out.push(i); }
  }
  return out.map((i) => (pool.entries[i] as Entry).task);
}

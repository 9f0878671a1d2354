// npm run bench -- --simd=...: every family once per CPU kernel set, each in its own child
// process (a process picks its set once), interleaved so that the sets' measurements of a
// family are neighbours in time: for each round, for each family, one child per set (the
// order of the sets reversed every other round, so a drifting load favours none). A shared
// machine only ever makes a rate look lower, so each rate column is reported as the best
// over rounds, as a ratio to the widest set's best, beside the spread (min..max) of the
// ratios within each round.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

import { round, type Row } from './harness.js';

// Columns that are rates (higher is faster): compared across kernel sets.
const isRate = (col: string) => /(GFLOPs|PerS|GBs)$/.test(col) && !/Best|openblas/i.test(col);

// The scalar set's budget per measurement when --budget-ms is not given (benchmarks/harness.ts).
const SCALAR_BUDGET_MS = 20_000;

type ChildResult = { devices: unknown; floors: unknown; load: unknown; results: Record<string, Row[]> };

export interface PerSimdOptions {
  /** This script, run as the child with `<family file> --child-out=<file>`. */
  script: string;
  /** Entries, widest last: a set name, or name@path.node for another build's addon. */
  sets: string[];
  /** The .bench.ts files to run. */
  files: string[];
  rounds: number;
  /** Budget per measurement for every set; undefined: SCALAR_BUDGET_MS for scalar only. */
  budgetMs: number | undefined;
  resultsDir: string;
  printTable(title: string, rows: Row[]): void;
}

export function runPerSimd(o: PerSimdOptions): void {
  const dir = mkdtempSync(join(tmpdir(), 'tx-bench-'));
  const names = o.sets.map((s) => s.split('@')[0]!);
  const budgets = Object.fromEntries(o.sets.map((s, i) => [names[i]!, o.budgetMs ?? (names[i] === 'scalar' ? SCALAR_BUDGET_MS : 0)]));
  // runs[set][round][family file] = what that child measured
  const runs: Record<string, Record<string, ChildResult>[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < o.rounds; r++) {
    for (const n of names) runs[n]!.push({});
    for (const file of o.files) {
      const order = r % 2 === 0 ? o.sets : [...o.sets].reverse();
      for (const entry of order) {
        const [name, addon] = entry.split('@') as [string, string | undefined];
        const budget = budgets[name]!;
        console.log(`\n######## round ${r + 1}/${o.rounds}, ${file}, TOOLEXPANDER_SIMD=${entry}${budget > 0 ? ` (budget ${budget} ms per measurement)` : ''}`);
        const out = join(dir, `${name}-${r}-${file}.json`);
        const env = addon === undefined ? { TOOLEXPANDER_SIMD: name } : { TOOLEXPANDER_ADDON: addon, TOOLEXPANDER_SIMD: '' };
        const res = spawnSync(process.execPath, [...process.execArgv, o.script, file, `--child-out=${out}`], {
          stdio: 'inherit', env: { ...process.env, ...env, BENCH_BUDGET_MS: String(budget) },
        });
        if (res.status !== 0) throw new Error(`bench ${file} with TOOLEXPANDER_SIMD=${entry} failed (exit ${res.status})`);
        runs[name]![r]![file] = JSON.parse(readFileSync(out, 'utf8')) as ChildResult;
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });

  const widest = names.at(-1)!;
  const rowsOf = (set: string, r: number, family: string): Row[] | undefined =>
    Object.values(runs[set]![r]!).find((c) => c.results[family] !== undefined)?.results[family];
  const families = Object.values(runs[widest]![0]!).flatMap((c) => Object.keys(c.results));
  // best[set][family]: each row of round 1 with its rate columns replaced by their best over rounds
  const best: Record<string, Record<string, Row[]>> = Object.fromEntries(names.map((n) => [n, {}]));
  const ratios: Record<string, Row[]> = {};
  const ratioSpread: Record<string, Record<string, [number, number] | null>[]> = {};
  for (const family of families) {
    for (const set of names) {
      best[set]![family] = (rowsOf(set, 0, family) ?? []).map((row, i) => {
        const b: Row = { ...row };
        for (const [col, v] of Object.entries(row)) {
          if (!isRate(col) || typeof v !== 'number') continue;
          const xs = runs[set]!.map((_, r) => rowsOf(set, r, family)?.[i]?.[col]).filter((x): x is number => typeof x === 'number');
          b[col] = Math.max(...xs);
        }
        return b;
      });
    }
    const table: Row[] = [];
    ratios[family] = [];
    ratioSpread[family] = [];
    best[widest]![family]!.forEach((row, i) => {
      const ratio: Row = { row: i }, shown: Row = { row: i };
      const spread: Record<string, [number, number] | null> = {};
      for (const [col, v] of Object.entries(row)) {
        if (!isRate(col) || typeof v !== 'number' || v === 0) continue;
        for (const set of names) {
          const key = `${col}.${set}/${widest}`;
          const x = best[set]![family]?.[i]?.[col];
          ratio[key] = typeof x === 'number' ? round(x / v) : null;
          const per = runs[set]!.map((_, r) => {
            const a = rowsOf(set, r, family)?.[i]?.[col], w = rowsOf(widest, r, family)?.[i]?.[col];
            return typeof a === 'number' && typeof w === 'number' && w !== 0 ? a / w : NaN;
          }).filter((q) => Number.isFinite(q));
          const sp = per.length ? [round(Math.min(...per)), round(Math.max(...per))] as [number, number] : null;
          spread[key] = sp;
          shown[key] = ratio[key] === null || o.rounds < 2 ? ratio[key]! : `${ratio[key]} (${sp === null ? '?' : sp.join('..')})`;
        }
      }
      ratios[family]!.push(ratio);
      ratioSpread[family]!.push(spread);
      table.push(shown);
    });
    o.printTable(`${family}: best rate per kernel set / ${widest}'s best${o.rounds > 1 ? ` (per-round ratios min..max), ${o.rounds} rounds` : ''}`, table);
  }
  const date = new Date().toISOString().slice(0, 10);
  const file = join(o.resultsDir, `${hostname()}-simd-${date}.json`);
  writeFileSync(file, JSON.stringify({
    host: hostname(), date: new Date().toISOString(), node: process.version, sets: o.sets, rounds: o.rounds,
    budgetMs: budgets, best, ratioToWidest: ratios, ratioSpread, runs,
  }, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

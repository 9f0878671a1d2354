// npm run bench: runs every benchmarks/*.bench.ts (or those named on the command line),
// prints one table per op family with the floors measured in the same run, and writes
// benchmarks/results/<host>-<date>.json.
//   npm run bench -- --simd=all|scalar,avx2,avx512   every family once per CPU kernel set
//   (TOOLEXPANDER_SIMD, one child process each, since a process picks its set once), then
//   the rate columns of each set as a ratio to the widest set's, all in one results file.
//   The scalar set (~30x slower than the widest) runs with a time budget per measurement
//   (BENCH_BUDGET_MS, benchmarks/harness.ts: its slow rows are the best of fewer samples);
//   --budget-ms=N gives every set that budget instead (0: none).
//   An entry name@path.node runs that addon instead (TOOLEXPANDER_ADDON, its default set):
//   another build measured in the same run, e.g. an SSE2 build of the previous commit.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { devices } from '../lib/engine/devices.js';
import { Harness, measureFloors, round, type Row } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));

function printTable(family: string, rows: Row[]): void {
  console.log(`\n== ${family}`);
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  console.log(cols.map((c, i) => c.padStart(width[i]!)).join('  '));
  for (const r of rows) console.log(cols.map((c, i) => String(r[c] ?? '').padStart(width[i]!)).join('  '));
}

// Columns that are rates (higher is faster): compared across kernel sets.
const isRate = (col: string) => /(GFLOPs|PerS|GBs)$/.test(col) && !/Best|openblas/i.test(col);

// The scalar set's budget per measurement when --budget-ms is not given.
const SCALAR_BUDGET_MS = 20_000;

// --simd: runs this script once per set in a child process and merges what they measured.
function runPerSimd(sets: string[], only: string[], budgetAll: number | undefined): void {  // sets: widest last
  const dir = mkdtempSync(join(tmpdir(), 'tx-bench-'));
  const parts: Record<string, { devices: unknown; floors: unknown; results: Record<string, Row[]>; budgetMs: number | null }> = {};
  for (const set of sets) {
    const [name, addon] = set.split('@');
    const budget = budgetAll ?? (name === 'scalar' ? SCALAR_BUDGET_MS : 0);
    console.log(`\n######## TOOLEXPANDER_SIMD=${set}${budget > 0 ? ` (budget ${budget} ms per measurement)` : ''}`);
    const out = join(dir, `${name}.json`);
    const env = addon === undefined ? { TOOLEXPANDER_SIMD: name } : { TOOLEXPANDER_ADDON: addon, TOOLEXPANDER_SIMD: '' };
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...only, `--child-out=${out}`], {
      stdio: 'inherit', env: { ...process.env, ...env, BENCH_BUDGET_MS: String(budget) },
    });
    if (r.status !== 0) throw new Error(`bench with TOOLEXPANDER_SIMD=${set} failed (exit ${r.status})`);
    parts[name!] = { ...JSON.parse(readFileSync(out, 'utf8')), budgetMs: budget > 0 ? budget : null };
  }
  rmSync(dir, { recursive: true, force: true });
  sets = sets.map((s) => s.split('@')[0]!);
  const widest = sets[sets.length - 1]!;
  const ratios: Record<string, Row[]> = {};
  for (const [family, rows] of Object.entries(parts[widest]!.results)) {
    ratios[family] = rows.map((row, i) => {
      const out: Row = { row: i };
      for (const [col, v] of Object.entries(row)) {
        if (!isRate(col) || typeof v !== 'number' || v === 0) continue;
        for (const set of sets) {
          const x = parts[set]!.results[family]?.[i]?.[col];
          out[`${col}.${set}/${widest}`] = typeof x === 'number' ? round(x / v) : null;
        }
      }
      return out;
    });
    printTable(`${family}: rate per kernel set / ${widest} (same run)`, ratios[family]!);
  }
  const date = new Date().toISOString().slice(0, 10);
  const file = join(here, 'results', `${hostname()}-simd-${date}.json`);
  writeFileSync(file, JSON.stringify({ host: hostname(), date: new Date().toISOString(), node: process.version, sets, bySimd: parts, ratioToWidest: ratios }, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const simdArg = args.find((a) => a.startsWith('--simd='));
  const childOut = args.find((a) => a.startsWith('--child-out='))?.slice('--child-out='.length);
  const only = args.filter((a) => !a.startsWith('--'));
  if (simdArg !== undefined && childOut === undefined) {
    const want = simdArg.slice('--simd='.length);
    const supported = devices().cpu.simdSupported;
    const budgetArg = args.find((a) => a.startsWith('--budget-ms='));
    runPerSimd(want === 'all' ? supported : want.split(','), only, budgetArg === undefined ? undefined : Number(budgetArg.slice('--budget-ms='.length)));
    return;
  }
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  const report = devices();
  const loadStart = loadavg();
  console.log(`cpu: ${report.cpu.threads} threads, ${report.cpu.simd}; cuda: ${report.cuda.usable ? 'usable' : `not usable (${report.cuda.reason})`}`);
  const floors = measureFloors();
  console.log(`floors (measured now): copy ${round(floors.copyGBs)} GB/s (read + write), read ${round(floors.readGBs)} GB/s`);
  const h = new Harness(floors);
  for (const f of files) {
    const mod = (await import(join(here, f))) as { run(h: Harness): Promise<void> };
    await mod.run(h);
  }
  for (const [family, rows] of h.tables) printTable(family, rows);
  // Floors again at the end: a large drift means the machine was busy and ratios are noisy.
  const after = measureFloors();
  console.log(`\nfloors at the end: copy ${round(after.copyGBs)} GB/s, read ${round(after.readGBs)} GB/s`);
  // The machine's load (1, 5, 15 min averages) at the start and the end: on a shared machine
  // it says how far apart runs that are compared were.
  const load = { start: loadStart.map((x) => round(x)), end: loadavg().map((x) => round(x)) };
  console.log(`load average: start ${load.start.join(' ')}, end ${load.end.join(' ')}`);

  if (childOut !== undefined) {  // one set of a --simd run: the parent writes the results file
    writeFileSync(childOut, JSON.stringify({ devices: report, floors: { start: floors, end: after }, load, results: Object.fromEntries(h.tables) }));
    return;
  }
  const date = new Date().toISOString().slice(0, 10);
  // BENCH_TAG names a run apart from others of the same day (e.g. before / after a change).
  const tag = process.env['BENCH_TAG'] ? `-${process.env['BENCH_TAG'].replace(/[^A-Za-z0-9_.-]/g, '_')}` : '';
  const out = join(here, 'results', `${hostname()}-${date}${tag}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    host: hostname(),
    date: new Date().toISOString(),
    node: process.version,
    devices: report,
    floors: { start: floors, end: after },
    load,
    results: Object.fromEntries(h.tables),
  }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

await main();

// npm run bench: runs every benchmarks/*.bench.ts (or those named on the command line),
// prints one table per op family with the floors measured in the same run, and writes
// benchmarks/results/<host>-<date>.json.
//   npm run bench -- --simd=all|scalar,avx2,avx512 [--rounds=N] [--budget-ms=N]
//   every family once per CPU kernel set and round (TOOLEXPANDER_SIMD, a child process per
//   family and set, interleaved: benchmarks/per-simd.ts), then the rate columns of each set
//   as a ratio to the widest set's, all in one results file, <host>-simd-<date>.json.
//   The scalar set (~30x slower than the widest) runs with a time budget per measurement
//   (BENCH_BUDGET_MS, benchmarks/harness.ts: its slow rows are the best of fewer samples);
//   --budget-ms=N gives every set that budget instead (0: none).
//   An entry name@path.node runs that addon instead (TOOLEXPANDER_ADDON, its default set):
//   another build measured in the same run.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { devices } from '../lib/engine/devices.js';
import { Harness, measureFloors, round, type Row } from './harness.js';
import { runPerSimd } from './per-simd.js';

const here = dirname(fileURLToPath(import.meta.url));

function printTable(family: string, rows: Row[]): void {
  console.log(`\n== ${family}`);
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  console.log(cols.map((c, i) => c.padStart(width[i]!)).join('  '));
  for (const r of rows) console.log(cols.map((c, i) => String(r[c] ?? '').padStart(width[i]!)).join('  '));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const simdArg = args.find((a) => a.startsWith('--simd='));
  const childOut = args.find((a) => a.startsWith('--child-out='))?.slice('--child-out='.length);
  const only = args.filter((a) => !a.startsWith('--'));
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  if (simdArg !== undefined && childOut === undefined) {
    const want = simdArg.slice('--simd='.length);
    const numberArg = (name: string) => {
      const a = args.find((x) => x.startsWith(`--${name}=`));
      return a === undefined ? undefined : Number(a.slice(name.length + 3));
    };
    runPerSimd({
      script: fileURLToPath(import.meta.url), sets: want === 'all' ? devices().cpu.simdSupported : want.split(','), files,
      rounds: numberArg('rounds') ?? 1, budgetMs: numberArg('budget-ms'), resultsDir: join(here, 'results'), printTable,
    });
    return;
  }
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

// npm run bench: runs every benchmarks/*.bench.ts (or those named on the command line),
// prints one table per op family with the floors measured in the same run, and writes
// benchmarks/results/<host>-<date>.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
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

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  const report = devices();
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
    results: Object.fromEntries(h.tables),
  }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

await main();

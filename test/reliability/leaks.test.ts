// Leak checks: every op called many times (sync and async, error paths included) in a child
// process with --expose-gc (test/fixtures/leak-child.ts); RSS and V8 external memory after
// GC must stay flat. Default: 2,000 calls of each op per form; TOOLEXPANDER_HEAVY=1: 100,000.
// DeviceTensor finalizers need CUDA; without it the construction/failure path is covered.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { childEnv } from '../helpers/child-env.js';

const heavy = process.env.TOOLEXPANDER_HEAVY === '1';
const CALLS = Number(process.env.TOOLEXPANDER_LEAK_CALLS ?? (heavy ? 100_000 : 2_000));
const MiB = 1 << 20;
// Bounds: allocator and JIT noise stays well under these; a leak of even one small output
// per call (16 bytes x 4,000 calls) would show in external memory.
const RSS_BOUND = (heavy ? 64 : 48) * MiB;
const EXTERNAL_BOUND = 1 * MiB;

t.test(`memory stays flat over ${CALLS} calls of each op per form`, (t) => {
  const child = fileURLToPath(new URL('../fixtures/leak-child.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', child, String(CALLS)], {
    env: childEnv(), encoding: 'utf8', maxBuffer: 1 << 20, timeout: heavy ? 3_600_000 : 240_000,
  });
  const report = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, { calls: number; rssGrowth: number; externalGrowth: number }>;
  for (const [op, r] of Object.entries(report)) {
    t.comment(`leaks ${op.padEnd(24)} ${r.calls} calls: RSS ${(r.rssGrowth / MiB).toFixed(2)} MiB, external ${(r.externalGrowth / 1024).toFixed(1)} KiB`);
    t.ok(r.rssGrowth < RSS_BOUND, `${op}: RSS growth ${(r.rssGrowth / MiB).toFixed(2)} MiB < ${RSS_BOUND / MiB} MiB`);
    t.ok(r.externalGrowth < EXTERNAL_BOUND, `${op}: external growth ${(r.externalGrowth / 1024).toFixed(1)} KiB < ${EXTERNAL_BOUND / 1024} KiB`);
  }
  t.ok(Object.keys(report).length >= 32, `${Object.keys(report).length} ops measured (engine ops, model ops, PolicyModel)`);
  t.end();
});

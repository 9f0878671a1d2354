// Workers terminated in the middle of native ops (sync, async, many queued jobs, PolicyModel
// methods, setThreads(2), process.exit inside the worker), and process.exit on the main
// thread while async jobs run: the process must survive every one. Before the addon pinned
// its own image, the first or second termination killed the process with SIGSEGV (exit
// 139) in libgomp: unloading the addon with the worker's environment unmapped the code its
// parked OpenMP threads were spinning in.
//
// Each mode runs in its own child (test/fixtures/terminate-child.mjs) whose main thread never
// loads the addon (holding it loaded hid the bug). 500 terminations in all by default;
// TOOLEXPANDER_HEAVY=1: 5,000.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { childEnv } from '../helpers/child-env.js';

const heavy = process.env.TOOLEXPANDER_HEAVY === '1';
const scale = heavy ? 10 : 1;
const root = fileURLToPath(new URL('../..', import.meta.url));
const addon = process.env.TOOLEXPANDER_ADDON !== undefined
  ? resolve(process.env.TOOLEXPANDER_ADDON) : resolve(root, 'build', 'Release', 'toolexpander.node');
const child = fileURLToPath(new URL('../fixtures/terminate-child.mjs', import.meta.url));

// Terminations per mode; they sum to 500 (x10 heavy).
const MODES: Record<string, number> = {
  sync: 100, async: 100, many: 60, model: 100, threads2: 100, 'exit-sync': 20, 'exit-async': 20,
};

type Outcome = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

function run(args: string[]): Promise<Outcome> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [child, addon, ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

t.setTimeout((heavy ? 7200 : 600) * 1000);

t.test('the built addon exists', async (t) => {
  t.ok(existsSync(addon), addon);
});

for (const [mode, n] of Object.entries(MODES)) {
  t.test(`${n * scale} workers terminated mid-op: ${mode}`, async (t) => {
    const r = await run([mode, String(n * scale), String(n + mode.length)]);
    t.equal(r.signal, null, `no signal (${r.signal ?? 'none'})`);
    t.equal(r.code, 0, `exit 0; stderr: ${r.stderr.slice(-2000)}`);
    t.same(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}'), { mode, iterations: n * scale });
  });
}

t.test('process.exit on the main thread while async jobs run', async (t) => {
  const runs = 10 * scale;
  for (let i = 0; i < runs; i++) {
    const r = await run(['process-exit', '32', String(i + 1)]);
    if (r.code !== 0 || r.signal !== null) {
      t.fail(`run ${i}: exit ${String(r.code)} signal ${String(r.signal)}; ${r.stderr.slice(-2000)}`);
      return;
    }
    const report = JSON.parse(r.stdout.trim()) as { inFlight: number };
    // The exit really lands while jobs are queued or running (one sync op ran after queueing).
    if (i === 0) t.ok(report.inFlight > 0, `${report.inFlight} jobs in flight at process.exit`);
  }
  t.pass(`${runs} exits with jobs in flight, all exit 0`);
});

t.test('the job registry counts queued and running jobs, and forgets settled ones', async (t) => {
  const { native } = await import('../../lib/engine/native.js');
  const a = native();
  const logits = new Float32Array(64 * 512).map((_, i) => (i % 17) / 17);
  const targets = new Int32Array(64).map((_, i) => i % 512);
  t.equal(a.jobsInFlight(), 0, 'none before');
  const jobs = Array.from({ length: 16 }, () => a.logprobs(logits, 0, 64, 512, targets, 1, -100, false));
  t.equal(a.jobsInFlight(), 16, '16 in flight right after queueing');
  await Promise.all(jobs);
  t.equal(a.jobsInFlight(), 0, 'none once all settled');
  await t.rejects(a.logprobs(logits, 0, 64, 511, targets, 1, -100, false), 'a bad argument rejects');
  t.equal(a.jobsInFlight(), 0, 'a rejected-before-queueing call leaves nothing behind');
});

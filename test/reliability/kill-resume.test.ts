// Crash safety: a training run (its own process, test/fixtures/train-child.ts) is SIGKILLed
// at random points, then resumed. Nothing may be lost but the steps after the last
// checkpoint, no file may be left corrupt, and the final state must equal an uninterrupted
// run's. TOOLEXPANDER_KILL_TRIALS sets the trial count (default 10; 30 under TOOLEXPANDER_HEAVY=1).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

import { readMetrics, TIMING_FIELDS, type MetricsRecord } from '../../lib/report/index.js';
import { loadLatestCheckpoint, runTraining } from '../../lib/rl/index.js';
import { KILL_RUN_CONFIG } from '../fixtures/kill-run-config.js';
import { createPolicy } from '../helpers/table-policy.js';
import { rng } from '../helpers/random.js';
import { childEnv } from '../helpers/child-env.js';

const TRIALS = Number(process.env.TOOLEXPANDER_KILL_TRIALS ?? (process.env.TOOLEXPANDER_HEAVY === '1' ? 30 : 10));
const SEED = Number(process.env.TOOLEXPANDER_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const child = fileURLToPath(new URL('../fixtures/train-child.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tx-kill-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const noTiming = (r: MetricsRecord) => {
  const o: Record<string, unknown> = { ...r };
  for (const f of TIMING_FIELDS) delete o[f];
  return o;
};
const finalState = (d: string) => ({ ...JSON.parse(readFileSync(join(d, 'checkpoints', 'step-000012', 'trainer-state.json'), 'utf8')), metricsBytes: 0 });
const finalWeights = (d: string) => readFileSync(join(d, 'checkpoints', 'step-000012', 'table-policy.json'), 'utf8');

/** Runs the child until it has printed "step <killAfter>", waits delayMs, SIGKILLs it. */
function runAndKill(out: string, killAfter: number, delayMs: number): Promise<{ killed: boolean; lastStep: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, out], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    let lastStep = -1;
    let buf = '';
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const m of buf.matchAll(/step (\d+)\n/g)) lastStep = Math.max(lastStep, Number(m[1]));
      if (lastStep >= killAfter && p.exitCode === null && !p.killed) setTimeout(() => p.kill('SIGKILL'), delayMs);
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true, lastStep });
      else if (code === 0) resolve({ killed: false, lastStep });
      else reject(new Error(`train-child exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** Every file a killed run leaves must be whole: configs parse, the checkpoint verifies, metrics lines parse (a torn last line aside). */
async function checkFiles(out: string): Promise<{ checkpointStep: number; torn: number }> {
  JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  let checkpointStep = 0;
  if (existsSync(join(out, 'checkpoints', 'latest.json'))) checkpointStep = (await loadLatestCheckpoint(out)).state.step;
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n');
  let torn = 0;
  lines.forEach((l, i) => {
    if (l === '') return;
    try { JSON.parse(l); } catch { if (i === lines.length - 1) torn++; else throw new Error(`metrics.jsonl line ${i + 1} is corrupt`); }
  });
  return { checkpointStep, torn };
}

t.test(`SIGKILL at random points, then resume: ${TRIALS} trials (seed ${SEED})`, async (t) => {
  const ref = join(dir, 'ref');
  await runTraining({ preset: 'toolexpander', overrides: KILL_RUN_CONFIG, out: ref, policy: createPolicy, progress: false });
  const refMetrics = readMetrics(join(ref, 'metrics.jsonl')).map(noTiming);
  const r = rng(SEED);
  let lostTotal = 0;
  for (let i = 0; i < TRIALS; i++) {
    const out = join(dir, `trial-${i}`);
    const killAfter = Math.floor(r() * (KILL_RUN_CONFIG.steps - 1));
    const delayMs = Math.floor(r() * 40);
    const k = await runAndKill(out, killAfter, delayMs);
    const files = await checkFiles(out);
    const res = await runTraining({ resume: out, policy: createPolicy, progress: false });
    const resumedAt = res.result.steps[0]?.step ?? KILL_RUN_CONFIG.steps;
    const lost = Math.max(0, k.lastStep + 1 - resumedAt);
    lostTotal += lost;
    t.comment(`trial ${i}: ${k.killed ? 'killed' : 'finished'} ${delayMs} ms after step ${killAfter} (last logged step ${k.lastStep}), ` +
      `checkpoint at ${files.checkpointStep} steps, torn metrics lines ${files.torn}, resumed at step ${resumedAt}, steps redone ${lost}`);
    t.equal(resumedAt, files.checkpointStep, `trial ${i}: resumed from the last checkpoint`);
    t.ok(k.lastStep + 1 - files.checkpointStep < KILL_RUN_CONFIG.checkpoint.every + 1, `trial ${i}: only steps after the last checkpoint are lost`);
    t.ok(finalWeights(out) === finalWeights(ref), `trial ${i}: final weights equal the uninterrupted run's`);
    t.same(finalState(out), finalState(ref), `trial ${i}: final trainer state equal`);
    t.same(readMetrics(join(out, 'metrics.jsonl')).map(noTiming), refMetrics, `trial ${i}: metrics equal (timing fields aside)`);
    rmSync(out, { recursive: true, force: true });
  }
  t.comment(`kill-resume: ${TRIALS} trials, ${lostTotal} steps redone in all, every final state identical to the uninterrupted run`);
});

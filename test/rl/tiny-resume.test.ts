// `train --policy tiny` end to end with the native model: the shipped weak checkpoint is
// the start and the reference, and a run SIGKILLed at a random step after its first
// checkpoint, then resumed, ends with the same weights (byte for byte), optimizer state
// and metrics as an uninterrupted run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

import { readMetrics, TIMING_FIELDS, type MetricsRecord } from '../../lib/report/index.js';
import { runTraining } from '../../lib/rl/index.js';
import { TINY_RUN_CONFIG } from '../fixtures/kill-run-config.js';
import { childEnv } from '../helpers/child-env.js';

const child = fileURLToPath(new URL('../fixtures/train-child.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tx-tiny-resume-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const noTiming = (r: MetricsRecord) => {
  const o: Record<string, unknown> = { ...r };
  for (const f of TIMING_FIELDS) delete o[f];
  return o;
};
const last = (d: string, f: string) => readFileSync(join(d, 'checkpoints', 'step-000005', f));

function runChild(out: string, mode: 'fresh' | 'resume', killAfter?: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, out, mode, 'tiny'], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.stdout.on('data', (d: Buffer) => {
      const steps = [...d.toString().matchAll(/step (\d+)\n/g)].map((m) => Number(m[1]));
      if (killAfter !== undefined && steps.some((s) => s >= killAfter) && !p.killed) p.kill('SIGKILL');
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(true) : code === 0 ? resolve(false) : reject(new Error(`exit ${code}: ${err.slice(-2000)}`))));
  });
}

t.test('TinyPolicy run: kill after a random step, resume, same final weights as an uninterrupted run', async (t) => {
  const ref = join(dir, 'ref');
  const a = await runTraining({ preset: 'toolexpander', overrides: TINY_RUN_CONFIG, out: ref, progress: false });
  t.equal(a.config.init, null, 'started from the shipped checkpoint');
  t.equal(a.result.state.step, 5);
  t.equal(a.config.hardSampling.trainOn, 'both');
  t.ok(a.result.steps.some((s) => s.transferred > 0), `rescued sequences trained under the plain prompt too (${a.result.steps.map((s) => s.transferred).join(',')})`);
  const killAfter = 1 + Math.floor(Math.random() * 3);  // after step 1..3 (0-based): one checkpoint (step 2) or two (step 4)
  const out = join(dir, 'killed');
  t.ok(await runChild(out, 'fresh', killAfter), `killed after step ${killAfter}`);
  t.notOk(await runChild(out, 'resume'), 'the resumed run finishes');
  t.ok(last(out, 'model.safetensors').equals(last(ref, 'model.safetensors')), 'weights identical byte for byte');
  t.ok(last(out, 'optimizer.safetensors').equals(last(ref, 'optimizer.safetensors')), 'AdamW state identical');
  t.same(readMetrics(join(out, 'metrics.jsonl')).map(noTiming), readMetrics(join(ref, 'metrics.jsonl')).map(noTiming), 'metrics identical');
});

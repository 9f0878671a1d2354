// `toolexpander sft` and `toolexpander demo`, in-process: a short warm start from scratch,
// then a one-step demo of both arms from it, checking every file and field the CI smoke
// test and users read.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

import { demoCommand, summaryLines, type DemoSummary } from '../../lib/cli/demo.js';
import { sftCommand, type SftRecord } from '../../lib/cli/sft.js';
import { readMetrics } from '../../lib/report/metrics-log.js';
import { STEP_FIELDS } from '../../lib/report/records.js';

// A warm start and two four-arm demos: longer than the default per-file limit on a busy 2-core machine.
t.setTimeout(600_000);

const dir = mkdtempSync(join(tmpdir(), 'tx-demo-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// Console output of the commands is kept out of the TAP stream.
function quietly<T>(f: () => Promise<T>): Promise<T> {
  const log = console.log;
  const lines: string[] = [];
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  return f().finally(() => { console.log = log; });
}

const sftDir = join(dir, 'sft');

t.test('sft: a short warm start writes a loadable checkpoint and sft.json with the hash of its weights', async (t) => {
  t.equal(await quietly(() => sftCommand(['--steps', '3', '--train-size', '40', '--eval-size', '2', '--seed', '1', '--out', sftDir, '--quiet'])), 0);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'sft.json']) t.ok(existsSync(join(sftDir, f)), f);
  t.notOk(existsSync(join(sftDir, 'optimizer.safetensors')), 'no optimizer state: RL starts a fresh optimizer');
  const rec = JSON.parse(readFileSync(join(sftDir, 'sft.json'), 'utf8')) as SftRecord;
  t.equal(rec.sha256, createHash('sha256').update(readFileSync(join(sftDir, 'model.safetensors'))).digest('hex'));
  t.same(Object.keys(rec.accuracy), ['test', 'testTemplates', 'testUnseenApis']);
  t.equal(rec.options.steps, 3);
  t.equal(rec.options.seed, 1);
  t.equal(rec.accuracy['test']!.n, 2);
  await t.rejects(sftCommand(['--steps', '0']), { code: 'E_RANGE', message: /--steps must be >= 1/ });
  await t.rejects(sftCommand(['--stepz', '3']), { code: 'E_RANGE', message: /unknown option --stepz/ });
});

t.test('demo: every arm from one checkpoint, report.html, summary.json, metrics.jsonl per run', async (t) => {
  const out = join(dir, 'demo');
  const args = ['--quick', '--steps', '1', '--eval-size', '2', '--init', sftDir, '--out', out, '--quiet'];
  t.equal(await quietly(() => demoCommand(args)), 0);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  t.match(html, /<svg[\s\S]*grpo[\s\S]*toolexpander/);
  t.match(html, /Held-out accuracy vs rollouts generated/);
  t.match(html, /Held-out accuracy vs training seconds/);
  const sum = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as DemoSummary;
  const arms = ['grpo', 'dapo-filter', 'toolexpander', 'toolexpander-transfer'];
  t.same(sum.arms.map((a) => a.arm), arms);
  t.equal(sum.rolloutBudget, 16, 'budget: steps x batch x group');
  for (const a of sum.arms) t.ok(a.rollouts.mean >= 16 && a.rollouts.mean < 16 + 16, `${a.arm}: ${a.rollouts.mean} rollouts, stopped at the budget`);
  t.same(sum.comparisons.map((c) => `${c.arm}-${c.against}`),
    ['toolexpander-grpo', 'toolexpander-dapo-filter', 'toolexpander-transfer-grpo', 'toolexpander-transfer-dapo-filter']);
  const start = readMetrics(join(out, 'grpo-s0', 'metrics.jsonl')).find((r) => r.type === 'eval');
  t.equal(sum.quick, true);
  t.equal(sum.steps, 1);
  t.equal(sum.init, sftDir);
  for (const arm of arms) {
    const recs = readMetrics(join(out, `${arm}-s0`, 'metrics.jsonl'));
    t.same(recs.find((r) => r.type === 'eval'), start, `${arm}: the shared start evaluation`);
    const steps = recs.filter((r) => r.type === 'step');
    t.equal(steps.length, 1, `${arm}: one step record`);
    for (const f of STEP_FIELDS) t.ok(f in steps[0]!, `${arm} step record has ${String(f)}`);
    t.equal(recs.filter((r) => r.type === 'eval').length, 2, `${arm}: eval at start and end`);
    const cfg = JSON.parse(readFileSync(join(out, `${arm}-s0`, 'config.json'), 'utf8')) as { preset: string; init: string; batchSize: number };
    t.equal(cfg.preset, arm);
    t.equal(cfg.init, sftDir, 'both arms start from the same checkpoint');
    t.equal(cfg.batchSize, 4);
  }
  t.match(summaryLines(sum.arms, sum.comparisons).join('\n'), /grpo\s+1\s+\d\.\d{3}[\s\S]*toolexpander - grpo \(test, paired over 1 seed\)/);
  // Run again into the same folder: a previous demo is replaced.
  t.equal(await quietly(() => demoCommand(args)), 0);
  t.ok(existsSync(join(out, 'report.html')));
});

t.test('demo: clear errors', async (t) => {
  const other = join(dir, 'not-a-demo');
  mkdirSync(other);
  writeFileSync(join(other, 'keep.txt'), 'data');
  await t.rejects(demoCommand(['--out', other, '--quick']), { code: 'E_STATE', message: /not a previous demo/ });
  t.ok(existsSync(join(other, 'keep.txt')), 'nothing deleted');
  await t.rejects(demoCommand(['--init', sftDir, '--from-scratch']), { code: 'E_RANGE', message: /--init or --from-scratch/ });
  await t.rejects(demoCommand(['--seeds', '0']), { code: 'E_RANGE', message: /--seeds must be >= 1/ });
  await t.rejects(demoCommand(['--jobs', '0']), { code: 'E_RANGE', message: /--jobs must be >= 1/ });
  await t.rejects(demoCommand(['--threads', '0']), { code: 'E_RANGE', message: /--threads must be >= 1/ });
  await t.rejects(demoCommand(['--arms', 'grpo,ppo']), { code: 'E_RANGE', message: /--arms: 'ppo' is not one of/ });
  await t.rejects(demoCommand(['--eval-size', '0']), { code: 'E_RANGE' });
  await t.rejects(demoCommand(['extra']), { code: 'E_RANGE', message: /unexpected argument 'extra'/ });
  await t.rejects(demoCommand(['--out', join(dir, 'd2'), '--init', join(dir, 'nowhere'), '--quick', '--quiet']),
    { code: 'E_STATE', message: /is not a TinyPolicy checkpoint/ });
  const help = await quietly(async () => { const lines: string[] = []; const log = console.log; console.log = (s: string) => lines.push(s); try { await demoCommand(['--help']); } finally { console.log = log; } return lines.join('\n'); });
  t.match(help, /--quick\s+a 2-minute smoke run/);
});

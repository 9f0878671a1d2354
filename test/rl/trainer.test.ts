// The trainer end to end with the TablePolicy (a test policy that really learns; see
// test/helpers/table-policy.ts): metrics fields, kill-and-resume, presets against each other.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

import { TxError } from '../../lib/errors.js';
import { readMetrics, STEP_FIELDS, TIMING_FIELDS, type MetricsRecord, type StepRecord } from '../../lib/report/index.js';
import { resolveTrainConfig, runTraining, train, type PresetName } from '../../lib/rl/index.js';
import { syntheticSuite } from '../../lib/data/synthetic/suite.js';
import { createPolicy, TablePolicy } from '../helpers/table-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'tx-trainer-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const small = {
  steps: 10, batchSize: 8, groupSize: 4, lr: 4,
  eval: { every: 4, size: 20 }, checkpoint: { every: 3 },
  data: { source: 'synthetic' as const, trainSize: 60 },
};

const noTiming = (r: MetricsRecord) => {
  const o: Record<string, unknown> = { ...r };
  for (const f of TIMING_FIELDS) delete o[f];
  return o;
};

t.test('metrics.jsonl: one record per step with every field, eval records by split and category', async (t) => {
  const out = join(dir, 'fields');
  const r = await runTraining({ preset: 'toolexpander', overrides: small, out, policy: createPolicy, progress: false });
  const recs = readMetrics(join(out, 'metrics.jsonl'));
  const steps = recs.filter((x): x is StepRecord => x.type === 'step');
  t.equal(steps.length, 10);
  t.same(steps.map((s) => s.step), [...Array(10).keys()]);
  for (const s of steps) t.same(Object.keys(s).sort(), [...STEP_FIELDS].sort(), `step ${s.step} fields`);
  const s0 = steps[0] as StepRecord;
  t.equal(s0.prompts, 8);
  t.ok(s0.hardRate > 0 && s0.hardRate < 1, `a share of prompts is hard at the start: ${s0.hardRate}`);
  t.equal(s0.resolvedPerRound.length, 2);
  t.ok(s0.extraRollouts > 0 && s0.extraRollouts <= 64);
  t.ok(typeof s0.kl === 'number', 'KL to the initial policy is logged');
  t.ok(steps[9]!.lr < steps[0]!.lr, 'exponential decay');
  const evals = recs.filter((x) => x.type === 'eval');
  t.same(evals.map((e) => e.step), [0, 4, 8, 10], 'at start, every 4 steps, at the end');
  const e = evals[0];
  if (e?.type === 'eval') {
    t.same(Object.keys(e.splits), ['test', 'testTemplates', 'testUnseenApis']);
    t.ok(Object.keys(e.splits['test']?.byCategory ?? {}).length >= 3, 'accuracy by category');
  }
  t.same(readFileSync(join(out, 'config.json'), 'utf8').length > 0, true);
  t.match(readFileSync(join(out, 'report.html'), 'utf8'), /<svg/);
  t.equal(r.result.state.step, 10);
  await t.rejects(runTraining({ preset: 'toolexpander', overrides: small, out, policy: createPolicy, progress: false }),
    /already holds a run/, 'refuses to overwrite a run');
});

t.test('kill and resume: same final state and metrics as an uninterrupted run', async (t) => {
  for (const preset of ['toolexpander', 'grpo', 'dapo-filter', 'toolexpander-transfer'] as const) {
    const full = join(dir, `full-${preset}`);
    const cut = join(dir, `cut-${preset}`);
    const a = await runTraining({ preset, overrides: small, out: full, policy: createPolicy, progress: false });
    // Killed after step index 7 was logged: the last checkpoint is at 6 steps, so the
    // record of step 7 in metrics.jsonl is stale and must be rewritten by the resumed run.
    await t.rejects(runTraining({
      preset, overrides: small, out: cut, policy: createPolicy, progress: false,
      onStep: (rec) => { if (rec.step === 7) throw new Error('killed'); },
    }), /killed/);
    t.equal(readMetrics(join(cut, 'metrics.jsonl')).filter((x) => x.type === 'step').length, 8, 'the killed run logged 8 steps');
    const b = await runTraining({ resume: cut, policy: createPolicy, progress: false });
    t.equal(b.result.steps[0]?.step, 6, `${preset}: resumed at step 6`);
    const pa = readFileSync(join(full, 'checkpoints', 'step-000010', 'table-policy.json'), 'utf8');
    const pb = readFileSync(join(cut, 'checkpoints', 'step-000010', 'table-policy.json'), 'utf8');
    t.ok(pa === pb, `${preset}: identical final weights`);
    // metricsBytes aside: the wall-clock fields make the two logs' byte lengths differ.
    const state = (d: string) => ({ ...JSON.parse(readFileSync(join(d, 'checkpoints', 'step-000010', 'trainer-state.json'), 'utf8')), metricsBytes: 0 });
    t.same(state(cut), state(full), `${preset}: identical trainer state`);
    t.same(readMetrics(join(cut, 'metrics.jsonl')).map(noTiming), readMetrics(join(full, 'metrics.jsonl')).map(noTiming),
      `${preset}: identical metrics (timing fields aside)`);
    t.equal(a.result.state.step, 10);
    if (preset === 'toolexpander-transfer') t.ok(a.result.steps.some((s) => s.transferred > 0), 'rescued sequences were trained under the plain prompt');
  }
  await t.rejects(runTraining({ resume: join(dir, 'cut-grpo'), overrides: { steps: 12 }, policy: createPolicy, progress: false }), /--steps 12 differs/);
  await t.rejects(runTraining({ resume: join(dir, 'nowhere'), policy: createPolicy, progress: false }), TxError);
});

t.test('rolloutBudget: every rollout counted, the run stops at the budget and evaluates there', async (t) => {
  const budget = 150;
  for (const preset of ['grpo', 'toolexpander', 'dapo-filter'] as const) {
    const r = await runTraining({ preset, overrides: { ...small, rolloutBudget: budget }, out: join(dir, `budget-${preset}`), policy: createPolicy, progress: false });
    const steps = r.result.steps;
    let total = 0;
    for (const s of steps) {
      total += s.rollouts;
      t.equal(s.rolloutsTotal, total, `${preset} step ${s.step}: cumulative rollouts`);
      t.equal(s.rollouts, s.prompts * 4 + (preset === 'toolexpander' ? s.extraRollouts : 0), 'first groups plus hard sampling\'s extra rollouts');
    }
    t.ok(total >= budget && total - (steps.at(-1)?.rollouts ?? 0) < budget, `${preset}: stopped at the first step reaching ${budget} (${total}, ${steps.length} steps)`);
    t.equal(r.result.state.rollouts, total);
    t.equal(r.result.evals.at(-1)?.step, steps.length, 'evaluated where it stopped');
  }
});

t.test('hint reliance: prompts rescued with demonstrations, seen again at level 0', async (t) => {
  const r = await runTraining({ preset: 'toolexpander', overrides: { ...small, steps: 20, eval: { every: 0 } }, out: join(dir, 'hint'), policy: createPolicy, progress: false });
  const f = r.result.steps.reduce((a, s) => a + s.hintFollowUps, 0);
  const solved = r.result.steps.reduce((a, s) => a + s.hintFollowUpsSolved, 0);
  t.ok(f > 0, `${f} rescued prompts came back at level 0 (60 prompts, 160 draws)`);
  t.ok(solved <= f, `${solved} of them solved without demonstrations`);
  t.ok(r.result.steps.some((s) => s.demoGradShare > 0), 'a share of the gradient came from demo-conditioned sequences');
  t.ok(r.result.steps.every((s) => s.demoGradShare >= 0 && s.demoGradShare <= 1 && s.demoGradShare === s.rescuedGradShare), 'trainOn demo: the two shares agree');
});

t.test('no policy: a clear TxError, not a crash', async (t) => {
  await t.rejects(runTraining({ preset: 'grpo', overrides: { ...small, init: join(dir, 'no-such-checkpoint') }, out: join(dir, 'nopolicy'), progress: false }),
    { name: 'TxError', code: 'E_STATE', message: /config\.init: .*no-such-checkpoint is not a TinyPolicy checkpoint/ });
  const c = resolveTrainConfig('grpo', small);
  const s = syntheticSuite({ seed: 0, trainSize: 10, testSize: 2, testTemplatesSize: 2, testUnseenApisSize: 2 });
  const p = new TablePolicy(s.train, { seed: 0 });
  await t.rejects(train({ config: c, policy: p, train: s.train }), /klCoef is 0.001 but no reference/);
  await t.rejects(train({ config: c, policy: { generate: p.generate.bind(p), logprobs: p.logprobs.bind(p) }, train: s.train }), /cannot train/);
});

t.test('dapo-filter keeps only groups with a reward spread and draws new prompts', async (t) => {
  const r = await runTraining({ preset: 'dapo-filter', overrides: { ...small, eval: { every: 0 } }, out: join(dir, 'dapo'), policy: createPolicy, progress: false });
  for (const s of r.result.steps) {
    t.ok(s.prompts >= 8 && s.extraRollouts === (s.prompts - 8) * 4, `step ${s.step}: ${s.prompts} prompts drawn, ${s.extraRollouts} extra rollouts`);
    t.ok(s.extraRollouts <= 64, 'within the budget');
    t.same(s.resolvedPerRound, [0, 0], 'no hard sampling');
  }
  t.ok(r.result.steps.some((s) => s.prompts > 8), 'some steps drew extra prompts');
});

/** Mean hard rate per preset over seeds (short runs of the table policy). */
async function hardRates(presets: readonly PresetName[], seeds: readonly number[]) {
  const out: Record<string, { hard: number; acc: number; util: number }> = {};
  for (const preset of presets) {
    let hard = 0;
    let acc = 0;
    let util = 0;
    for (const seed of seeds) {
      const cfg = resolveTrainConfig(preset, { seed, steps: 40, batchSize: 16, groupSize: 4, lr: 4, eval: { every: 40, size: 60, splits: ['test'] },
        checkpoint: { every: 0 }, data: { source: 'synthetic', seed, trainSize: 200 } });
      const s = syntheticSuite({ seed, trainSize: 200, testSize: 60, testTemplatesSize: 1, testUnseenApisSize: 1 });
      const all = [...s.train, ...s.test];
      const r = await train({ config: cfg, policy: new TablePolicy(all, { seed }), reference: new TablePolicy(all, { seed }),
        train: s.train, evalSplits: { test: s.test } });
      hard += r.steps.reduce((a, x) => a + x.hardRate, 0) / r.steps.length / seeds.length;
      util += r.steps.reduce((a, x) => a + x.dataUtilization, 0) / r.steps.length / seeds.length;
      acc += (r.evals.at(-1)?.accuracy ?? 0) / seeds.length;
    }
    out[preset] = { hard, acc, util };
  }
  return out;
}

t.test('toolexpander shows a lower hard rate than grpo (table policy, short runs)', async (t) => {
  const r = await hardRates(['grpo', 'toolexpander', 'toolexpander-no-hs', 'dapo-filter'], [1, 2, 3]);
  for (const [k, v] of Object.entries(r)) {
    t.comment(`${k.padEnd(20)} hard rate ${v.hard.toFixed(3)}  data utilization ${v.util.toFixed(3)}  final test accuracy ${v.acc.toFixed(3)}`);
  }
  t.ok(r['toolexpander']!.hard < r['grpo']!.hard, `toolexpander ${r['toolexpander']!.hard.toFixed(3)} < grpo ${r['grpo']!.hard.toFixed(3)}`);
  t.ok(r['toolexpander']!.util > r['grpo']!.util, 'and uses more of its data');
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

import { evalPoints, gainOverStart, hintReliance, meanCurveBy, pairedDifference } from '../../lib/report/comparison.js';
import {
  CHARTS, ci95, convergenceStep, detectCollapse, lineChart, loadRun, MetricsLog, meanCurve, Progress, readMetrics,
  renderReport, summarize, writeReport, type EvalRecord, type RunData, type StepRecord,
} from '../../lib/report/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tx-report-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function fakeRun(arm: string, seed: number, accs: number[], hard: number[]): RunData {
  const steps: StepRecord[] = hard.map((h, step) => ({
    type: 'step', step, epoch: 0, rewardMean: 1 - h, rewardStd: 0.1, accuracy: 1 - h, setRate: 0, schemaValidRate: 1, hardRate: h,
    resolvedPerRound: [0, 0], deferred: arm === 'grpo' ? 0 : 4 * h, meanLevel: 0, dataUtilization: 1 - h, extraRollouts: 0, prompts: 8, rollouts: 32,
    loss: 0.01 * step, lossVariance: 0.001, gradNorm: 1, entropy: 1 - 0.1 * step, kl: 0.01 * step, clipFracHigh: 0, clipFracLow: 0,
    ratioMean: 1, approxKl: 0, lr: 1, tokens: 100, rolloutsTotal: 32 * (step + 1), demoGradShare: 0, rescuedGradShare: 0,
    transferred: 0, isWeightMean: 0, isTruncatedFrac: 0, hintFollowUps: 0, hintFollowUpsSolved: 0, tokensPerSecond: 1000, stepTime: 0.1,
  }));
  const evals: EvalRecord[] = accs.map((a, i) => ({
    type: 'eval', step: i * 2, accuracy: a,
    splits: { test: { n: 10, correct: a * 10, accuracy: a, byCategory: { simple: { n: 10, correct: a * 10, accuracy: a } } } },
  }));
  return { name: `${arm}-${seed}`, arm, seed, records: [...evals, ...steps] };
}

t.test('ci95 (Student t), collapse detector, convergence step, mean curves', async (t) => {
  t.same(ci95([0.5]), { mean: 0.5, lo: 0.5, hi: 0.5, n: 1 });
  const c = ci95([1, 2, 3]);
  t.equal(c.mean, 2);
  t.ok(Math.abs(c.hi - (2 + 4.303 * 1 / Math.sqrt(3))) < 1e-12, 't_{0.975,2} = 4.303, sd = 1');
  t.ok(Number.isNaN(ci95([]).mean));
  const pts = (xs: number[]) => xs.map((value, step) => ({ step, value }));
  t.same(detectCollapse(pts([0.2, 0.5, 0.4, 0.3]), pts([1, 1, 1, 1]), { margin: 0.15, minEntropy: 0.05 }), { step: 3, reason: 'accuracy' });
  t.same(detectCollapse(pts([0.2, 0.5, 0.45]), pts([1, 0.01, 1]), { margin: 0.15, minEntropy: 0.05 }), { step: 1, reason: 'entropy' });
  t.equal(detectCollapse(pts([0.2, 0.5, 0.45]), pts([1, 1, 1]), { margin: 0.15, minEntropy: 0.05 }), null);
  t.equal(convergenceStep(pts([0, 0.2, 0.46, 0.5, 0.5])), 2, 'first step at >= 90% of the final 0.5');
  t.equal(convergenceStep([]), null);
  t.same(meanCurve([pts([0, 1]), pts([1, 3, 5])]), [{ step: 0, value: 0.5 }, { step: 1, value: 2 }], 'steps all seeds have');
});

t.test('report.html: an SVG chart per metric, a summary table with intervals over seeds', async (t) => {
  const runs = [
    fakeRun('grpo', 1, [0.1, 0.2, 0.3], [0.5, 0.5, 0.4, 0.4]), fakeRun('grpo', 2, [0.1, 0.25, 0.35], [0.6, 0.5, 0.45, 0.4]),
    fakeRun('toolexpander', 1, [0.1, 0.3, 0.4], [0.5, 0.3, 0.3, 0.2]), fakeRun('toolexpander', 2, [0.1, 0.35, 0.45], [0.4, 0.3, 0.2, 0.2]),
  ];
  const html = renderReport(runs, { title: 'cmp <test>' });
  t.equal(html.match(/<svg /g)?.length, CHARTS.length + 2, 'one chart per metric, and accuracy against rollouts and seconds');
  for (const c of CHARTS) t.ok(html.includes(`aria-label="${c.title}"`), `chart: ${c.title}`);
  t.ok(html.includes('aria-label="Held-out accuracy vs rollouts generated"') && html.includes('aria-label="Held-out accuracy vs training seconds"'));
  t.equal(html.match(/<polyline/g)?.length, (CHARTS.length + 2) * 2, 'one line per arm in every chart');
  t.match(html, /<table class="summary">/);
  t.match(html, /95% Student t over seeds/);
  t.match(html, /0\.425 <small>\[/, 'final accuracy of toolexpander with its interval');
  t.match(html, /cmp &lt;test&gt;/, 'titles are escaped');
  t.notMatch(html, /<script/, 'self-contained, no script');
  const sum = summarize(runs);
  t.same(sum.map((s) => [s.arm, s.seeds]), [['grpo', 2], ['toolexpander', 2]]);
  t.ok(Math.abs((sum[1]?.hardRate.mean ?? 0) - 0.3) < 1e-12, 'mean hard rate per step, averaged over seeds');
  t.ok(Math.abs((sum[1]?.unresolvedHardRate.mean ?? 0) - 0.15) < 1e-12, 'still hard after resampling: deferred / prompts (half here)');
  t.equal(sum[0]?.unresolvedHardRate.mean, sum[0]?.hardRate.mean, 'no resampling (grpo): every hard prompt stays hard');
  t.match(html, /<th>hard after resampling<\/th>/);
  await writeReport(join(dir, 'report.html'), runs);
  t.equal(readFileSync(join(dir, 'report.html'), 'utf8'), renderReport(runs));
  t.match(lineChart('empty', []), /<svg/, 'an empty chart still renders');
});

t.test('metrics log: appended line by line, truncation on resume, torn lines skipped, loadRun', async (t) => {
  const path = join(dir, 'metrics.jsonl');
  const run = fakeRun('grpo', 7, [0.1], [0.5, 0.4]);
  const log = new MetricsLog(path);
  log.append(run.records[0]!);
  const cut = log.bytes;
  log.append(run.records[1]!);
  log.close();
  t.equal(readMetrics(path).length, 2);
  new MetricsLog(path, { truncateTo: cut }).close();
  t.same(readMetrics(path), [run.records[0]], 'cut back to the checkpoint length');
  writeFileSync(path, `${readFileSync(path, 'utf8')}{"type":"st`);
  t.equal(readMetrics(path).length, 1, 'a torn last line is skipped');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'x', preset: 'grpo', seed: 7 }));
  t.same({ ...loadRun(dir), records: [] }, { name: 'x', arm: 'grpo', seed: 7, records: [] });
});

t.test('progress: a \\r bar on a terminal, plain lines otherwise', async (t) => {
  const chunks: string[] = [];
  const tty = new Progress(4, { label: 'run', stream: { isTTY: true, columns: 80, write: (s: string) => chunks.push(s) } });
  for (let i = 1; i <= 4; i++) tty.update(i, 'info');
  tty.log('eval');
  tty.finish();
  t.ok(chunks.filter((c) => c.startsWith('\r') && c.includes('] ')).length === 4, 'redrawn in place');
  t.match(chunks.join(''), /\[#{24}\] 4\/4/);
  const lines: string[] = [];
  const plain = new Progress(100, { label: 'run', stream: { isTTY: false, write: (s: string) => lines.push(s) } });
  for (let i = 1; i <= 100; i++) plain.update(i, 'x');
  t.equal(lines.length, 20, 'one line per 5% on a pipe');
  t.ok(lines.every((l) => !l.includes('\r') && l.endsWith('\n')));
});

t.test('equal-compute comparisons: accuracy by rollouts, gain over the start, paired differences by seed', async (t) => {
  const runs = [
    fakeRun('grpo', 0, [0.1, 0.2, 0.3], [0.5, 0.4, 0.4, 0.3]), fakeRun('grpo', 1, [0.1, 0.1, 0.2], [0.5, 0.4, 0.4, 0.3]),
    fakeRun('toolexpander', 0, [0.1, 0.3, 0.4], [0.5, 0.3, 0.3, 0.2]), fakeRun('toolexpander', 1, [0.1, 0.3, 0.35], [0.4, 0.3, 0.2, 0.2]),
  ];
  const pts = evalPoints(runs[0]!);
  t.same(pts.map((p) => [p.step, p.rollouts]), [[0, 0], [2, 64], [4, 128]], 'rollouts generated before each evaluation');
  t.same(meanCurveBy(runs.slice(0, 2), 'rollouts').map((p) => [p.step, Number(p.value.toFixed(6))]), [[0, 0.1], [64, 0.15], [128, 0.25]]);
  const g = gainOverStart(runs.slice(0, 2), 'test');
  t.equal(g.n, 2);
  t.ok(Math.abs(g.mean - 0.15) < 1e-12, 'mean of 0.2 and 0.1');
  const byArm = new Map([['grpo', runs.slice(0, 2)], ['toolexpander', runs.slice(2)]]);
  const d = pairedDifference(byArm, 'toolexpander', 'grpo', 'test');
  t.same(d?.seeds, [0, 1]);
  t.ok(Math.abs((d?.diff.mean ?? 0) - 0.125) < 1e-12, 'seed 0: 0.4 - 0.3, seed 1: 0.35 - 0.2');
  t.equal(d?.significant, d !== null && (d.diff.lo > 0 || d.diff.hi < 0));
  t.equal(pairedDifference(byArm, 'toolexpander', 'dapo-filter', 'test'), null, 'no such arm');
  t.same(hintReliance(runs[0]!), [{ epoch: 0, followUps: 0, solved: 0, rate: null }]);
});

t.test('collapse detector: a step that trained on nothing (tokens 0, entropy 0) is not an entropy collapse', async (t) => {
  const r = fakeRun('toolexpander', 0, [0.1, 0.2, 0.2], [0.5, 0.4, 0.4, 0.3]);
  const empty = { ...(r.records.find((x) => x.type === 'step') as StepRecord), step: 1, entropy: 0, tokens: 0 };
  const runs = [{ ...r, records: r.records.map((x) => (x.type === 'step' && x.step === 1 ? empty : x)) }];
  t.equal(summarize(runs)[0]?.collapsed, 0);
  const collapsed = [{ ...r, records: r.records.map((x) => (x.type === 'step' && x.step === 1 ? { ...empty, tokens: 50 } : x)) }];
  t.equal(summarize(collapsed)[0]?.collapsed, 1, 'entropy 0 on trained tokens is one');
});

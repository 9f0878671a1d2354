// report.html: one self-contained page comparing the arms of a comparison (docs/method.md
// section 8): inline SVG curves per arm (mean over seeds) for accuracy, hard rate, data
// utilization, reward, entropy, loss variance and KL; a summary table with 95% intervals
// over seeds; the collapse detector and convergence speed per arm.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { TxError } from '../errors.js';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readMetrics } from './metrics-log.js';
import type { EvalRecord, MetricsRecord, RunData, StepRecord } from './records.js';
import { ci95, convergenceStep, detectCollapse, meanCurve, type Interval, type Point } from './stats.js';
import { escapeXml, lineChart, PALETTE, type Series } from './svg.js';
import { gainOverStart, hintReliance, meanCurveBy } from './comparison.js';

export type { RunData } from './records.js';

export type ReportOptions = {
  title?: string;
  collapse?: { margin: number; minEntropy: number };
  /** Moving-average window of the per-step curves (default 5; eval curves are not smoothed). */
  smooth?: number;
};

/** A run folder written by the trainer: config.json (arm = preset, seed) and metrics.jsonl. */
export function loadRun(dir: string): RunData {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new TxError('E_FORMAT', `${dir}: no such run folder`);
  const cfgPath = join(dir, 'config.json');
  let cfg: { name?: unknown; preset?: unknown; seed?: unknown } = {};
  if (existsSync(cfgPath)) {
    try {
      const parsed = JSON.parse(readFileSync(cfgPath, 'utf8')) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
      cfg = parsed as typeof cfg;
    } catch (e) {
      throw new TxError('E_FORMAT', `${cfgPath}: not a run config (${(e as Error).message})`);
    }
  }
  const records = readMetrics(join(dir, 'metrics.jsonl'));
  if (records.length === 0) throw new TxError('E_FORMAT', `${join(dir, 'metrics.jsonl')}: no metrics records yet`);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    name: str(cfg.name) ?? basename(dir), arm: str(cfg.preset) ?? basename(dir),
    seed: typeof cfg.seed === 'number' ? cfg.seed : 0, records,
  };
}

const stepsOf = (r: RunData) => r.records.filter((x): x is StepRecord => x.type === 'step');
const evalsOf = (r: RunData) => r.records.filter((x): x is EvalRecord => x.type === 'eval');

function smooth(points: readonly Point[], w: number): Point[] {
  if (w <= 1) return points.slice();
  return points.map((p, i) => {
    const win = points.slice(Math.max(0, i - w + 1), i + 1);
    return { step: p.step, value: win.reduce((a, q) => a + q.value, 0) / win.length };
  });
}

type Metric = { title: string; curve: (r: RunData) => Point[]; smooth: boolean };

const stepCurve = (f: (s: StepRecord) => number | null) => (r: RunData): Point[] =>
  stepsOf(r).flatMap((s) => { const v = f(s); return v === null ? [] : [{ step: s.step + 1, value: v }]; });

export const CHARTS: readonly Metric[] = [
  { title: 'Held-out accuracy (greedy)', curve: (r) => evalsOf(r).map((e) => ({ step: e.step, value: e.accuracy })), smooth: false },
  { title: 'Hard rate before resampling', curve: stepCurve((s) => s.hardRate), smooth: true },
  { title: 'Data utilization', curve: stepCurve((s) => s.dataUtilization), smooth: true },
  { title: 'Reward mean', curve: stepCurve((s) => s.rewardMean), smooth: true },
  // A step that trained on nothing (every group deferred or dropped) measured no entropy.
  { title: 'Entropy', curve: stepCurve((s) => (s.tokens > 0 ? s.entropy : null)), smooth: true },
  { title: 'Loss variance (window)', curve: stepCurve((s) => s.lossVariance), smooth: false },
  { title: 'KL to the initial policy', curve: stepCurve((s) => s.kl), smooth: true },
];

function byArm(runs: readonly RunData[]): Map<string, RunData[]> {
  const m = new Map<string, RunData[]>();
  for (const r of runs) m.set(r.arm, [...(m.get(r.arm) ?? []), r]);
  return m;
}

function cell(i: Interval, digits = 3): string {
  if (!Number.isFinite(i.mean)) return '–';
  const m = i.mean.toFixed(digits);
  return i.n > 1 ? `${m} <small>[${i.lo.toFixed(digits)}, ${i.hi.toFixed(digits)}]</small>` : m;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

export type ArmSummary = {
  arm: string;
  seeds: number;
  finalAccuracy: Interval;
  splitAccuracy: Record<string, Interval>;
  hardRate: Interval;
  /** Share of a step's prompts still without a correct rollout after resampling (see unresolvedHard). */
  unresolvedHardRate: Interval;
  dataUtilization: Interval;
  extraRollouts: Interval;
  convergenceStep: Interval;
  collapsed: number;
  collapses: string[];
  /** Final minus start accuracy per split (paired within each run). */
  gain: Record<string, Interval>;
  /** Rollouts generated per run (every one: hard and dynamic sampling's extra ones too) and training wall seconds. */
  rollouts: Interval;
  trainSeconds: Interval;
  /** Share of rollouts paid the SET bonus (setRate), mean over steps. */
  setRate: Interval;
  /** Mean share of a step's advantage mass on demo-prompt sequences, and on demo-sampled ones. */
  demoGradShare: Interval;
  rescuedGradShare: Interval;
  /** Hint reliance: rescued prompts drawn again at level 0, and the share solved without demonstrations (all epochs, all seeds). */
  hintFollowUps: number;
  hintFollowUpRate: number | null;
};

/**
 * Share of a step's prompts still without a correct rollout after resampling: the deferred
 * ones when hard sampling ran (it resolves or defers every hard group), else every hard one.
 */
function unresolvedHard(s: StepRecord): number {
  const resampled = s.deferred + s.resolvedPerRound.reduce((a, b) => a + b, 0) > 0;
  return resampled ? s.deferred / Math.max(1, s.prompts) : s.hardRate;
}

export function summarize(runs: readonly RunData[], opts: ReportOptions = {}): ArmSummary[] {
  const collapse = opts.collapse ?? { margin: 0.15, minEntropy: 0.05 };
  return [...byArm(runs).entries()].map(([arm, rs]) => {
    const finals = rs.map((r) => evalsOf(r).at(-1)).filter((e): e is EvalRecord => e !== undefined);
    const splits = new Set(finals.flatMap((e) => Object.keys(e.splits)));
    const splitAccuracy: Record<string, Interval> = {};
    for (const s of splits) splitAccuracy[s] = ci95(finals.flatMap((e) => (e.splits[s] ? [e.splits[s].accuracy] : [])));
    const conv = rs.map((r) => convergenceStep(CHARTS[0]!.curve(r))).filter((x): x is number => x !== null);
    const collapses = rs.flatMap((r) => {
      const c = detectCollapse(CHARTS[0]!.curve(r), stepCurve((s) => (s.tokens > 0 ? s.entropy : null))(r), collapse);
      return c === null ? [] : [`seed ${r.seed}: ${c.reason} at step ${c.step}`];
    });
    return {
      arm, seeds: rs.length,
      finalAccuracy: ci95(finals.map((e) => e.accuracy)),
      splitAccuracy,
      hardRate: ci95(rs.map((r) => mean(stepsOf(r).map((s) => s.hardRate)))),
      dataUtilization: ci95(rs.map((r) => mean(stepsOf(r).map((s) => s.dataUtilization)))),
      unresolvedHardRate: ci95(rs.map((r) => mean(stepsOf(r).map(unresolvedHard)))),
      extraRollouts: ci95(rs.map((r) => mean(stepsOf(r).map((s) => s.extraRollouts)))),
      convergenceStep: ci95(conv),
      collapsed: collapses.length, collapses,
      gain: Object.fromEntries([...splits].map((sp) => [sp, gainOverStart(rs, sp)])),
      rollouts: ci95(rs.map((r) => stepsOf(r).reduce((a, s) => a + s.rollouts, 0))),
      trainSeconds: ci95(rs.map((r) => stepsOf(r).reduce((a, s) => a + s.stepTime, 0))),
      setRate: ci95(rs.map((r) => mean(stepsOf(r).map((s) => s.setRate)))),
      demoGradShare: ci95(rs.map((r) => mean(stepsOf(r).map((s) => s.demoGradShare ?? 0)))),
      rescuedGradShare: ci95(rs.map((r) => mean(stepsOf(r).map((s) => s.rescuedGradShare ?? 0)))),
      ...followUps(rs),
    };
  });
}

function followUps(rs: readonly RunData[]): { hintFollowUps: number; hintFollowUpRate: number | null } {
  const h = rs.flatMap(hintReliance);
  const f = h.reduce((a, e) => a + e.followUps, 0);
  return { hintFollowUps: f, hintFollowUpRate: f > 0 ? h.reduce((a, e) => a + e.solved, 0) / f : null };
}

function table(sum: readonly ArmSummary[]): string {
  const splits = [...new Set(sum.flatMap((s) => Object.keys(s.splitAccuracy)))];
  const head = ['arm', 'seeds', 'final accuracy', ...splits.map((s) => `acc ${s}`), 'hard rate (mean/step)', 'hard after resampling', 'data utilization',
    'extra rollouts/step', 'rollouts/run', 'SET pay rate', 'demo-sampled gradient share', 'convergence step (90% of final)', 'collapse'];
  const rows = sum.map((s) => [
    escapeXml(s.arm), String(s.seeds), cell(s.finalAccuracy), ...splits.map((x) => (s.splitAccuracy[x] ? cell(s.splitAccuracy[x]) : '–')),
    cell(s.hardRate), cell(s.unresolvedHardRate), cell(s.dataUtilization), cell(s.extraRollouts, 1), cell(s.rollouts, 0), cell(s.setRate), cell(s.rescuedGradShare),
    cell(s.convergenceStep, 1),
    s.collapsed === 0 ? 'none' : escapeXml(s.collapses.join('; ')),
  ]);
  return `<table class="summary"><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>`
    + rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('') + '</tbody></table>';
}

export function renderReport(runs: readonly RunData[], opts: ReportOptions = {}): string {
  const arms = byArm(runs);
  const w = opts.smooth ?? 5;
  const charts = CHARTS.map((c) => {
    const series: Series[] = [...arms.entries()].map(([arm, rs], i) => {
      const curve = meanCurve(rs.map((r) => c.curve(r)));
      return { name: rs.length > 1 ? `${arm} (mean of ${rs.length})` : arm, points: c.smooth ? smooth(curve, w) : curve, color: PALETTE[i % PALETTE.length] as string };
    });
    return lineChart(c.title, series);
  });
  // Equal compute: held-out accuracy against rollouts generated and training wall time.
  for (const [x, title] of [['rollouts', 'Held-out accuracy vs rollouts generated'], ['seconds', 'Held-out accuracy vs training seconds']] as const) {
    charts.splice(1, 0, lineChart(title, [...arms.entries()].map(([arm, rs], i) => ({
      name: arm, points: meanCurveBy(rs, x), color: PALETTE[i % PALETTE.length] as string,
    })), { xLabel: x }));
  }
  const title = opts.title ?? 'toolexpander report';
  const sum = summarize(runs, opts);
  const intervals = runs.length > arms.size ? 'Intervals: 95% Student t over seeds.' : 'One seed per arm: no intervals.';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}.charts{display:flex;flex-wrap:wrap;gap:12px}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}small{color:#666}p.note{color:#555;font-size:13px}</style></head><body>
<h1>${escapeXml(title)}</h1>
<p class="note">Runs: ${runs.map((r) => `${escapeXml(r.name)} (${escapeXml(r.arm)}, seed ${r.seed})`).join(', ')}. ${intervals}
Per-step curves are moving averages over ${w} steps. Hard rate is measured before resampling. Collapse: accuracy more than
${(opts.collapse ?? { margin: 0.15 }).margin} below its running best, or entropy below ${(opts.collapse ?? { minEntropy: 0.05 }).minEntropy}.</p>
${table(sum)}
<div class="charts">${charts.join('\n')}</div>
</body></html>
`;
}

export async function writeReport(path: string, runs: readonly RunData[], opts: ReportOptions = {}): Promise<void> {
  await writeFileAtomic(path, [Buffer.from(renderReport(runs, opts), 'utf8')]);
}

// `toolexpander eval --benchmark`: greedy generation over a benchmark's entries through a
// bounded pool, each verdict appended to the results JSONL as it comes (resumable), a
// progress line with an ETA, then the leaderboard-style table.

import type { Policy } from '../../model/policy.js';
import { Progress, type ProgressStream } from '../../report/progress.js';
import type { Task } from '../../data/types.js';
import { buildPrompt, renderChatML } from '../../toolexpander/prompt.js';
import { defaultRender } from '../../rl/trainer.js';
import { bfclRows, formatRows, type TableRow } from './bfcl-table.js';
import { loadBenchmark, type BenchItem, type Benchmark, type PromptFormat, type Verdict } from './items.js';
import { TxError } from '../../errors.js';
import { ResultsFile, type EntryResult, type ResultHeader } from './results.js';
import { runPool } from './pool.js';

export type BenchmarkRunOptions = {
  benchmark: Benchmark;
  data: string;
  policy: Pick<Policy, 'generate'>;
  policyName: string;
  checkpoint: string | null;
  /** Entries per category (the first N of each file), or all. */
  evalSize: number | 'all';
  categories?: string[];
  format: PromptFormat;
  underscoreNames: boolean;
  results: string;
  concurrency: number;
  batch: number;
  maxTokens: number;
  seed: number;
  log?: (line: string) => void;
  progress?: ProgressStream;
};

export type CategoryResult = { n: number; correct: number; accuracy: number; inFile: number };
export type BenchmarkSummary = { benchmark: Benchmark; results: string; byCategory: Record<string, CategoryResult>; table: string };

function underscored(task: Task): Task {
  return { ...task, tools: task.tools.map((t) => ({ ...t, name: t.name.replaceAll('.', '_') })) };
}

export function renderFor(format: PromptFormat, underscoreNames: boolean): (task: Task) => string {
  return (task0) => {
    const task = underscoreNames ? underscored(task0) : task0;
    return format === 'tool-n1' ? renderChatML(buildPrompt(task, { style: 'json' })) : defaultRender(task, []);
  };
}

function pick(items: readonly BenchItem[], size: number | 'all'): BenchItem[] {
  if (size === 'all') return [...items];
  const seen = new Map<string, number>();
  return items.filter((it) => {
    const k = (seen.get(it.category) ?? 0) + 1;
    seen.set(it.category, k);
    return k <= size;
  });
}

type Generated = { text: string; refused?: string };

/**
 * Greedy completions for a batch. A prompt the policy refuses as out of range (longer than
 * its context, say) scores 0 with reason `prompt_refused`, as a model that cannot read
 * the entry fails it; the batch is retried one prompt at a time to find which. Other
 * errors (a server down) stop the run, which resumes from the results file.
 */
async function generateAll(o: BenchmarkRunOptions, prompts: string[]): Promise<Generated[]> {
  const opts = { n: 1, temperature: 0, topK: 1, maxTokens: o.maxTokens, seed: o.seed };
  try {
    const out = await o.policy.generate(prompts, opts);
    return prompts.map((_, j) => ({ text: out[j]?.[0]?.text ?? '' }));
  } catch (e) {
    if (!(e instanceof TxError) || e.code !== 'E_RANGE') throw e;
    if (prompts.length === 1) return [{ text: '', refused: e.message }];
    const each: Generated[] = [];
    for (const p of prompts) each.push(...await generateAll(o, [p]));
    return each;
  }
}

/**
 * One row per API-Bank level, and under a level whose entries come in samples (level 3)
 * the share of samples with every evaluated call right: lv3_evaluator.py's "Sample
 * Accuracy" beside its per-call "Accuracy".
 */
function apiBankRows(items: readonly BenchItem[], file: ResultsFile, byCat: ReadonlyMap<string, { n: number; correct: number }>): TableRow[] {
  const groups = new Map<string, Map<string, boolean>>();
  for (const it of items) {
    const r = file.done.get(ResultsFile.key(it.category, it.id));
    if (it.group === undefined || r === undefined) continue;
    const g = groups.get(it.category) ?? new Map<string, boolean>();
    g.set(it.group, (g.get(it.group) ?? true) && r.valid);
    groups.set(it.category, g);
  }
  const rows: TableRow[] = [];
  for (const [c, e] of byCat) {
    rows.push({ label: c, score: { accuracy: e.correct / e.n, total: e.n, na: false }, depth: 0 });
    const g = groups.get(c);
    if (g !== undefined && g.size > 0) {
      const right = [...g.values()].filter((v) => v).length;
      rows.push({ label: 'samples, every call right', score: { accuracy: right / g.size, total: g.size, na: false }, depth: 1 });
    }
  }
  return rows;
}

export async function runBenchmark(o: BenchmarkRunOptions): Promise<BenchmarkSummary> {
  const log = o.log ?? ((s: string) => console.log(s));
  const { items: all, fileSizes } = await loadBenchmark(o.benchmark, o.data, { ...(o.categories ? { categories: o.categories } : {}), format: o.format, underscoreNames: o.underscoreNames });
  const items = pick(all, o.evalSize);
  if (items.length < all.length) {
    log(`eval: warning: evaluating ${items.length} of the ${all.length} entries in ${o.data} (--eval-size ${o.evalSize} per category; --eval-size all for every entry)`);
  }
  const header: ResultHeader = {
    type: 'header', benchmark: o.benchmark, data: o.data, policy: o.policyName, checkpoint: o.checkpoint,
    format: o.format, underscoreNames: o.underscoreNames, maxTokens: o.maxTokens, seed: o.seed,
  };
  const file = ResultsFile.open(o.results, header);
  const todo = items.filter((it) => !file.done.has(ResultsFile.key(it.category, it.id)));
  if (todo.length < items.length) log(`eval: resuming ${o.results}: ${items.length - todo.length} entries already scored`);
  const render = renderFor(o.format, o.underscoreNames);
  const progress = new Progress(todo.length, { label: `eval ${o.benchmark}`, ...(o.progress ? { stream: o.progress } : {}) });
  const started = Date.now();
  let done = 0;
  let correct = 0;
  try {
    await runPool(todo, { concurrency: o.concurrency, batch: o.batch }, async (batch) => {
      const out = await generateAll(o, batch.map((it) => render(it.task)));
      batch.forEach((it, j) => {
        const g = out[j] ?? { text: '' };
        const text = g.text;
        const v: Verdict = g.refused === undefined ? it.verdict(text) : { valid: false, reason: 'prompt_refused', error: g.refused };
        const r: EntryResult = { type: 'entry', category: it.category, id: it.id, valid: v.valid, reason: v.reason, ...(v.error === undefined ? {} : { error: v.error }), text };
        file.add(r);
        done++;
        if (v.valid) correct++;
        const elapsed = (Date.now() - started) / 1000;
        progress.update(done, `eta ${((elapsed / done) * (todo.length - done)).toFixed(0)}s, accuracy ${(correct / done).toFixed(3)}`);
      });
    });
  } finally {
    progress.finish();
    file.close();
  }
  const byCat = new Map<string, { n: number; correct: number }>();
  for (const it of items) {
    const r = file.done.get(ResultsFile.key(it.category, it.id));
    if (r === undefined) continue;
    const e = byCat.get(it.category) ?? { n: 0, correct: 0 };
    e.n++;
    if (r.valid) e.correct++;
    byCat.set(it.category, e);
  }
  const byCategory: Record<string, CategoryResult> = {};
  for (const [c, e] of byCat) byCategory[c] = { ...e, accuracy: e.correct / e.n, inFile: fileSizes.get(c) ?? e.n };
  const table = o.benchmark === 'bfcl' ? formatRows(bfclRows(byCat, fileSizes)) : formatRows(apiBankRows(items, file, byCat));
  log(`${o.benchmark} (format ${o.format}${o.underscoreNames ? ', underscored names' : ''}, policy ${o.policyName}; results ${o.results})`);
  log(table);
  return { benchmark: o.benchmark, results: o.results, byCategory, table };
}

// `eval --benchmark`: the runner on the vendored data with scripted policies (an oracle
// that answers each entry's ground truth, a crashing one, a slow concurrent one), resume
// after a crash (torn last line dropped), settings checks, BFCL's aggregation, and the
// real CLI with the shipped tiny checkpoint.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TxError } from '../../lib/errors.js';
import type { GenerateOptions, Rollout } from '../../lib/model/policy.js';
import { bfclRows, formatRows } from '../../lib/cli/benchmark/bfcl-table.js';
import { loadBenchmark } from '../../lib/cli/benchmark/items.js';
import { renderFor, runBenchmark, type BenchmarkRunOptions } from '../../lib/cli/benchmark/run.js';
import { pyJsonParse, pyJsonStringify } from '../../lib/data/pyjson.js';
import { SHARED_DATA } from '../fixtures/render.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tx-bench-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const DATA = join(SHARED_DATA, 'bfcl');
const CATS = ['simple_python', 'simple_javascript', 'parallel', 'irrelevance', 'live_relevance'];

type Gen = (prompts: string[], opts: GenerateOptions) => Promise<Rollout[][]>;
const rollout = (text: string): Rollout[] => [{ text, tokens: new Int32Array(0), logp: new Float32Array(0) }];

/** Answers every prompt with its entry's first acceptable values (or no call / a call for relevance). */
async function oracle(): Promise<Map<string, string>> {
  const { items } = await loadBenchmark('bfcl', DATA, { categories: CATS, format: 'package', underscoreNames: false });
  const render = renderFor('package', false);
  const answers = new Map<string, string>();
  for (const it of items) {
    let text = '<think>none</think><tool_call>[]</tool_call>';
    const gt = it.task.meta?.['bfclGroundTruth'];
    if (typeof gt === 'string') {
      const calls = (pyJsonParse(gt) as { value: Record<string, Record<string, unknown[]>>[] }).value.map((c) => {
        const [name, params] = Object.entries(c)[0] as [string, Record<string, unknown[]>];
        const args: Record<string, unknown> = {};
        for (const [k, alts] of Object.entries(params)) { const a = alts.find((x) => x !== ''); if (a !== undefined) args[k] = a; }
        return `{"name": ${JSON.stringify(name)}, "arguments": ${pyJsonStringify(args)}}`;
      });
      text = `<think>x</think><tool_call>[${calls.join(', ')}]</tool_call>`;
    } else if (it.category === 'live_relevance') {
      text = `<tool_call>[{"name": ${JSON.stringify(it.task.tools[0]?.name)}, "arguments": {}}]</tool_call>`;
    }
    answers.set(render(it.task), text);
  }
  return answers;
}

function opts(results: string, generate: Gen, extra: Partial<BenchmarkRunOptions> = {}): BenchmarkRunOptions {
  const lines: string[] = [];
  return {
    benchmark: 'bfcl', data: DATA, policy: { generate }, policyName: 'scripted', checkpoint: null, evalSize: 4, categories: CATS,
    format: 'package', underscoreNames: false, results, concurrency: 1, batch: 3, maxTokens: 64, seed: 0,
    log: (s) => lines.push(s), progress: { isTTY: false, write: () => true }, ...extra,
  };
}

t.test('oracle answers: per-entry JSONL, the table, the warning', async (t) => {
  const answers = await oracle();
  const logs: string[] = [];
  const results = join(dir, 'oracle.jsonl');
  const s = await runBenchmark({ ...opts(results, async (ps) => ps.map((p) => rollout(answers.get(p) ?? 'unknown prompt'))), log: (l) => logs.push(l) });
  const lines = readFileSync(results, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(lines[0]?.['type'], 'header');
  t.equal(lines.length, 1 + 4 * CATS.length, 'one line per entry');
  for (const c of CATS) t.equal(s.byCategory[c]?.n, 4, `${c}: 4 entries`);
  t.equal(s.byCategory['irrelevance']?.accuracy, 1);
  t.equal(s.byCategory['live_relevance']?.accuracy, 1);
  t.equal(s.byCategory['parallel']?.accuracy, 1);
  t.ok(lines.slice(1).every((l) => (l['valid'] === true) === (l['reason'] === null)), 'a reason exactly where it failed');
  t.match(logs.join('\n'), /warning: evaluating 20 of the \d+ entries/);
  t.match(s.table, /simple_java\s+N\/A/, 'a category not evaluated is N/A');
  t.match(s.table, /live_relevance\s+100\.00%\s+4/);
});

t.test('crash, torn line, resume: each entry scored once', async (t) => {
  const answers = await oracle();
  const results = join(dir, 'resume.jsonl');
  let calls = 0;
  const flaky: Gen = async (ps) => {
    if (++calls === 3) throw new Error('server went away');
    return ps.map((p) => rollout(answers.get(p) ?? ''));
  };
  await t.rejects(runBenchmark(opts(results, flaky)), /server went away/);
  const before = readFileSync(results, 'utf8').trim().split('\n').length;
  t.equal(before, 1 + 2 * 3, 'two batches written before the crash');
  appendFileSync(results, '{"type":"entry","category":"parallel","id":"par');
  const seen: string[] = [];
  const s = await runBenchmark(opts(results, async (ps) => { seen.push(...ps); return ps.map((p) => rollout(answers.get(p) ?? '')); }));
  t.equal(seen.length, 4 * CATS.length - 6, 'only the missing entries are generated');
  const lines = readFileSync(results, 'utf8').trim().split('\n');
  t.equal(lines.length, 1 + 4 * CATS.length);
  t.ok(lines.every((l) => JSON.parse(l) !== undefined), 'no torn line left');
  t.equal(s.byCategory['parallel']?.accuracy, 1);
  await t.rejects(runBenchmark(opts(results, flaky, { format: 'tool-n1' })), { code: 'E_STATE', message: /resume\.jsonl:1: written with format="package"/ });
});

t.test('bounded concurrency; prompts the policy refuses score 0 with a reason', async (t) => {
  let inFlight = 0;
  let peak = 0;
  const slow: Gen = async (ps) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    return ps.map(() => rollout('plain text'));
  };
  const s = await runBenchmark(opts(join(dir, 'pool.jsonl'), slow, { concurrency: 3, batch: 1 }));
  t.equal(peak, 3, 'three requests in flight, never more');
  t.equal(s.byCategory['irrelevance']?.accuracy, 1, 'plain text passes irrelevance');
  const refused = await runBenchmark(opts(join(dir, 'refused.jsonl'), async (ps) => { if (ps.length > 0) throw new TxError('E_RANGE', 'prompt longer than the context'); return []; }, { categories: ['irrelevance'], evalSize: 2 }));
  t.equal(refused.byCategory['irrelevance']?.correct, 0);
  t.match(readFileSync(join(dir, 'refused.jsonl'), 'utf8'), /"reason":"prompt_refused","error":"prompt longer than the context"/);
});

t.test("BFCL's aggregation", async (t) => {
  const acc = new Map([['simple_python', { n: 10, correct: 5 }], ['simple_java', { n: 10, correct: 10 }], ['simple_javascript', { n: 10, correct: 0 }],
    ['multiple', { n: 4, correct: 1 }], ['parallel', { n: 4, correct: 2 }], ['parallel_multiple', { n: 4, correct: 3 }],
    ['live_simple', { n: 10, correct: 10 }], ['live_multiple', { n: 30, correct: 0 }]]);
  const rows = bfclRows(acc);
  const get = (label: string, i = 0) => rows.filter((r) => r.label === label)[i]?.score;
  t.equal(get('simple (python, java, javascript)')?.accuracy, 0.5, 'simple: unweighted mean');
  t.equal(get('AST summary')?.accuracy, (0.5 + 0.25 + 0.5 + 0.75) / 4);
  t.equal(get('Live overall (weighted)')?.accuracy, 10 / 40, 'live: weighted by counts; missing ones count 0');
  t.equal(get('AST summary', 1)?.na, true, 'live summary N/A while a live category is missing');
  t.match(formatRows(rows), /Live overall \(weighted\)\s+25\.00%/);
});

t.test('the CLI with the shipped checkpoint', async (t) => {
  const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };
  const run = (...a: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'lib/cli/main.ts'), 'eval', ...a], { cwd: root, encoding: 'utf8', env });
  const r = run('--benchmark', 'bfcl', '--data', DATA, '--categories', 'simple_javascript,irrelevance', '--eval-size', '3', '--results', join(dir, 'cli.jsonl'));
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /simple_javascript\s+\d+\.\d\d%\s+3/);
  t.match(r.stdout, /irrelevance\s+\d+\.\d\d%\s+3/);
  const bad = run('--benchmark', 'bfcl', '--data', DATA, '--categories', 'multi_turn_base');
  t.equal(bad.status, 1);
  // A build with CUDA compiled in announces once that it runs on the CPU: not part of the error.
  const errorLines = bad.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('toolexpander: CUDA compiled but not usable'));
  t.equal(errorLines.length, 1, 'one line');
  t.match(errorLines[0], /^toolexpander: unknown BFCL category 'multi_turn_base'.*\[E_RANGE\]$/);
  const l3 = run('--benchmark', 'api-bank', '--data', join(SHARED_DATA, 'api-bank'), '--categories', 'level-3', '--eval-size', '4', '--results', join(dir, 'cli-l3.jsonl'));
  t.equal(l3.status, 0, l3.stderr);
  t.match(l3.stdout, /level-3\s+\d+\.\d\d%\s+4\n\s+samples, every call right\s+\d+\.\d\d%\s+1/, 'API-Bank level 3 from the CLI, with its sample row');
  t.match(run('--benchmark', 'mmlu', '--data', DATA).stderr, /--benchmark must be one of bfcl, api-bank/);
  t.match(run('--benchmark', 'bfcl', '--data', DATA, '--eval-size', '0').stderr, /--eval-size must be a positive integer or 'all'/);
});

t.test('api-bank levels 1-3 through the runner', async (t) => {
  const data = join(SHARED_DATA, 'api-bank');
  const { items } = await loadBenchmark('api-bank', data, { format: 'package', underscoreNames: false });
  t.same([...new Set(items.map((i) => i.category))], ['level-1', 'level-2', 'level-3'], 'every level found in the folder');
  const render = renderFor('package', false);
  const gold = new Map(items.map((it) => [render(it.task), `<think>x</think><tool_call>${JSON.stringify(it.task.answer)}</tool_call>`]));
  const s = await runBenchmark(opts(join(dir, 'api-bank.jsonl'), async (ps) => ps.map((p) => rollout(gold.get(p) ?? '')), {
    benchmark: 'api-bank', data, categories: ['level-2', 'level-3'], evalSize: 'all',
  }));
  t.equal(s.byCategory['level-2']?.n, 119);
  t.equal(s.byCategory['level-2']?.accuracy, 1, 'ground truths score 1 at level 2');
  t.match(s.table, /level-2\s+100\.00%\s+119/);
  t.equal(s.byCategory['level-3']?.n, 245);
  t.equal(s.byCategory['level-3']?.correct, 235, 'level 3: all but the 10 list-valued gold calls, as upstream');
  t.match(s.table, /level-3\s+95\.92%\s+245\n\s+samples, every call right\s+80\.00%\s+50/);
  const lines = readFileSync(join(dir, 'api-bank.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  const miss = lines.find((l) => l['id'] === 'api-bank-l3-20-5');
  t.match(miss, { category: 'level-3', valid: false, reason: 'wrong_args', error: /preferences: the gold value is a list/ }, 'per-entry reason with the failed check');
  await t.rejects(loadBenchmark('api-bank', data, { categories: ['level-4'], format: 'package', underscoreNames: false }), { code: 'E_RANGE', message: /API-Bank 'level-4' is not supported \(level-1, level-2, level-3\)/ });
});

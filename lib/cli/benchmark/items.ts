// What a benchmark run evaluates: one item per entry, with the task a policy is prompted
// with and the verdict function of that benchmark's official checker.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TxError } from '../../errors.js';
import { fromApiBank, fromApiBankLevel2 } from '../../data/apibank.js';
import { fromApiBankLevel3 } from '../../data/apibank-level3.js';
import { bfclQuestionPath, readBfclCategory } from '../../reward/bfcl-suite.js';
import type { Task } from '../../data/types.js';
import { BFCL_CATEGORIES, bfclVerdict, type BfclBlock } from '../../reward/bfcl-verdict.js';
import { scoreRollout } from '../../reward/score.js';
import { parseToolCalls } from '../../reward/parse.js';
import { apiBankLevel3Gold, matchApiBankLevel3 } from '../../reward/api-bank-level3.js';

export type Verdict = { valid: boolean; reason: string | null; error?: string };
/** `group`: entries scored together as well (an API-Bank level-3 sample: all its steps right). */
export type BenchItem = { category: string; id: string; task: Task; verdict: (text: string) => Verdict; group?: string };
export type Loaded = { items: BenchItem[]; fileSizes: Map<string, number> };

export const BENCHMARKS = ['bfcl', 'api-bank'] as const;
export type Benchmark = (typeof BENCHMARKS)[number];

/** Prompt format: the package's (compact tools, last block counts) or Tool-N1's (JSON tools, first block). */
export const FORMATS = ['package', 'tool-n1'] as const;
export type PromptFormat = (typeof FORMATS)[number];

export function blockOf(format: PromptFormat): BfclBlock {
  return format === 'tool-n1' ? 'first' : 'last';
}

async function bfclItems(dir: string, categories: readonly string[] | undefined, format: PromptFormat, underscoreNames: boolean): Promise<Loaded> {
  const cats = categories ?? BFCL_CATEGORIES.filter((c) => existsSync(bfclQuestionPath(dir, c)));
  if (cats.length === 0) throw new TxError('E_FORMAT', `--data ${dir}: no BFCL_v4_<category>.json file (lay it out as gorilla's bfcl_eval/data)`);
  const items: BenchItem[] = [];
  const fileSizes = new Map<string, number>();
  for (const c of cats) {
    const entries = await readBfclCategory(dir, c);
    fileSizes.set(c, entries.length);
    for (const { entry, task } of entries) {
      items.push({
        category: c, id: entry.id, task,
        verdict: (text) => {
          const v = bfclVerdict(text, entry, { block: blockOf(format), underscoreNames });
          return { valid: v.valid, reason: v.errorType ?? null, ...(v.error === undefined ? {} : { error: v.error }) };
        },
      });
    }
  }
  return { items, fileSizes };
}

const API_BANK_LEVELS = ['level-1', 'level-2', 'level-3'];

/** Where each level lives in an API-Bank folder (level-1 is required, the others are used when present). */
function apiBankSource(dir: string, level: string): { path: string; tasks: () => AsyncIterable<Task> } {
  if (level === 'level-1') return { path: join(dir, 'level-1-api.json'), tasks: () => fromApiBank(join(dir, 'level-1-api.json')) };
  if (level === 'level-2') return { path: join(dir, 'level-2-toolsearcher'), tasks: () => fromApiBankLevel2(join(dir, 'level-2-toolsearcher')) };
  return { path: join(dir, 'level-3.json'), tasks: () => fromApiBankLevel3(join(dir, 'level-3.json')) };
}

function apiBankVerdict(task: Task, format: PromptFormat): (text: string) => Verdict {
  const scoreFormat = format === 'tool-n1' ? 'tool-n1' : 'strict';
  const l3 = apiBankLevel3Gold(task);
  return (text) => {
    const r = scoreRollout(text, task, { matcher: 'api-bank', format: scoreFormat });
    if (r.base === 1) return { valid: true, reason: null };
    // Level 3: also say which of the official checks failed.
    const parsed = l3 === undefined ? undefined : parseToolCalls(text, { format: scoreFormat });
    const m = parsed?.ok === true && l3 !== undefined ? matchApiBankLevel3(parsed.calls, text, task, l3) : undefined;
    return { valid: false, reason: r.reason, ...(m !== undefined && !m.ok && m.detail !== undefined ? { error: m.detail } : {}) };
  };
}

async function apiBankItems(dir: string, categories: readonly string[] | undefined, format: PromptFormat): Promise<Loaded> {
  const wanted = categories ?? API_BANK_LEVELS.filter((c) => c === 'level-1' || existsSync(apiBankSource(dir, c).path));
  for (const c of wanted) {
    if (!API_BANK_LEVELS.includes(c)) throw new TxError('E_RANGE', `--categories: API-Bank '${c}' is not supported (${API_BANK_LEVELS.join(', ')})`);
  }
  const items: BenchItem[] = [];
  const fileSizes = new Map<string, number>();
  for (const c of wanted) {
    let n = 0;
    for await (const task of apiBankSource(dir, c).tasks()) {
      n++;
      const sample = c === 'level-3' ? task.meta?.['sampleId'] : undefined;
      items.push({ category: c, id: task.id, task, verdict: apiBankVerdict(task, format), ...(sample === undefined ? {} : { group: `${c}:${String(sample)}` }) });
    }
    fileSizes.set(c, n);
  }
  return { items, fileSizes };
}

export function loadBenchmark(benchmark: Benchmark, dir: string, opts: { categories?: string[]; format: PromptFormat; underscoreNames: boolean }): Promise<Loaded> {
  return benchmark === 'bfcl' ? bfclItems(dir, opts.categories, opts.format, opts.underscoreNames) : apiBankItems(dir, opts.categories, opts.format);
}

// What a benchmark run evaluates: one item per entry, with the task a policy is prompted
// with and the verdict function of that benchmark's official checker.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TxError } from '../../errors.js';
import { fromApiBank, fromApiBankLevel2 } from '../../data/apibank.js';
import { bfclQuestionPath, readBfclCategory } from '../../reward/bfcl-suite.js';
import type { Task } from '../../data/types.js';
import { BFCL_CATEGORIES, bfclVerdict, type BfclBlock } from '../../reward/bfcl-verdict.js';
import { scoreRollout } from '../../reward/score.js';

export type Verdict = { valid: boolean; reason: string | null; error?: string };
export type BenchItem = { category: string; id: string; task: Task; verdict: (text: string) => Verdict };
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

const API_BANK_LEVELS = ['level-1', 'level-2'];

async function apiBankItems(dir: string, categories: readonly string[] | undefined, format: PromptFormat): Promise<Loaded> {
  const levelTwo = join(dir, 'level-2-toolsearcher');
  const wanted = categories ?? API_BANK_LEVELS.filter((c) => c === 'level-1' || existsSync(levelTwo));
  for (const c of wanted) {
    if (!API_BANK_LEVELS.includes(c)) throw new TxError('E_RANGE', `--categories: API-Bank '${c}' is not supported (${API_BANK_LEVELS.join(', ')})`);
  }
  const items: BenchItem[] = [];
  const fileSizes = new Map<string, number>();
  for (const c of wanted) {
    const tasks = c === 'level-1' ? fromApiBank(join(dir, 'level-1-api.json')) : fromApiBankLevel2(levelTwo);
    let n = 0;
    for await (const task of tasks) {
      n++;
      items.push({
        category: c, id: task.id, task,
        verdict: (text) => {
          const r = scoreRollout(text, task, { matcher: 'api-bank', format: format === 'tool-n1' ? 'tool-n1' : 'strict' });
          return { valid: r.base === 1, reason: r.base === 1 ? null : r.reason };
        },
      });
    }
    fileSizes.set(c, n);
  }
  return { items, fileSizes };
}

export function loadBenchmark(benchmark: Benchmark, dir: string, opts: { categories?: string[]; format: PromptFormat; underscoreNames: boolean }): Promise<Loaded> {
  return benchmark === 'bfcl' ? bfclItems(dir, opts.categories, opts.format, opts.underscoreNames) : apiBankItems(dir, opts.categories, opts.format);
}

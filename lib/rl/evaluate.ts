// Greedy evaluation on held-out splits (docs/method.md section 8): one completion per task
// at temperature 0 / top-k 1, accuracy = share with r_base = 1, overall and by category.

import type { Task } from '../data/types.js';
import type { Policy } from '../model/policy.js';
import type { ScoreResult } from '../reward/types.js';

import type { Accuracy, EvalResult, SplitResult } from '../report/records.js';

export type { Accuracy, EvalResult, SplitResult };

/** One scored task, as `eval --results` writes it (one JSON line each). */
export type TaskRecord = { split: string; id: string; category: string; correct: boolean; reason: ScoreResult['reason']; text: string };

export type EvalContext = {
  render: (task: Task) => string;
  score: (text: string, task: Task) => ScoreResult;
  maxTokens: number;
  seed: number;
  /** Prompts per generate call (bounds memory on a real model). */
  chunk?: number;
  /** Called after each generate call with every task it scored (progress, per-task results). */
  onScored?: (records: TaskRecord[]) => void | Promise<void>;
};

export function categoryOf(task: Task): string {
  const c = task.meta?.['category'];
  return typeof c === 'string' ? c : 'unknown';
}

function acc(n: number, correct: number): Accuracy {
  return { n, correct, accuracy: n === 0 ? 0 : correct / n };
}

export async function evaluateSplit(policy: Pick<Policy, 'generate'>, tasks: readonly Task[], ctx: EvalContext, split = 'test'): Promise<SplitResult> {
  const chunk = ctx.chunk ?? 64;
  const cats = new Map<string, { n: number; correct: number }>();
  let correct = 0;
  for (let i = 0; i < tasks.length; i += chunk) {
    const part = tasks.slice(i, i + chunk);
    const out = await policy.generate(part.map((t) => ctx.render(t)),
      { n: 1, temperature: 0, topK: 1, maxTokens: ctx.maxTokens, seed: ctx.seed });
    const records: TaskRecord[] = part.map((task, j) => {
      const text = out[j]?.[0]?.text ?? '';
      const scored = ctx.score(text, task);
      const ok = scored.base === 1;
      const c = categoryOf(task);
      const e = cats.get(c) ?? { n: 0, correct: 0 };
      e.n++;
      if (ok) { e.correct++; correct++; }
      cats.set(c, e);
      return { split, id: task.id, category: c, correct: ok, reason: scored.reason, text };
    });
    await ctx.onScored?.(records);
  }
  const byCategory: Record<string, Accuracy> = {};
  for (const c of [...cats.keys()].sort()) {
    const e = cats.get(c) as { n: number; correct: number };
    byCategory[c] = acc(e.n, e.correct);
  }
  return { ...acc(tasks.length, correct), byCategory };
}

export async function evaluate(policy: Pick<Policy, 'generate'>, splits: Readonly<Record<string, readonly Task[]>>, ctx: EvalContext): Promise<EvalResult> {
  const out: EvalResult = {};
  for (const [name, tasks] of Object.entries(splits)) out[name] = await evaluateSplit(policy, tasks, ctx, name);
  return out;
}

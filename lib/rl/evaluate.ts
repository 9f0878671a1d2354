// Greedy evaluation on held-out splits (docs/method.md section 8): one completion per task
// at temperature 0 / top-k 1, accuracy = share with r_base = 1, overall and by category.

import type { Task } from '../data/types.js';
import type { Policy } from '../model/policy.js';
import type { ScoreResult } from '../reward/types.js';

export type Accuracy = { n: number; correct: number; accuracy: number };
export type SplitResult = Accuracy & { byCategory: Record<string, Accuracy> };
export type EvalResult = Record<string, SplitResult>;

export type EvalContext = {
  render: (task: Task) => string;
  score: (text: string, task: Task) => ScoreResult;
  maxTokens: number;
  seed: number;
  /** Prompts per generate call (bounds memory on a real model). */
  chunk?: number;
};

export function categoryOf(task: Task): string {
  const c = task.meta?.['category'];
  return typeof c === 'string' ? c : 'unknown';
}

function acc(n: number, correct: number): Accuracy {
  return { n, correct, accuracy: n === 0 ? 0 : correct / n };
}

export async function evaluateSplit(policy: Pick<Policy, 'generate'>, tasks: readonly Task[], ctx: EvalContext): Promise<SplitResult> {
  const chunk = ctx.chunk ?? 64;
  const cats = new Map<string, { n: number; correct: number }>();
  let correct = 0;
  for (let i = 0; i < tasks.length; i += chunk) {
    const part = tasks.slice(i, i + chunk);
    const out = await policy.generate(part.map((t) => ctx.render(t)),
      { n: 1, temperature: 0, topK: 1, maxTokens: ctx.maxTokens, seed: ctx.seed });
    part.forEach((task, j) => {
      const text = out[j]?.[0]?.text ?? '';
      const ok = ctx.score(text, task).base === 1;
      const c = categoryOf(task);
      const e = cats.get(c) ?? { n: 0, correct: 0 };
      e.n++;
      if (ok) { e.correct++; correct++; }
      cats.set(c, e);
    });
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
  for (const [name, tasks] of Object.entries(splits)) out[name] = await evaluateSplit(policy, tasks, ctx);
  return out;
}

// SFT data for the warm start (docs/method.md section 9): every task becomes a chat
// (system + user, assistant target <think>...</think><tool_call>[...]</tool_call>); a share
// of them carries solved demonstrations as earlier turns (the form hard sampling uses) and
// a share carries a Self-Exemplifying Thinking block in the think (section 4), so the
// weak model has seen both forms before RL.

import { goldCalls } from '../data/gold.js';
import { stream } from '../util/prng.js';
import type { Call, Message, Task } from '../data/types.js';
import { validateArgs } from '../reward/schema-cache.js';
import { callKey } from '../reward/exact.js';
import { createDemoPool, selectDemos, type DemoPool } from './demos.js';
import { DEFAULT_SHOTS } from './levels.js';
import { buildPrompt, goldThink, renderCompletion, type ToolStyle } from './prompt.js';

export type SftKind = 'plain' | 'demos' | 'set';

export type SftSample = {
  id: string;
  taskId: string;
  kind: SftKind;
  /** The prompt: system, demonstration turns if any, the user query. */
  messages: Message[];
  /** The assistant target. */
  completion: string;
};

export type SftOptions = {
  seed: number;
  /** Share of samples with demonstrations in context (default 0.2). */
  demoShare?: number;
  /** Share of samples with a SET example in the think (default 0.2). */
  setShare?: number;
  /** Demonstration counts to draw from (default the hard-sampling shots, [1, 2]). */
  shots?: readonly number[];
  style?: ToolStyle;
  /** Where demonstrations and examples come from (default: the tasks themselves). */
  pool?: DemoPool;
};

function lastUser(task: Task): string {
  for (let i = task.messages.length - 1; i >= 0; i--) {
    const m = task.messages[i];
    if (m !== undefined && m.role === 'user') return m.content;
  }
  return '';
}

function argText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Short analysis: how the example's calls map onto this query's. */
export function setAnalysis(example: readonly Call[], final: readonly Call[]): string {
  const exNames = [...new Set(example.map((c) => c.name))].join(', ');
  if (final.length === 0) return `The example uses ${exNames}; this request needs none of the offered tools.`;
  const parts = final.map((c) => {
    const ex = example.find((e) => e.name === c.name);
    if (ex === undefined) return `${c.name} instead of ${exNames}`;
    const changed = Object.entries(c.arguments)
      .filter(([k, v]) => JSON.stringify(ex.arguments[k]) !== JSON.stringify(v))
      .map(([k, v]) => `${k}=${argText(v)}`);
    return changed.length > 0 ? `same tool ${c.name}, here ${changed.join(', ')}` : `same tool ${c.name}`;
  });
  return `The example maps the query to its call; ${parts.join('; ')}.`;
}

/** A think with one SET block: `<example>query: ...<tool_call>...</tool_call></example><analysis>...</analysis>` then the gold reasoning. */
export function setThink(exampleQuery: string, exampleCalls: readonly Call[], final: readonly Call[]): string {
  return `<example>query: ${exampleQuery}\n<tool_call>${JSON.stringify(exampleCalls)}</tool_call>\n</example>`
    + `<analysis>${setAnalysis(exampleCalls, final)}</analysis> ${goldThink(final)}`;
}

/**
 * A solved task usable as the SET example for `task`: non-empty calls, all to tools the
 * task offers, arguments valid against the task's schemas, calls not the task's own.
 */
function exampleFor(pool: DemoPool, task: Task, seed: number): Task | undefined {
  const tools = new Map(task.tools.map((t) => [t.name, t]));
  const final = new Set(goldCalls(task).map(callKey));
  for (const cand of selectDemos(pool, task, 8, { seed, salt: 'set' })) {
    const calls = goldCalls(cand);
    if (calls.length === 0 || calls.every((c) => final.has(callKey(c)))) continue;
    if (calls.every((c) => { const t = tools.get(c.name); return t !== undefined && validateArgs(t.parameters, c.arguments); })) return cand;
  }
  return undefined;
}

/**
 * One SFT sample per task. The kind is drawn per task from (seed, task.id); a sample that
 * should carry demonstrations or an example but finds none that fits stays plain.
 */
export function buildSftData(tasks: readonly Task[], opts: SftOptions): SftSample[] {
  const demoShare = opts.demoShare ?? 0.2;
  const setShare = opts.setShare ?? 0.2;
  const shots = opts.shots ?? DEFAULT_SHOTS;
  const pool = opts.pool ?? createDemoPool(tasks);
  return tasks.map((task) => {
    const r = stream(opts.seed, 'sft', task.id);
    const u = r();
    const calls = goldCalls(task);
    const plain = (): SftSample => ({
      id: `sft-${task.id}`, taskId: task.id, kind: 'plain',
      messages: buildPrompt(task, { style: opts.style }), completion: renderCompletion(calls, goldThink(calls)),
    });
    if (u < demoShare && shots.length > 0) {
      const k = shots[Math.floor(r() * shots.length)] ?? 1;
      const demos = selectDemos(pool, task, k, { seed: opts.seed, salt: 'sft' });
      if (demos.length === 0) return plain();
      return { ...plain(), kind: 'demos', messages: buildPrompt(task, { style: opts.style, demos }) };
    }
    if (u < demoShare + setShare) {
      const ex = exampleFor(pool, task, opts.seed);
      if (ex === undefined) return plain();
      return { ...plain(), kind: 'set', completion: renderCompletion(calls, setThink(lastUser(ex), goldCalls(ex), calls)) };
    }
    return plain();
  });
}

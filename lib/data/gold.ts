// The gold calls of a task: its answer as the Call list a perfect model would emit.
// For a BFCL answer: the first acceptable value of every argument, arguments that may be
// omitted ("" among the values) left out unless the tool's schema requires them.

import { isPlainObject } from './json.js';
import { isBfclAnswer, type Call, type Task } from './types.js';

function firstValue(alts: unknown[]): unknown {
  for (const a of alts) if (a !== '') return renderValue(a);
  return '';
}

function renderValue(v: unknown): unknown {
  if (isPlainObject(v)) {
    // A dict alternative: every key maps to its own acceptable values.
    const out: Record<string, unknown> = {};
    for (const [k, alts] of Object.entries(v)) {
      if (!Array.isArray(alts)) { out[k] = alts; continue; }
      if (alts.includes('')) continue;
      out[k] = firstValue(alts);
    }
    return out;
  }
  if (Array.isArray(v)) return v.map((e) => (isPlainObject(e) ? renderValue(e) : e));
  return v;
}

function requiredOf(task: Task, name: string): ReadonlySet<string> {
  const tool = task.tools.find((t) => t.name === name);
  const req = tool?.parameters['required'];
  return new Set(Array.isArray(req) ? req.filter((r): r is string => typeof r === 'string') : []);
}

export function goldCalls(task: Task): Call[] {
  const answer = task.answer;
  if (!isBfclAnswer(answer)) return answer.map((c) => ({ name: c.name, arguments: c.arguments }));
  const calls: Call[] = [];
  for (const entry of answer.groundTruth) {
    for (const [name, params] of Object.entries(entry)) {
      const required = requiredOf(task, name);
      const args: Record<string, unknown> = {};
      for (const [p, alts] of Object.entries(params)) {
        if (!Array.isArray(alts)) continue;
        if (alts.includes('') && !required.has(p)) continue;
        args[p] = firstValue(alts);
      }
      calls.push({ name, arguments: args });
    }
  }
  return calls;
}

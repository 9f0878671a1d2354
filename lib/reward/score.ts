// scoreRollout: r = r_base + SET bonus (docs/method.md sections 3 and 4). Never throws.

import { goldCalls } from '../data/gold.js';
import type { Call, Task } from '../data/types.js';
import { matchApiBank } from './api-bank.js';
import { apiBankLevel3Gold, matchApiBankLevel3 } from './api-bank-level3.js';
import { matchBfclText } from './bfcl.js';
import { matchExact } from './exact.js';
import { parseToolCalls } from './parse.js';
import { validateArgs } from './schema-cache.js';
import { hasSelfExample } from './set-bonus.js';
import { thinkBefore, THINK_CLOSE, THINK_OPEN } from './tags.js';
import type { MatchResult, ScoreOptions, ScoreResult } from './types.js';

export const DEFAULT_SET_BONUS = 0.01;

function match(calls: Call[], task: Task, matcher: ScoreOptions['matcher'], text: string): MatchResult {
  // BFCL's checker reads the block's own text: Python types (5 vs 5.0) come from it.
  if (matcher === 'bfcl') return matchBfclText(text, task);
  const gold = goldCalls(task);
  if (matcher === 'api-bank') {
    // Level-3 steps carry the official check's inputs (fromApiBankLevel3); the values are
    // re-read from the text with Python's number types, as for BFCL.
    const l3 = apiBankLevel3Gold(task);
    return l3 === undefined ? matchApiBank(calls, gold, task.tools) : matchApiBankLevel3(calls, text, task, l3);
  }
  return matchExact(calls, gold);
}

function schemaValidCalls(calls: readonly Call[], task: Task): boolean {
  for (const c of calls) {
    const tool = task.tools.find((t) => t.name === c.name);
    if (tool === undefined || !validateArgs(tool.parameters, c.arguments)) return false;
  }
  return true;
}

/** The first complete think block, for the `always` gate when the output does not parse. */
function anyThink(text: string): string | undefined {
  const open = text.indexOf(THINK_OPEN);
  if (open < 0) return undefined;
  const close = text.indexOf(THINK_CLOSE, open + THINK_OPEN.length);
  if (close < 0) return undefined;
  return thinkBefore(text, close + THINK_CLOSE.length)?.think;
}

function scoreUnchecked(text: string, task: Task, opts: ScoreOptions): ScoreResult {
  const bonus = opts.setBonus ?? DEFAULT_SET_BONUS;
  const gate = opts.setGate ?? 'correct';
  const parsed = parseToolCalls(text, { format: opts.format ?? 'strict' });
  if (!parsed.ok) {
    let set = false;
    if (gate === 'always' && bonus !== 0 && typeof text === 'string') {
      const think = anyThink(text);
      set = think !== undefined && hasSelfExample(think, task.tools, undefined);
    }
    return { reward: set ? bonus : 0, base: 0, set, reason: parsed.reason, schemaValid: false };
  }
  const m = match(parsed.calls, task, opts.matcher ?? 'exact', text);
  const base: 0 | 1 = m.ok ? 1 : 0;
  const schemaValid = schemaValidCalls(parsed.calls, task);
  const gateOpen = gate === 'always' || gate === 'format' || base === 1;
  const set = gateOpen && bonus !== 0 && hasSelfExample(parsed.think, task.tools, parsed.calls);
  return { reward: base + (set ? bonus : 0), base, set, reason: m.ok ? 'ok' : m.reason, schemaValid };
}

/**
 * Score one rollout against a task: r = r_base (format correct and calls match under
 * `matcher`) + `setBonus` when the SET gates pass. Malformed output scores 0 with a
 * reason code; this function never throws.
 */
export function scoreRollout(text: string, task: Task, opts: ScoreOptions = {}): ScoreResult {
  try {
    return scoreUnchecked(text, task, opts);
  } catch {
    // Not reachable with a validated task; an invalid task object must not crash a trainer.
    return { reward: 0, base: 0, set: false, reason: 'bad_item', schemaValid: false };
  }
}

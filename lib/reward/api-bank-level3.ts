// API-Bank level 3 under the `api-bank` matcher: lv3_evaluator.py's verdict for one step,
// without executing the mock APIs (docs/method.md section 3). The evaluator parses the
// model's `[Api(key='value', ...)]` into string values, runs the call through its tool
// manager (unknown API or parameter, missing parameter, or a value that fails the
// declared int/float conversion: incorrect) and asks the gold API's
// check_api_call_correctness whether the result matches the gold one. Every level-3 API is
// a deterministic function of its input, so "same result" reduces to "same converted
// input", with these per-API rules read from upstream lv3_apis/*.py:
//   - ToolSearcher: only the retrieved tool is compared; see api-bank-retriever.ts.
//   - EmailReminder: `content` is not compared (it must not be blank: the API refuses it).
//   - AddMeeting: `meeting_topic` by word-set Jaccard > 0.5 (words split at single spaces).
//   - Calculator: `formula` with spaces removed.
//   - every other API: the whole converted input.
// A value of a `list` parameter reaches the API as the string the parser cut out, never a
// list, so a gold input holding a list (5 AddMeeting, 5 MovieRecommendations calls) is
// unreachable there and scores 0 here whatever the model sends, as upstream.
//
// Values come from the block's JSON read with Python's types (pyjson.ts) and are turned
// into the string the model would have written in API-Bank's own format (`str(v)`:
// 1000.0 stays `1000.0`, which an int parameter refuses, as upstream).

import { pyJsonParse } from '../data/pyjson.js';
import { isPyDict, pyEq, pyFloat, pyInt, pyStrip } from '../data/pyvalue.js';
import type { ApiBankLevel3Gold } from '../data/apibank-level3.js';
import type { Call, Task } from '../data/types.js';
import { pyStr } from './api-bank.js';
import { sameRetrieval } from './api-bank-retriever.js';
import { lastSpan, TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from './tags.js';
import type { MatchResult } from './types.js';

/** The level-3 gold of a task from fromApiBankLevel3, or undefined for any other task. */
export function apiBankLevel3Gold(task: Task): ApiBankLevel3Gold | undefined {
  const m = task.meta;
  if (m?.['source'] !== 'api-bank' || m['level'] !== 3) return undefined;
  const g = m['apiBank'];
  if (!isPyDict(g) || !isPyDict(g['input']) || !isPyDict(g['types'])) return undefined;
  return g as ApiBankLevel3Gold;
}

const DIGITS = /^\p{Nd}+$/u;

/**
 * The tool manager's conversion of one string value by its declared type, or undefined
 * where it refuses it: int needs str.isdigit(), float the same once one '.' is removed.
 * (Digits that isdigit() accepts but int()/float() cannot read make the upstream run
 * raise; they are refused here.)
 */
function convert(value: string, type: string): unknown {
  if (type === 'int') return DIGITS.test(value) ? pyInt(value) : undefined;
  if (type === 'float') return DIGITS.test(value.replace('.', '')) ? pyFloat(value) : undefined;
  // str, list and list(str) pass the parsed string through unchanged.
  return value;
}

/** Python's `len(set(a.split(" ")) & set(b.split(" "))) / len(... | ...) > 0.5`. */
function topicJaccardAbove(a: string, b: string): boolean {
  const x = new Set(a.split(' '));
  const y = new Set(b.split(' '));
  let inter = 0;
  for (const w of x) if (y.has(w)) inter++;
  return inter / (x.size + y.size - inter) > 0.5;
}

function sameExcept(p: Record<string, unknown>, g: Record<string, unknown>, skip: readonly string[]): string | undefined {
  for (const k of Object.keys(g)) if (!skip.includes(k) && !pyEq(p[k], g[k])) return k;
  return undefined;
}

type Check = { ok: true } | { ok: false; reason: 'wrong_name' | 'wrong_args'; detail: string };

/** The official verdict on one predicted call (`args` as Python values) for a level-3 step. */
export function checkApiBankLevel3(name: string, args: Record<string, unknown>, goldName: string, gold: ApiBankLevel3Gold): Check {
  if (name !== goldName) return { ok: false, reason: 'wrong_name', detail: `called ${name}, expected ${goldName}` };
  const bad = (detail: string): Check => ({ ok: false, reason: 'wrong_args', detail });
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    const type = gold.types[k];
    if (type === undefined) return bad(`invalid parameter name: ${k}`);
    const converted = convert(pyStr(v), type);
    if (converted === undefined) return bad(`invalid parameter type: ${k}=${pyStr(v)} is not ${type}`);
    input[k] = converted;
  }
  for (const k of Object.keys(gold.types)) if (!Object.hasOwn(input, k)) return bad(`missing parameter: ${k}`);
  const g = gold.input;
  switch (name) {
    case 'ToolSearcher': {
      const want = String(g['keywords']);
      return sameRetrieval(String(input['keywords']), want) ? { ok: true }
        : bad(`keywords '${String(input['keywords'])}' do not reach the retriever as '${want}' (retrieves ${gold.retrieves ?? '?'})`);
    }
    case 'EmailReminder': {
      if (pyStrip(String(input['content'])) === '') return bad('content is empty: the API refuses the call');
      const k = sameExcept(input, g, ['content']);
      return k === undefined ? { ok: true } : bad(`${k} differs`);
    }
    case 'AddMeeting': {
      if (!topicJaccardAbove(String(input['meeting_topic']), String(g['meeting_topic']))) return bad('meeting_topic: word overlap not above 0.5');
      const k = sameExcept(input, g, ['meeting_topic']);
      return k === undefined ? { ok: true } : bad(Array.isArray(g[k]) ? `${k}: the gold value is a list, which a parsed call never passes` : `${k} differs`);
    }
    case 'Calculator':
      return String(input['formula']).replaceAll(' ', '') === String(g['formula']).replaceAll(' ', '') ? { ok: true } : bad('formula differs');
    default: {
      const k = sameExcept(input, g, []);
      return k === undefined ? { ok: true } : bad(Array.isArray(g[k]) ? `${k}: the gold value is a list, which a parsed call never passes` : `${k} differs`);
    }
  }
}

/** The arguments of the last `<tool_call>` block's calls with Python's types, or undefined. */
function typedArguments(text: string, n: number): Record<string, unknown>[] | undefined {
  const block = lastSpan(text, TOOL_CALL_OPEN, TOOL_CALL_CLOSE);
  if (block === undefined) return undefined;
  const r = pyJsonParse(text.slice(block.innerStart, block.innerEnd).trim());
  if (!r.ok) return undefined;
  const items = Array.isArray(r.value) ? r.value : [r.value];
  if (items.length !== n) return undefined;
  const out: Record<string, unknown>[] = [];
  for (const it of items) {
    if (!isPyDict(it) || !isPyDict(it['arguments'])) return undefined;
    out.push(it['arguments']);
  }
  return out;
}

/**
 * `api-bank` match for a level-3 task: exactly one call (the evaluator reads one API
 * request per step), judged by checkApiBankLevel3. `calls` are the parsed calls; their
 * values are re-read from `text` with Python's number types when it holds them.
 */
export function matchApiBankLevel3(calls: readonly Call[], text: string, task: Task, gold: ApiBankLevel3Gold): MatchResult {
  const want = task.answer;
  const goldName = Array.isArray(want) ? want[0]?.name : undefined;
  if (goldName === undefined) return { ok: false, reason: 'wrong_name', detail: 'task has no gold call' };
  if (calls.length > 1) return { ok: false, reason: 'extra_call', detail: 'one API request per step' };
  const call = calls[0];
  if (call === undefined) return { ok: false, reason: 'missing_call' };
  const args = typedArguments(text, 1)?.[0] ?? call.arguments;
  const r = checkApiBankLevel3(call.name, args, goldName, gold);
  return r.ok ? { ok: true } : r;
}

// BFCL's own data, read for its checker: a BFCL v4 data folder (laid out as gorilla's
// bfcl_eval/data: BFCL_v4_<category>.json and possible_answer/BFCL_v4_<category>.json,
// JSON Lines) -> entries for the official checker and tasks for rendering. Every line is parsed with Python's json semantics (pyjson.ts)
// so ground-truth floats stay floats. Java and JavaScript parameters are shown to the
// model as strings of source code, as BFCL's function-calling prompt does.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TxError } from '../errors.js';
import type { BfclFunction } from './bfcl-checker.js';
import { BFCL_CATEGORIES, isBfclCategory, isRelevanceCategory, languageOf, type BfclEntry } from './bfcl-verdict.js';
import { pyJsonParse, pyJsonStringify } from '../data/pyjson.js';
import { isPyDict } from '../data/pyvalue.js';
import { bfclCategoryOf, bfclParametersToJsonSchema } from '../data/bfcl.js';
import { validateTask } from '../data/validate.js';
import type { BfclAnswer, Message, Role, Task, Tool } from '../data/types.js';

export type BfclSuiteItem = { entry: BfclEntry; task: Task; line: number };

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);

export function bfclQuestionPath(dir: string, category: string): string {
  return join(dir, `BFCL_v4_${category}.json`);
}

export function bfclAnswerPath(dir: string, category: string): string {
  return join(dir, 'possible_answer', `BFCL_v4_${category}.json`);
}

async function readLines(path: string): Promise<{ line: number; value: Record<string, unknown> }[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);
    throw new TxError('E_FORMAT', `${path}: cannot read: ${why}`);
  }
  const out: { line: number; value: Record<string, unknown> }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (i === 0 ? (lines[i] as string).replace(/^\uFEFF/, '') : lines[i] as string).replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const r = pyJsonParse(raw);
    if (!r.ok) throw new TxError('E_FORMAT', `${path}:${i + 1}: invalid JSON (truncated file?): ${r.error}`);
    if (!isPyDict(r.value) || typeof r.value['id'] !== 'string') throw new TxError('E_FORMAT', `${path}:${i + 1}: expected an object with a string "id"`);
    out.push({ line: i + 1, value: r.value });
  }
  return out;
}

function plainJson(v: unknown): unknown {
  return JSON.parse(pyJsonStringify(v)) as unknown;
}

function functionsOf(v: unknown, where: string): BfclFunction[] {
  if (!Array.isArray(v)) throw new TxError('E_FORMAT', `${where}: "function" must be a list`);
  return v.map((f, i) => {
    if (!isPyDict(f) || typeof f['name'] !== 'string' || !isPyDict(f['parameters'])) {
      throw new TxError('E_FORMAT', `${where}: function[${i}] must be {name, parameters}`);
    }
    return plainJson(f) as BfclFunction;
  });
}

const HINT: Record<string, string> = {
  java: ' Note that the provided function is in Java 8 SDK syntax.',
  javascript: ' Note that the provided function is in JavaScript syntax.',
};
const SOURCE_NOTE: Record<string, string> = {
  java: ' This parameter can be of any type of Java object in string representation.',
  javascript: ' This parameter can be of any type of JavaScript object in string representation.',
};

/** The tool a model is shown: Python types mapped to JSON Schema; Java/JS parameters as source strings. */
function toolOf(fn: BfclFunction, lang: string): Tool {
  const tool: Tool = { name: fn.name, parameters: bfclParametersToJsonSchema(fn.parameters) };
  if (typeof fn.description === 'string') tool.description = fn.description + (HINT[lang] ?? '');
  const note = SOURCE_NOTE[lang];
  const props = tool.parameters['properties'];
  if (note !== undefined && isPyDict(props)) {
    for (const [k, p] of Object.entries(props)) {
      const d = isPyDict(p) && typeof p['description'] === 'string' ? p['description'] : '';
      props[k] = { ...(isPyDict(p) ? p : {}), type: 'string', description: d + note };
      delete (props[k] as Record<string, unknown>)['items'];
      delete (props[k] as Record<string, unknown>)['properties'];
    }
  }
  return tool;
}

function messagesOf(q: unknown, where: string): Message[] {
  if (!Array.isArray(q)) throw new TxError('E_FORMAT', `${where}: "question" must be a list of turns`);
  const out: Message[] = [];
  for (const turn of q) {
    for (const m of Array.isArray(turn) ? turn : [turn]) {
      if (!isPyDict(m) || typeof m['role'] !== 'string' || typeof m['content'] !== 'string' || !ROLES.has(m['role'])) {
        throw new TxError('E_FORMAT', `${where}: question message must be {role, content}`);
      }
      out.push({ role: m['role'] as Role, content: m['content'] });
    }
  }
  if (out.length === 0) throw new TxError('E_FORMAT', `${where}: empty question`);
  return out;
}

/**
 * One BFCL category of `dir`: entries (functions as shipped, typed ground truth) and the
 * tasks a policy is prompted with. Errors name the file and line.
 */
export async function readBfclCategory(dir: string, category: string): Promise<BfclSuiteItem[]> {
  if (!isBfclCategory(category)) {
    throw new TxError('E_RANGE', `unknown BFCL category '${category}' (one of ${BFCL_CATEGORIES.join(', ')})`);
  }
  const qPath = bfclQuestionPath(dir, category);
  const questions = await readLines(qPath);
  const answers = new Map<string, { line: number; gt: unknown[] }>();
  const aPath = bfclAnswerPath(dir, category);
  if (!isRelevanceCategory(category)) {
    for (const { line, value } of await readLines(aPath)) {
      const gt = value['ground_truth'];
      if (!Array.isArray(gt) || !gt.every((g) => isPyDict(g) && Object.keys(g).length === 1)) {
        throw new TxError('E_FORMAT', `${aPath}:${line}: "ground_truth" must be a list of {function: {param: [values]}}`);
      }
      answers.set(value['id'] as string, { line, gt });
    }
  }
  const lang = languageOf(category);
  return questions.map(({ line, value }) => {
    const where = `${qPath}:${line}`;
    const id = value['id'] as string;
    const functions = functionsOf(value['function'], where);
    const entry: BfclEntry = { id, category, functions };
    let answer: Task['answer'] = [];
    const meta: Record<string, unknown> = { source: 'bfcl', bfclCategory: category, bfclFunctions: functions };
    if (!isRelevanceCategory(category)) {
      const a = answers.get(id);
      if (a === undefined) throw new TxError('E_FORMAT', `${where}: no ground truth for "${id}" in ${aPath}`);
      entry.groundTruth = a.gt;
      const cat = bfclCategoryOf(id);
      answer = { format: 'bfcl', category: cat, groundTruth: plainJson(a.gt) as BfclAnswer['groundTruth'] };
      meta['category'] = cat;
      meta['bfclGroundTruth'] = pyJsonStringify(a.gt);
    } else {
      meta['category'] = category;
    }
    let task: Task;
    try {
      task = validateTask({ id, tools: functions.map((f) => toolOf(f, lang)), messages: messagesOf(value['question'], where), answer, meta });
    } catch (e) {
      throw e instanceof TxError && !e.message.startsWith(qPath) ? new TxError(e.code, `${where}: ${e.message}`) : e;
    }
    return { entry, task, line };
  });
}

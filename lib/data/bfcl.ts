// BFCL (Berkeley Function Calling Leaderboard) -> tasks. Questions and possible_answer
// files are JSON Lines under a .json name; BFCL's parameter types are mapped to JSON Schema.

import { readFile } from 'node:fs/promises';
import { TxError } from '../errors.js';
import { pyJsonParse, pyJsonStringify } from './pyjson.js';
import { isPyDict } from './pyvalue.js';
import { readJsonLines, atLine } from './jsonl.js';
import { isPlainObject } from './json.js';
import { validateTask } from './validate.js';
import type { BfclAnswer, BfclCategory, Message, Role, Task, Tool } from './types.js';

/** Annotation keeping BFCL's own type where JSON Schema has no exact equivalent. */
export const BFCL_TYPE_KEY = 'x-bfcl-type';

const TYPE_MAP: Record<string, string | undefined> = {
  string: 'string',
  integer: 'integer',
  float: 'number',
  number: 'number',
  boolean: 'boolean',
  array: 'array',
  tuple: 'array',
  dict: 'object',
  object: 'object',
  any: undefined, // no constraint (BFCL itself maps it to string; its checker wants a string)
};

const KEEP_KEYS = ['description', 'enum', 'maximum', 'minimum', 'format', 'default'];

/**
 * Map one BFCL property schema (or the root `parameters`) to JSON Schema:
 * dict->object, float->number, tuple->array, any->{} (each with `x-bfcl-type` when the
 * mapping loses information), unknown types -> string (as BFCL does); non-standard
 * `optional` keys and non-array `required` are dropped.
 */
export function bfclTypeToJsonSchema(p: unknown): Record<string, unknown> {
  if (!isPlainObject(p)) return {};
  const out: Record<string, unknown> = {};
  const bfclType = typeof p['type'] === 'string' ? p['type'] : undefined;
  if (bfclType !== undefined) {
    const mapped = bfclType in TYPE_MAP ? TYPE_MAP[bfclType] : 'string';
    if (mapped !== undefined) out['type'] = mapped;
    if (bfclType !== mapped) out[BFCL_TYPE_KEY] = bfclType;
  }
  for (const k of KEEP_KEYS) if (k in p) out[k] = p[k];
  if (isPlainObject(p['properties'])) {
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p['properties'])) props[k] = bfclTypeToJsonSchema(v);
    out['properties'] = props;
  }
  if (Array.isArray(p['required']) && p['required'].every((r) => typeof r === 'string')) {
    out['required'] = [...p['required']];
  }
  if (p['items'] !== undefined) out['items'] = bfclTypeToJsonSchema(p['items']);
  return out;
}

/** The root `parameters` of a BFCL function: always an object schema. */
export function bfclParametersToJsonSchema(params: unknown): Record<string, unknown> {
  const schema = bfclTypeToJsonSchema(params);
  schema['type'] = 'object';
  delete schema[BFCL_TYPE_KEY];
  if (!isPlainObject(schema['properties'])) schema['properties'] = {};
  return schema;
}

export function bfclCategoryOf(id: string): BfclCategory {
  if (id.includes('parallel_multiple')) return 'parallel_multiple';
  if (id.includes('parallel')) return 'parallel';
  if (id.includes('multiple')) return 'multiple';
  return 'simple';
}

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);

function toTool(f: unknown, where: string): Tool {
  if (!isPlainObject(f) || typeof f['name'] !== 'string') throw new TxError('E_FORMAT', `${where} is not a function`);
  const tool: Tool = { name: f['name'], parameters: bfclParametersToJsonSchema(f['parameters']) };
  if (typeof f['description'] === 'string') tool.description = f['description'];
  return tool;
}

function toMessages(question: unknown): Message[] {
  if (!Array.isArray(question)) throw new TxError('E_FORMAT', 'question must be a list of turns');
  const out: Message[] = [];
  for (const turn of question) {
    for (const m of Array.isArray(turn) ? turn : [turn]) {
      if (!isPlainObject(m) || typeof m['role'] !== 'string' || typeof m['content'] !== 'string' || !ROLES.has(m['role'])) {
        throw new TxError('E_FORMAT', 'question message must be {role, content}');
      }
      out.push({ role: m['role'] as Role, content: m['content'] });
    }
  }
  return out;
}

/** id -> ground truth as Python-typed JSON text, read from the raw lines (pyjson.ts). */
async function typedGroundTruths(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    const r = pyJsonParse(line.replace(/^\uFEFF/, ''));
    if (r.ok && isPyDict(r.value) && typeof r.value['id'] === 'string' && Array.isArray(r.value['ground_truth'])) {
      out.set(r.value['id'], pyJsonStringify(r.value['ground_truth']));
    }
  }
  return out;
}

/**
 * BFCL question file + its possible_answer file -> tasks (simple, multiple, parallel,
 * parallel_multiple). The answer keeps BFCL's acceptable values (`{format: 'bfcl', ...}`)
 * for the `bfcl` matcher.
 */
export async function* fromBfcl(questionsPath: string, answersPath?: string): AsyncGenerator<Task> {
  const answers = new Map<string, unknown>();
  // Relevance categories have no possible_answer file: a missing one matters only for an
  // entry that needs a ground truth.
  let unreadable: unknown;
  try {
    if (answersPath !== undefined) {
      for await (const { line, value } of readJsonLines(answersPath)) {
        if (!isPlainObject(value) || typeof value['id'] !== 'string' || !Array.isArray(value['ground_truth'])) {
          throw new TxError('E_FORMAT', `${answersPath}:${line}: expected {id, ground_truth: [...]}`);
        }
        answers.set(value['id'], value['ground_truth']);
      }
    }
  } catch (e) {
    if (!(e instanceof TxError) || !e.message.includes('cannot read')) throw e;
    unreadable = e;
  }
  const typedAnswers = unreadable === undefined && answersPath !== undefined ? await typedGroundTruths(answersPath) : new Map<string, string>();
  for await (const { line, value } of readJsonLines(questionsPath)) {
    let task: Task;
    try {
      if (!isPlainObject(value) || typeof value['id'] !== 'string') throw new TxError('E_FORMAT', 'expected {id, question, function}');
      const id = value['id'];
      const relevance = /^(live_)?(ir)?relevance_/.test(id);
      if (relevance) {
        const fns = Array.isArray(value['function']) ? value['function'] : [];
        const bfclCategory = id.slice(0, id.lastIndexOf('_'));
        task = validateTask({
          id, tools: fns.map((f, i) => toTool(f, `function[${i}]`)), messages: toMessages(value['question']),
          // BFCL's rule (the `bfcl` matcher applies it via meta.bfclCategory): irrelevance
          // passes when nothing is called, live_relevance when something is.
          answer: [], meta: { source: 'bfcl', category: bfclCategory, bfclCategory },
        });
        yield task;
        continue;
      }
      if (unreadable !== undefined) throw unreadable;
      const gt = answers.get(id);
      if (gt === undefined) throw new TxError('E_FORMAT', `no ground truth for "${id}" in ${answersPath}`);
      const fns = Array.isArray(value['function']) ? value['function'] : [];
      const category = bfclCategoryOf(id);
      const answer: BfclAnswer = { format: 'bfcl', category, groundTruth: gt as BfclAnswer['groundTruth'] };
      // What BFCL's checker needs beyond the answer: its category, the functions as shipped
      // and the ground truth with Python's types (5.0 stays a float; JSON.parse drops that).
      const typed = typedAnswers.get(id);
      task = validateTask({
        id,
        tools: fns.map((f, i) => toTool(f, `function[${i}]`)),
        messages: toMessages(value['question']),
        answer,
        meta: {
          source: 'bfcl', category, bfclCategory: id.slice(0, id.lastIndexOf('_')), bfclFunctions: fns,
          ...(typed === undefined ? {} : { bfclGroundTruth: typed }),
        },
      });
    } catch (e) {
      throw atLine(questionsPath, line, e);
    }
    yield task;
  }
}

// API-Bank level-1 ("Call", API descriptions given) -> tasks. Each sample of
// level-1-api.json points (file, id) into a dialogue of level-1-given-desc/; the dialogue
// before the API row becomes the messages, the API descriptions embedded in the prompt
// become the tools, and the row's `param_dict` (all string values) becomes the answer.

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TxError } from '../errors.js';
import { isPlainObject, safeJsonParse } from './json.js';
import { validateTask } from './validate.js';
import type { Message, Task, Tool } from './types.js';

/** Parameters with a Python default upstream: the only ones that may be omitted. */
export const API_BANK_OPTIONAL: Readonly<Record<string, readonly string[]>> = {
  ModifyRegistration: ['new_appointment_date', 'new_appointment_doctor'],
  RecordHealthData: ['health_data'],
  Translate: ['tgt_lang'],
};

function typeToSchema(t: unknown): Record<string, unknown> {
  switch (t) {
    case 'int': return { type: 'integer' };
    case 'float': return { type: 'number' };
    case 'bool': return { type: 'boolean' };
    case 'list(str)': return { type: 'array', items: { type: 'string' } };
    case 'list': return { type: 'array' };
    default: return { type: 'string' };
  }
}

/** One API-Bank API description (`{name, description, input_parameters, ...}`) as a tool. */
export function apiBankTool(desc: Record<string, unknown>): Tool {
  const name = String(desc['name']);
  const inputs = isPlainObject(desc['input_parameters']) ? desc['input_parameters'] : {};
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) {
    const p = isPlainObject(v) ? v : {};
    properties[k] = { ...typeToSchema(p['type']), ...(typeof p['description'] === 'string' ? { description: p['description'] } : {}), 'x-api-bank-type': p['type'] };
  }
  const optional = API_BANK_OPTIONAL[name] ?? [];
  const tool: Tool = {
    name,
    parameters: { type: 'object', properties, required: Object.keys(inputs).filter((k) => !optional.includes(k)) },
  };
  if (typeof desc['description'] === 'string') tool.description = desc['description'];
  return tool;
}

/** The JSON lines after "API descriptions:" in a level-1 instruction. */
export function apiDescriptionsOf(instruction: string): Record<string, unknown>[] {
  const marker = 'API descriptions:';
  const at = instruction.indexOf(marker);
  if (at < 0) return [];
  const out: Record<string, unknown>[] = [];
  for (const line of instruction.slice(at + marker.length).split('\n')) {
    if (line.trim() === '') continue;
    const r = safeJsonParse(line);
    if (r.ok && isPlainObject(r.value) && typeof r.value['name'] === 'string') out.push(r.value);
  }
  return out;
}

type Row = Record<string, unknown>;

async function readDialogue(path: string, cache: Map<string, Row[]>): Promise<Row[]> {
  const hit = cache.get(path);
  if (hit) return hit;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new TxError('E_FORMAT', `cannot read dialogue ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const rows: Row[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const r = safeJsonParse(line);
    if (!r.ok || !isPlainObject(r.value)) throw new TxError('E_FORMAT', `${path}:${i + 1}: invalid JSON row`);
    rows.push(r.value);
  });
  cache.set(path, rows);
  return rows;
}

/**
 * Sample `id` of a dialogue as API-Bank's `Sample.from_chat_history` numbers them: the
 * k-th API row gives sample 2k (history before it -> that call) and 2k+1 (history through
 * it -> the next row, an API call when two calls are adjacent).
 */
function rowIndexOf(rows: Row[], sampleId: number): number {
  const apis: number[] = [];
  rows.forEach((r, i) => { if (r['role'] === 'API') apis.push(i); });
  const k = Math.floor(sampleId / 2);
  const base = apis[k];
  if (base === undefined) return -1;
  return sampleId % 2 === 0 ? base : base + 1;
}

function renderExpected(row: Row): string {
  const params = isPlainObject(row['param_dict']) ? row['param_dict'] : {};
  const args = Object.entries(params).map(([k, v]) => `${k}='${String(v)}'`).join(', ');
  return `API-Request: [${String(row['api_name'])}(${args})]`;
}

function historyMessages(rows: Row[]): Message[] {
  const out: Message[] = [];
  for (const r of rows) {
    if (r['role'] === 'User') out.push({ role: 'user', content: String(r['text'] ?? '') });
    else if (r['role'] === 'AI') out.push({ role: 'assistant', content: String(r['text'] ?? '') });
    else if (r['role'] === 'API') {
      const name = String(r['api_name']);
      const call = { name, arguments: isPlainObject(r['param_dict']) ? r['param_dict'] : {} };
      out.push({ role: 'assistant', content: `<tool_call>${JSON.stringify([call])}</tool_call>` });
      const result = isPlainObject(r['result']) ? r['result'] : {};
      out.push({ role: 'tool', name, content: JSON.stringify({ output: result['output'] ?? null, exception: result['exception'] ?? null }) });
    }
  }
  return out;
}

/**
 * API-Bank level-1 (`level-1-api.json`, 399 samples) -> tasks. The dialogues are read from
 * `level-1-given-desc/` next to the file unless `opts.dialoguesDir` says otherwise. Every
 * sample is checked against its `expected_output` (the call rendered from `param_dict`).
 */
export async function* fromApiBank(levelOnePath: string, opts: { dialoguesDir?: string } = {}): AsyncGenerator<Task> {
  let text: string;
  try {
    text = await readFile(levelOnePath, 'utf8');
  } catch (e) {
    throw new TxError('E_FORMAT', `cannot read ${levelOnePath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = safeJsonParse(text, 1024);
  if (!parsed.ok || !Array.isArray(parsed.value)) throw new TxError('E_FORMAT', `${levelOnePath}: expected a JSON array`);
  const dir = opts.dialoguesDir ?? join(dirname(levelOnePath), 'level-1-given-desc');
  const cache = new Map<string, Row[]>();
  for (let i = 0; i < parsed.value.length; i++) {
    const where = `${levelOnePath}[${i}]`;
    const s: unknown = parsed.value[i];
    if (!isPlainObject(s) || typeof s['file'] !== 'string' || typeof s['id'] !== 'number' || typeof s['instruction'] !== 'string') {
      throw new TxError('E_FORMAT', `${where}: expected {file, id, instruction, input, expected_output}`);
    }
    const file = s['file'];
    const rows = await readDialogue(join(dir, file), cache);
    const at = rowIndexOf(rows, s['id']);
    const row = rows[at];
    if (row === undefined || row['role'] !== 'API') {
      throw new TxError('E_FORMAT', `${where}: sample ${s['id']} of ${file} is not an API call`);
    }
    if (typeof s['expected_output'] === 'string' && renderExpected(row) !== s['expected_output'].trim()) {
      throw new TxError('E_FORMAT', `${where}: expected_output disagrees with ${file}`);
    }
    const paramDict = isPlainObject(row['param_dict']) ? row['param_dict'] : {};
    const result = isPlainObject(row['result']) ? row['result'] : {};
    const name = String(row['api_name']);
    yield validateTask({
      id: `api-bank-l1-${file.replace(/\.jsonl$/, '')}-${s['id']}`,
      tools: apiDescriptionsOf(s['instruction']).map(apiBankTool),
      messages: historyMessages(rows.slice(0, at)),
      answer: [{ name, arguments: { ...paramDict } }],
      meta: { source: 'api-bank', level: 1, file, sampleId: s['id'], typedInput: result['input'] ?? null },
    });
  }
}

/** ToolSearcher as API-Bank declares it (apis/tool_search.py): the one API a level-2 prompt describes. */
export const TOOL_SEARCHER: Record<string, unknown> = {
  name: 'ToolSearcher',
  description: 'Searches for relevant tools in library based on the keywords.',
  input_parameters: { keywords: { type: 'str', description: 'The keyword to search for.' } },
};

function retrieved(row: Row): Record<string, unknown>[] {
  const result = isPlainObject(row['result']) ? row['result'] : {};
  const out = result['output'];
  const list = Array.isArray(out) ? out : [out];
  return list.filter((d): d is Record<string, unknown> => isPlainObject(d) && typeof d['name'] === 'string');
}

/**
 * API-Bank level-2 ("Retrieve + Call": only ToolSearcher is described; the model finds the
 * other APIs through it) -> one task per API row of each dialogue in `dir`
 * (level-2-toolsearcher/). The tools are ToolSearcher plus every API description an
 * earlier ToolSearcher call returned in that dialogue (the model reads them in the tool
 * results); an API called without having been retrieved (GetUserToken, often) gets its
 * description from `apis.json`, flagged `meta.retrieved: false`.
 */
export async function* fromApiBankLevel2(dir: string, opts: { apisPath?: string } = {}): AsyncGenerator<Task> {
  const { readdir } = await import('node:fs/promises');
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  } catch (e) {
    throw new TxError('E_FORMAT', `cannot read ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const apisPath = opts.apisPath ?? join(dirname(dir), 'apis.json');
  let known = new Map<string, Record<string, unknown>>();
  try {
    const r = safeJsonParse(await readFile(apisPath, 'utf8'));
    if (r.ok && Array.isArray(r.value)) known = new Map(r.value.filter(isPlainObject).map((d) => [String(d['name']), d]));
  } catch {
    // Without apis.json, an unretrieved API has no description: that row is refused below.
  }
  const cache = new Map<string, Row[]>();
  for (const file of files) {
    const path = join(dir, file);
    const rows = await readDialogue(path, cache);
    const found = new Map<string, Record<string, unknown>>();
    for (let at = 0; at < rows.length; at++) {
      const row = rows[at] as Row;
      if (row['role'] !== 'API') continue;
      const name = String(row['api_name']);
      const descs = [TOOL_SEARCHER, ...found.values()];
      const isRetrieved = name === 'ToolSearcher' || found.has(name);
      if (!isRetrieved) {
        const d = known.get(name);
        if (d === undefined) throw new TxError('E_FORMAT', `${path}:${at + 1}: ${name} was never retrieved and is not in ${apisPath}`);
        descs.push(d);
      }
      const paramDict = isPlainObject(row['param_dict']) ? row['param_dict'] : {};
      yield validateTask({
        id: `api-bank-l2-${file.replace(/\.jsonl$/, '')}-${at + 1}`,
        tools: descs.map(apiBankTool),
        messages: historyMessages(rows.slice(0, at)),
        answer: [{ name, arguments: { ...paramDict } }],
        meta: { source: 'api-bank', level: 2, category: 'level-2', file, line: at + 1, retrieved: isRetrieved },
      });
      if (name === 'ToolSearcher') for (const d of retrieved(row)) found.set(String(d['name']), d);
    }
  }
}

// API-Bank level-3 ("Plan + Retrieve + Call") -> tasks, one per API call, as the official
// level-3 evaluation scores them (lv3_evaluator.py with level-3-batch-inf.json): step k of
// a sample is prompted with the requirement and the sample's gold calls 0..k-1 with their
// results, and only call k is judged. The model sees ToolSearcher plus every description
// that an earlier gold ToolSearcher call of the sample returned (it reads them in the tool
// results too), as in level 2. `meta.apiBank` carries what the official check compares:
// the gold call's input after the tool manager's type conversion (`output.input` in
// level-3.json) and the declared parameter types of the gold API.

import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TxError } from '../errors.js';
import { apiBankTool, TOOL_SEARCHER } from './apibank.js';
import { isPlainObject, safeJsonParse } from './json.js';
import { validateTask } from './validate.js';
import type { Message, Task } from './types.js';

type Obj = Record<string, unknown>;

/** What the level-3 check of one step needs (lib/reward/api-bank-level3.ts). */
export type ApiBankLevel3Gold = {
  /** The gold call's input as the tool received it (types converted by the tool manager). */
  input: Obj;
  /** Declared type of each parameter of the gold API (`str`, `int`, `float`, `list`, ...). */
  types: Record<string, string>;
  /** The API a gold ToolSearcher call retrieved (ToolSearcher steps only). */
  retrieves?: string;
};

async function readJsonArray(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new TxError('E_FORMAT', `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = safeJsonParse(text, 1024);
  if (!parsed.ok || !Array.isArray(parsed.value)) throw new TxError('E_FORMAT', `${path}: expected a JSON array`);
  return parsed.value;
}

type Step = { name: string; input: Obj; result: Obj };

function stepOf(a: unknown, where: string): Step {
  if (!isPlainObject(a) || typeof a['api_name'] !== 'string' || !isPlainObject(a['input']) || !isPlainObject(a['output'])) {
    throw new TxError('E_FORMAT', `${where}: expected {api_name, input, output: {api_name, input, output, exception}}`);
  }
  const result = a['output'];
  if (!isPlainObject(result['input'])) throw new TxError('E_FORMAT', `${where}: output.input must be an object`);
  return { name: a['api_name'], input: a['input'], result };
}

/**
 * The official prompt's rendering of a gold call (`output` of level-3-batch-inf.json):
 * `k='str(v)'`. Python's str() is spelled out only as far as level-3.json needs it
 * (strings, numbers, lists of plain strings); the batch check catches anything else.
 */
export function renderApiRequest(name: string, input: Obj): string {
  const pyStrOfJson = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? `[${v.map((x) => (typeof x === 'string' ? `'${x}'` : String(x))).join(', ')}]` : String(v));
  return `API-Request: [${name}(${Object.entries(input).map(([k, v]) => `${k}='${pyStrOfJson(v)}'`).join(', ')})]`;
}

function declaredTypes(desc: Obj | undefined): Record<string, string> {
  const inputs = desc !== undefined && isPlainObject(desc['input_parameters']) ? desc['input_parameters'] : {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputs)) out[k] = isPlainObject(v) && typeof v['type'] === 'string' ? v['type'] : 'str';
  return out;
}

/** Checks the per-step file against level-3.json: the same (sample, call) pairs, each expecting the same call. */
async function checkBatch(batchPath: string, samples: Step[][]): Promise<void> {
  const batch = await readJsonArray(batchPath);
  const seen = new Set<string>();
  batch.forEach((e, i) => {
    const where = `${batchPath}[${i}]`;
    if (!isPlainObject(e) || typeof e['sample_id'] !== 'number' || typeof e['api_id'] !== 'number' || typeof e['output'] !== 'string') {
      throw new TxError('E_FORMAT', `${where}: expected {sample_id, api_id, output, ...}`);
    }
    const step = samples[e['sample_id']]?.[e['api_id']];
    if (step === undefined) throw new TxError('E_FORMAT', `${where}: sample ${e['sample_id']} call ${e['api_id']} is not in level-3.json`);
    if (renderApiRequest(step.name, step.input) !== e['output'].trim()) throw new TxError('E_FORMAT', `${where}: output disagrees with level-3.json`);
    seen.add(`${e['sample_id']}:${e['api_id']}`);
  });
  const total = samples.reduce((s, x) => s + x.length, 0);
  if (seen.size !== total) throw new TxError('E_FORMAT', `${batchPath}: covers ${seen.size} of the ${total} calls in level-3.json`);
}

function historyMessages(requirement: string, steps: readonly Step[]): Message[] {
  const out: Message[] = [{ role: 'user', content: requirement.trim() }];
  for (const s of steps) {
    out.push({ role: 'assistant', content: `<tool_call>${JSON.stringify([{ name: s.name, arguments: s.input }])}</tool_call>` });
    out.push({ role: 'tool', name: s.name, content: JSON.stringify({ output: s.result['output'] ?? null, exception: s.result['exception'] ?? null }) });
  }
  return out;
}

/**
 * API-Bank level-3 (`level-3.json`: 50 samples, 245 API calls, 114 of them ToolSearcher)
 * -> one task per call, each with the gold history before it. When
 * `level-3-batch-inf.json` (the official per-step prompts) lies next to the file, or
 * `opts.batchPath` names it, every step is checked against it.
 */
export async function* fromApiBankLevel3(levelThreePath: string, opts: { batchPath?: string } = {}): AsyncGenerator<Task> {
  const raw = await readJsonArray(levelThreePath);
  const samples: { requirement: string; steps: Step[] }[] = raw.map((s, i) => {
    const where = `${levelThreePath}[${i}]`;
    if (!isPlainObject(s) || typeof s['requirement'] !== 'string' || !Array.isArray(s['apis'])) {
      throw new TxError('E_FORMAT', `${where}: expected {requirement, response, apis}`);
    }
    return { requirement: s['requirement'], steps: s['apis'].map((a, j) => stepOf(a, `${where}.apis[${j}]`)) };
  });
  const batchPath = opts.batchPath ?? join(dirname(levelThreePath), 'level-3-batch-inf.json');
  if (opts.batchPath !== undefined || existsSync(batchPath)) await checkBatch(batchPath, samples.map((s) => s.steps));
  for (let i = 0; i < samples.length; i++) {
    const { requirement, steps } = samples[i] as { requirement: string; steps: Step[] };
    const found = new Map<string, Obj>();
    for (let j = 0; j < steps.length; j++) {
      const step = steps[j] as Step;
      const isSearch = step.name === 'ToolSearcher';
      const desc = isSearch ? TOOL_SEARCHER : found.get(step.name);
      // Every level-3 call follows a retrieval of its API; without one the declared types
      // that the check converts values by are unknown.
      if (desc === undefined) throw new TxError('E_FORMAT', `${levelThreePath}[${i}].apis[${j}]: ${step.name} is called before any ToolSearcher call retrieved it`);
      const gold: ApiBankLevel3Gold = { input: step.result['input'] as Obj, types: declaredTypes(desc) };
      const retrievedTool = isPlainObject(step.result['output']) ? step.result['output'] : undefined;
      if (isSearch && typeof retrievedTool?.['name'] === 'string') gold.retrieves = retrievedTool['name'];
      yield validateTask({
        id: `api-bank-l3-${i}-${j}`,
        tools: [TOOL_SEARCHER, ...found.values()].map(apiBankTool),
        messages: historyMessages(requirement, steps.slice(0, j)),
        answer: [{ name: step.name, arguments: { ...step.input } }],
        meta: { source: 'api-bank', level: 3, category: 'level-3', sampleId: i, apiId: j, apiBank: gold },
      });
      if (isSearch && retrievedTool !== undefined && typeof retrievedTool['name'] === 'string') found.set(retrievedTool['name'], retrievedTool);
    }
  }
}

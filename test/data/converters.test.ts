import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bfclParametersToJsonSchema, fromApiBank, fromBfcl, goldCalls, type Task } from '../../lib/data/index.js';
import { SHARED_DATA } from '../fixtures/render.js';
import { scoreRollout } from '../../lib/reward/index.js';

t.test('BFCL types map to JSON Schema', async (t) => {
  const s = bfclParametersToJsonSchema({
    type: 'dict', optional: ['x'],
    properties: {
      f: { type: 'float', description: 'd', default: 1 }, tu: { type: 'tuple', items: { type: 'float' } },
      a: { type: 'any' }, d: { type: 'dict', properties: { k: { type: 'integer' } }, required: true },
      odd: { type: 'weird' }, b: { type: 'boolean', optional: true },
    },
    required: ['f'],
  });
  t.same(s, {
    type: 'object',
    properties: {
      f: { type: 'number', 'x-bfcl-type': 'float', description: 'd', default: 1 },
      tu: { type: 'array', 'x-bfcl-type': 'tuple', items: { type: 'number', 'x-bfcl-type': 'float' } },
      a: { 'x-bfcl-type': 'any' },
      d: { type: 'object', 'x-bfcl-type': 'dict', properties: { k: { type: 'integer' } } },
      odd: { type: 'string', 'x-bfcl-type': 'weird' },
      b: { type: 'boolean' },
    },
    required: ['f'],
  });
  t.same(bfclParametersToJsonSchema(null), { type: 'object', properties: {} });
});

t.test('fromBfcl on small files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tx-bfcl-'));
  const q = join(dir, 'q.json');
  const a = join(dir, 'a.json');
  writeFileSync(q, JSON.stringify({ id: 'parallel_1', question: [[{ role: 'user', content: 'hi' }]], function: [{ name: 'a.b', description: 'd', parameters: { type: 'dict', properties: { x: { type: 'integer' } }, required: ['x'] } }] }) + '\n');
  writeFileSync(a, JSON.stringify({ id: 'parallel_1', ground_truth: [{ 'a.b': { x: [1] } }, { 'a.b': { x: [2] } }] }) + '\n');
  const tasks: Task[] = [];
  for await (const task of fromBfcl(q, a)) tasks.push(task);
  t.equal(tasks.length, 1);
  t.match(tasks[0]?.meta, { source: 'bfcl', category: 'parallel', bfclCategory: 'parallel', bfclGroundTruth: '[{"a.b":{"x":[1]}},{"a.b":{"x":[2]}}]' });
  t.same((tasks[0]?.meta?.['bfclFunctions'] as { name: string }[]).map((f) => f.name), ['a.b'], 'functions as BFCL ships them');
  t.same(goldCalls(tasks[0] as Task), [{ name: 'a.b', arguments: { x: 1 } }, { name: 'a.b', arguments: { x: 2 } }]);
  writeFileSync(a, JSON.stringify({ id: 'other', ground_truth: [] }) + '\n');
  await t.rejects(async () => { for await (const _ of fromBfcl(q, a)) void _; }, { code: 'E_FORMAT', message: /q\.json:1: no ground truth for "parallel_1"/ });
  writeFileSync(a, '{"id": 3}\n');
  await t.rejects(async () => { for await (const _ of fromBfcl(q, a)) void _; }, { code: 'E_FORMAT', message: /a\.json:1/ });
});

const API_BANK = join(SHARED_DATA, 'api-bank', 'level-1-api.json');
t.test('fromApiBank: dialogue -> messages, descriptions -> tools, param_dict -> answer', async (t) => {
  const tasks: Task[] = [];
  for await (const task of fromApiBank(API_BANK)) tasks.push(task);
  t.equal(tasks.length, 399);
  t.equal(new Set(tasks.map((x) => x.id)).size, 399, 'ids unique');
  const reg = tasks.find((x) => x.id === 'api-bank-l1-ModifyRegistration-QueryHealthData-CancelRegistration-level-2-2-4') as Task;
  t.same(reg.answer, [{ name: 'CancelRegistration', arguments: { appointment_id: '90123456' } }], 'matches expected_output');
  t.same(reg.tools.map((x) => x.name), ['QueryHealthData', 'CancelRegistration', 'ModifyRegistration']);
  t.same(reg.tools[2]?.parameters['required'], ['appointment_id'], 'optional parameters are not required');
  t.same(reg.messages.map((m) => m.role).slice(0, 7), ['user', 'assistant', 'user', 'assistant', 'assistant', 'tool', 'assistant']);
  t.equal(reg.messages[0]?.content, 'Can you please modify my appointment scheduled for March 25th with Dr. Kim to March 26th with Dr. Lee?');
  t.match(reg.messages[4]?.content, /<tool_call>\[\{"name":"ModifyRegistration"/);
  const hotel = tasks.find((x) => x.tools.some((tool) => tool.name === 'BookHotel'));
  t.same((hotel?.tools.find((x) => x.name === 'BookHotel')?.parameters['properties'] as Record<string, { type: string }>)['room_count']?.type, 'integer');
});

t.test('fromApiBank errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tx-ab-'));
  const p = join(dir, 'level-1-api.json');
  writeFileSync(p, '{}');
  await t.rejects(async () => { for await (const _ of fromApiBank(p)) void _; }, { code: 'E_FORMAT', message: /expected a JSON array/ });
  writeFileSync(p, JSON.stringify([{ file: 'x.jsonl', id: 0, instruction: '', input: '', expected_output: '' }]));
  await t.rejects(async () => { for await (const _ of fromApiBank(p)) void _; }, { code: 'E_FORMAT', message: /cannot read dialogue/ });
  writeFileSync(join(dir, 'd.jsonl'), '{"role": "User", "text": "hi"}\n{"role": "API", "api_name": "GetToday", "param_dict": {}, "result": {"output": "2023-01-01"}}\n');
  writeFileSync(p, JSON.stringify([{ file: 'd.jsonl', id: 0, instruction: 'API descriptions:\n{"name": "GetToday", "input_parameters": {}}', input: '', expected_output: 'API-Request: [GetToday()]' }, { file: 'd.jsonl', id: 2, instruction: '', input: '', expected_output: '' }]));
  const got: Task[] = [];
  await t.rejects(async () => { for await (const x of fromApiBank(p, { dialoguesDir: dir })) got.push(x); }, { code: 'E_FORMAT', message: /\[1\]: sample 2 of d\.jsonl is not an API call/ });
  t.same(got[0]?.answer, [{ name: 'GetToday', arguments: {} }]);
  writeFileSync(p, JSON.stringify([{ file: 'd.jsonl', id: 0, instruction: '', input: '', expected_output: 'API-Request: [Other()]' }]));
  await t.rejects(async () => { for await (const _ of fromApiBank(p, { dialoguesDir: dir })) void _; }, { code: 'E_FORMAT', message: /disagrees/ });
});

t.test('toolexpander/reward and toolexpander/data never load the engine or native code', async (t) => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../lib');
  const seen = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else bare.add(spec);
    }
    t.notMatch(src, /createRequire|\.node['"]|process\.dlopen/, `${file} loads no addon`);
  };
  visit(join(root, 'reward/index.ts'));
  visit(join(root, 'data/index.ts'));
  for (const f of seen) t.ok(/\/lib\/(reward|data|util)\/|\/lib\/errors\.ts$/.test(f), `${f.slice(root.length)} is pure`);
  t.same([...bare].filter((b) => b !== 'ajv' && !b.startsWith('node:')), [], `bare imports: ${[...bare].join(', ')}`);
});

t.test('fromBfcl on relevance categories: no possible_answer file needed, BFCL rule applies', async (t) => {
  const root = join(SHARED_DATA, 'bfcl');
  for (const cat of ['irrelevance', 'live_irrelevance', 'live_relevance']) {
    const tasks: Task[] = [];
    for await (const task of fromBfcl(join(root, `BFCL_v4_${cat}.json`), join(root, 'possible_answer', `BFCL_v4_${cat}.json`))) tasks.push(task);
    t.ok(tasks.length >= 16, `${cat}: ${tasks.length} tasks`);
    const task = tasks[0] as Task;
    t.equal(task.meta?.['bfclCategory'], cat);
    const none = scoreRollout('<think>nothing fits</think><tool_call>[]</tool_call>', task, { matcher: 'bfcl' }).base;
    const called = scoreRollout(`<think>x</think><tool_call>[{"name": ${JSON.stringify(task.tools[0]?.name)}, "arguments": {}}]</tool_call>`, task, { matcher: 'bfcl' }).base;
    t.same([none, called], cat === 'live_relevance' ? [0, 1] : [1, 0], `${cat}: BFCL's relevance rule`);
  }
  await t.rejects(async () => { for await (const _ of fromBfcl(join(root, 'BFCL_v4_live_simple.json'), join(root, 'nowhere.json'))) void _; },
    { code: 'E_FORMAT', message: /BFCL_v4_live_simple\.json:1: .*nowhere\.json: cannot read/ });
});

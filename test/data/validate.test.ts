import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTasks, taskSchema, validateTask, type Task } from '../../lib/data/index.js';
import { TxError } from '../../lib/errors.js';

const good = {
  id: 'weather-0017',
  tools: [{ name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] } }],
  messages: [{ role: 'user', content: 'How warm is it in Lyon, in celsius?' }],
  answer: [{ name: 'get_weather', arguments: { city: 'Lyon', unit: 'c' } }],
  meta: { source: 'synthetic', category: 'simple' },
};
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function throwsFormat(t: Test, f: () => unknown, pattern: RegExp, name: string) {
  try {
    f();
    t.fail(`${name}: did not throw`);
  } catch (e) {
    t.ok(e instanceof TxError && e.code === 'E_FORMAT', `${name}: TxError E_FORMAT`);
    t.match((e as Error).message, pattern, name);
  }
}

t.test('validateTask accepts the spec example and empty answers', async (t) => {
  t.equal(validateTask(good), good);
  t.ok(validateTask({ ...clone(good), answer: [] }));
  t.ok(validateTask({ ...clone(good), answer: { format: 'bfcl', category: 'simple', groundTruth: [{ get_weather: { city: ['Lyon'], unit: ['c', ''] } }] } }));
});

t.test('validateTask names the field', async (t) => {
  const cases: [string, (x: Record<string, unknown>) => void, RegExp][] = [
    ['missing id', (x) => { delete x['id']; }, /task\.id is required/],
    ['tool name type', (x) => { (x['tools'] as { name: unknown }[])[0]!.name = 3; }, /task\.tools\[0\]\.name must be string/],
    ['message role', (x) => { (x['messages'] as { role: unknown }[])[0]!.role = 'bot'; }, /task\.messages\[0\]\.role must be one of/],
    ['no messages', (x) => { x['messages'] = []; }, /task\.messages/],
    ['call arguments', (x) => { (x['answer'] as { arguments: unknown }[])[0]!.arguments = 'city=Lyon'; }, /task\.answer\[0\]\.arguments must be object/],
    ['unknown top-level field', (x) => { x['extra'] = 1; }, /task\.extra is not an allowed field/],
    ['answer names an unknown tool', (x) => { (x['answer'] as { name: string }[])[0]!.name = 'nope'; }, /task\.answer\[0\]\.name "nope" is not in task\.tools/],
    ['duplicate tool', (x) => { (x['tools'] as unknown[]).push(clone((x['tools'] as unknown[])[0])); }, /task\.tools\[1\]\.name "get_weather" is a duplicate/],
    ['bfcl answer unknown tool', (x) => { x['answer'] = { format: 'bfcl', groundTruth: [{ nope: {} }] }; }, /groundTruth\[0\] calls "nope"/],
    ['prototype key', (x) => { (x['answer'] as { arguments: Record<string, unknown> }[])[0]!.arguments = JSON.parse('{"__proto__": {"a": 1}}') as Record<string, unknown>; }, /task\.answer\[0\]\.arguments\.__proto__: key not allowed/],
  ];
  for (const [name, edit, re] of cases) {
    const x = clone(good) as unknown as Record<string, unknown>;
    edit(x);
    throwsFormat(t, () => validateTask(x), re, name);
  }
  throwsFormat(t, () => validateTask(null), /task must be an object/, 'null');
  throwsFormat(t, () => validateTask([]), /task must be an object/, 'array');
});

t.test('readTasks streams JSONL and names the line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tx-tasks-'));
  const ok = join(dir, 'ok.jsonl');
  writeFileSync(ok, `\ufeff${JSON.stringify(good)}\n\n${JSON.stringify({ ...good, id: 'b' })}\r\n`);
  const ids: string[] = [];
  for await (const task of readTasks(ok)) ids.push((task as Task).id);
  t.same(ids, ['weather-0017', 'b']);

  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, `${JSON.stringify(good)}\n${JSON.stringify({ ...good, tools: [{ name: 'get_weather' }] })}\n`);
  await t.rejects(async () => { for await (const _ of readTasks(bad)) void _; }, { code: 'E_FORMAT', message: /bad\.jsonl:2: task\.tools\[0\]\.parameters is required/ });
  const notJson = join(dir, 'nj.jsonl');
  writeFileSync(notJson, `${JSON.stringify(good)}\n{oops\n`);
  await t.rejects(async () => { for await (const _ of readTasks(notJson)) void _; }, { code: 'E_FORMAT', message: /nj\.jsonl:2: invalid JSON/ });
  await t.rejects(async () => { for await (const _ of readTasks(join(dir, 'missing.jsonl'))) void _; }, { code: 'E_FORMAT', message: /cannot read/ });
});

t.test('schemas/task.schema.json is the schema the code uses', async (t) => {
  const file = JSON.parse(readFileSync(new URL('../../schemas/task.schema.json', import.meta.url), 'utf8')) as unknown;
  t.same(file, taskSchema, 'regenerate with: npx tsx test/fixtures/write-schema.ts');
});

import t from 'tap';
import type { Call, Task } from '../../lib/data/index.js';
import { compiledValidatorCount, hasSelfExample, scoreRollout, validateArgs } from '../../lib/reward/index.js';
import { render } from '../fixtures/render.js';

const convert = { name: 'convert', parameters: { type: 'object', properties: { amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } }, required: ['amount', 'from', 'to'], additionalProperties: false } };
const weather = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const FINAL: Call = { name: 'convert', arguments: { amount: 150, from: 'JPY', to: 'GBP' } };
const task: Task = { id: 'set', tools: [convert, weather], messages: [{ role: 'user', content: '150 yen to pounds' }], answer: [FINAL] };
const EX = '<example>query: Convert 20 dollars to euros\n<tool_call>[{"name": "convert", "arguments": {"amount": 20, "from": "USD", "to": "EUR"}}]</tool_call>\n</example>';
const AN = '<analysis>The example maps an amount and two currencies; here 150 JPY to GBP.</analysis>';
const j = JSON.stringify;

t.test('SET bonus: example + analysis + not a copy', async (t) => {
  const good = render([FINAL], `${EX}${AN} so I call convert.`);
  t.same(scoreRollout(good, task), { reward: 1.01, base: 1, set: true, reason: 'ok', schemaValid: true });
  t.equal(scoreRollout(good, task, { setBonus: 0 }).reward, 1);
  const wrong = render([{ ...FINAL, arguments: { ...FINAL.arguments, amount: 151 } }], `${EX}${AN}`);
  t.same(scoreRollout(wrong, task), { reward: 0, base: 0, set: false, reason: 'wrong_args', schemaValid: true }, 'gate correct');
  t.equal(scoreRollout(wrong, task, { setGate: 'format' }).reward, 0.01);
  t.equal(scoreRollout(wrong, task, { setGate: 'always' }).reward, 0.01);
  const broken = `<think>${EX}${AN}</think><tool_call>[{]</tool_call>`;
  t.equal(scoreRollout(broken, task, { setGate: 'format' }).reward, 0);
  t.same(scoreRollout(broken, task, { setGate: 'always' }), { reward: 0.01, base: 0, set: true, reason: 'bad_json', schemaValid: false });
  t.equal(scoreRollout('<tool_call>[]</tool_call>', task, { setGate: 'always' }).reward, 0);
});

t.test('SET gates on the example itself', async (t) => {
  const cases: [string, string][] = [
    ['no analysis', EX],
    ['empty analysis', `${EX}<analysis>  </analysis>`],
    ['analysis before the example', `${AN}${EX}`],
    ['unclosed analysis', `${EX}<analysis>text`],
    ['unknown tool', `<example><tool_call>[{"name": "nope", "arguments": {}}]</tool_call></example>${AN}`],
    ['schema-invalid arguments', `<example><tool_call>[{"name": "convert", "arguments": {"amount": "20", "from": "USD", "to": "EUR"}}]</tool_call></example>${AN}`],
    ['copy of the final calls', `<example><tool_call>${j([FINAL])}</tool_call></example>${AN}`],
    ['empty call list', `<example><tool_call>[]</tool_call></example>${AN}`],
    ['no tool_call in example', `<example>query only</example>${AN}`],
    ['bad JSON in example', `<example><tool_call>[{</tool_call></example>${AN}`],
    ['unclosed example', `<example><tool_call>[]</tool_call>${AN}`],
    ['analysis belongs to the next example', `${EX}<example>second</example>${AN}`],
  ];
  for (const [name, think] of cases) {
    const r = scoreRollout(render([FINAL], think), task);
    t.same([r.reward, r.set], [1, false], name);
  }
  t.ok(hasSelfExample(`<example>bad</example>${AN}${EX}${AN}`, task.tools, [FINAL]), 'a later example can earn it');
  t.notOk(hasSelfExample(`${EX}${AN}`, task.tools, [{ name: 'convert', arguments: { to: 'EUR', from: 'USD', amount: 20 } }]));
});

t.test('schemaValid is reported, does not change r_base', async (t) => {
  const bad: Task = { id: 'b', tools: [convert], messages: [{ role: 'user', content: 'q' }], answer: [{ name: 'convert', arguments: { amount: '5' } }] };
  t.same(scoreRollout(render([{ name: 'convert', arguments: { amount: '5' } }]), bad), { reward: 1, base: 1, set: false, reason: 'ok', schemaValid: false });
  t.equal(scoreRollout(render([]), { ...bad, answer: [] }).schemaValid, true);
  t.equal(scoreRollout(render([{ name: 'ghost', arguments: {} }]), { ...bad, answer: [] }).schemaValid, false);
});

t.test('validators are compiled once per schema', async (t) => {
  const before = compiledValidatorCount();
  for (let i = 0; i < 200; i++) scoreRollout(render([FINAL], `${EX}${AN}`), task);
  t.ok(compiledValidatorCount() - before <= 2, 'at most one per tool');
  const mid = compiledValidatorCount();
  for (let i = 0; i < 50; i++) scoreRollout(render([FINAL]), JSON.parse(JSON.stringify(task)) as Task);
  t.equal(compiledValidatorCount(), mid, 'equal schemas from other objects share the validator');
  t.equal(validateArgs({ type: 'nonsense-type' }, {}), false, 'a schema that does not compile validates nothing');
  t.equal(validateArgs({ $id: 'x', type: 'object' }, {}), true);
  t.equal(validateArgs({ $id: 'x', type: 'object', required: ['a'] }, {}), false, 'same $id twice does not collide');
  t.equal(validateArgs('not a schema', {}), false);
});

t.test('exact matcher rules', async (t) => {
  const tk = (answer: Call[]): Task => ({ id: 'e', tools: [convert, weather], messages: [{ role: 'user', content: 'q' }], answer });
  const a: Call = { name: 'convert', arguments: { amount: 1, from: 'A', to: 'B' } };
  t.equal(scoreRollout(render([{ name: 'convert', arguments: { to: 'B', amount: 1, from: 'A' } }]), tk([a])).reward, 1, 'key order free');
  t.equal(scoreRollout('<think>x</think><tool_call>[{"name":"convert","arguments":{"amount":1e0,"from":"A","to":"B"}}]</tool_call>', tk([a])).reward, 1, 'numbers by value');
  const arr: Call = { name: 'get_weather', arguments: { city: ['a', 'b'] } };
  t.equal(scoreRollout(render([{ name: 'get_weather', arguments: { city: ['b', 'a'] } }]), tk([arr])).reason, 'wrong_args', 'arrays keep order');
  t.equal(scoreRollout(render([]), tk([])).reward, 1);
});

t.test('scoreRollout never throws, even on a broken task object', async (t) => {
  const broken = { id: 'x', tools: null, messages: [], answer: null } as unknown as Task;
  t.same(scoreRollout(render([FINAL]), broken), { reward: 0, base: 0, set: false, reason: 'bad_item', schemaValid: false });
});

import t from 'tap';
import { goldCalls, syntheticSuite, type Task } from '../../lib/data/index.js';
import { parseToolCalls, scoreRollout } from '../../lib/reward/index.js';
import { buildPrompt, goldCompletion, goldThink, renderChatML, renderCompletion, systemPrompt, toolSignature } from '../../lib/toolexpander/index.js';

const weather = { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] }, days: { type: 'array', items: { type: 'integer' } }, x: {} }, required: ['city'] } };
const task: Task = { id: 'w', tools: [weather], messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Lyon?' }], answer: [{ name: 'get_weather', arguments: { city: 'Lyon' } }] };

t.test('compact signatures', async (t) => {
  t.equal(toolSignature(weather), 'get_weather(city: string, unit?: c|f, days?: integer[], x?: any) - Current weather for a city');
  t.equal(toolSignature({ name: 'ping', parameters: {} }), 'ping()');
  t.equal(toolSignature({ name: 'u', parameters: { type: 'object', properties: { a: { type: ['string', 'null'] } } } }), 'u(a?: string|null)');
  const sys = systemPrompt([weather]);
  t.match(sys, /^Tools:\nget_weather\(city: string/);
  t.match(sys, /<tool_call>\[\]<\/tool_call>/, 'says how to answer when no tool fits');
  const json = systemPrompt([weather], 'json');
  t.ok(json.includes(JSON.stringify({ type: 'function', function: weather })), 'json style: one JSON per line in <tools>');
});

t.test('buildPrompt: system (own text + tools), demos as turns, then the query', async (t) => {
  const demo: Task = { id: 'd', tools: [weather, { name: 'other', parameters: { type: 'object', properties: {} } }], messages: [{ role: 'user', content: 'Oslo weather' }], answer: [{ name: 'other', arguments: {} }] };
  const msgs = buildPrompt(task, { demos: [demo] });
  t.same(msgs.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
  t.match(msgs[0]!.content, /^Be brief\.\n\nTools:\nget_weather/);
  t.match(msgs[0]!.content, /\nother\(\)/, 'a tool only a demo calls is listed too');
  t.equal(msgs[2]!.content, goldCompletion(demo));
  t.equal(msgs[3]!.content, 'Weather in Lyon?');
  t.same(buildPrompt(task).map((m) => m.role), ['system', 'user']);
  t.equal(renderChatML([{ role: 'user', content: 'hi' }]), '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
  t.equal(renderChatML([{ role: 'user', content: 'hi' }], false), '<|im_start|>user\nhi<|im_end|>\n');
});

t.test('gold completions parse and score 1 on every synthetic task', async (t) => {
  const s = syntheticSuite({ seed: 5, trainSize: 400, testSize: 100, testTemplatesSize: 100, testUnseenApisSize: 100 });
  let bad = 0;
  for (const x of [...s.train, ...s.test, ...s.testTemplates, ...s.testUnseenApis]) {
    const out = goldCompletion(x);
    const r = scoreRollout(out, x);
    if (r.reward !== 1 || r.set) bad++;
    if (scoreRollout(out, x, { format: 'tool-n1' }).reward !== 1) bad++;
  }
  t.equal(bad, 0);
  t.equal(goldThink([]), 'No tool fits this request.');
  t.equal(goldThink([{ name: 'f', arguments: { a: 'x', b: [1, 2] } }, { name: 'g', arguments: {} }]), 'Call f with a=x, b=[1,2]; g.');
  const p = parseToolCalls(renderCompletion(goldCalls(task), 'because'));
  t.same(p, { ok: true, calls: goldCalls(task), think: 'because' });
});

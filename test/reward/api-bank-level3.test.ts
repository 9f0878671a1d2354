// API-Bank level 3 on the vendored data (data/api-bank/level-3.json): the conversion (one
// task per call, gold history before it) and the official evaluator's semantics pinned on
// real entries, ToolSearcher included (its rule cannot be checked against upstream here:
// api-bank-official.test.ts covers every other API).
import t from 'tap';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromApiBankLevel3, type Call, type Task } from '../../lib/data/index.js';
import { retrieverTokens, sameRetrieval, scoreRollout, splitByUppercase } from '../../lib/reward/index.js';
import { render, SHARED_DATA } from '../fixtures/render.js';

const LEVEL3 = join(SHARED_DATA, 'api-bank', 'level-3.json');
const tasks: Task[] = [];
for await (const task of fromApiBankLevel3(LEVEL3)) tasks.push(task);
const byId = new Map(tasks.map((x) => [x.id, x]));
const task = (id: string): Task => byId.get(id) as Task;
const gold = (x: Task): Call => (x.answer as Call[])[0] as Call;
const score = (x: Task, args: Record<string, unknown>, name = gold(x).name) => scoreRollout(render([{ name, arguments: args }]), x, { matcher: 'api-bank' });
const raw = (x: Task, argsJson: string) => scoreRollout(`<think>x</think><tool_call>[{"name": "${gold(x).name}", "arguments": ${argsJson}}]</tool_call>`, x, { matcher: 'api-bank' });

t.test('conversion: 245 calls in 50 samples, each with the gold history before it', async (t) => {
  t.equal(tasks.length, 245);
  t.equal(new Set(tasks.map((x) => x.meta?.['sampleId'])).size, 50);
  t.equal(tasks.filter((x) => gold(x).name === 'ToolSearcher').length, 114);
  const s0 = task('api-bank-l3-0-3');
  t.same(s0.tools.map((x) => x.name), ['ToolSearcher', 'QueryMeeting', 'EmailReminder'], 'ToolSearcher and what it retrieved so far');
  t.equal(s0.messages.length, 1 + 2 * 3, 'the requirement, then each earlier call and its result');
  t.same(s0.messages[0], { role: 'user', content: 'Query meeting of John and send email reminder to john@example.com.' });
  t.match(s0.messages[6], { role: 'tool', name: 'ToolSearcher', content: /^\{"output":\{"name":"EmailReminder"/ }, 'a result: the output and the exception');
  t.same(task('api-bank-l3-0-0').tools.map((x) => x.name), ['ToolSearcher'], 'first step: only ToolSearcher');
  t.same(task('api-bank-l3-15-3').meta?.['apiBank'], {
    input: { latitude: 40.7128, longitude: 74.006, distance: 1000 }, types: { latitude: 'float', longitude: 'float', distance: 'int' },
  }, 'the check compares the converted input, by the declared types');
  t.equal((task('api-bank-l3-0-2').meta?.['apiBank'] as { retrieves: string }).retrieves, 'EmailReminder');
});

t.test('every gold call scores 1 except the 10 whose gold value is a list, as upstream', async (t) => {
  const zero = tasks.filter((x) => score(x, gold(x).arguments).base !== 1).map((x) => `${x.id} ${gold(x).name}`);
  t.same(zero, [10, 11, 12, 13, 14].map((i) => `api-bank-l3-${i}-${i === 10 ? 7 : 6} AddMeeting`).concat([20, 21, 22, 23, 24].map((i) => `api-bank-l3-${i}-5 MovieRecommendations`)));
  t.equal(score(task('api-bank-l3-20-5'), { preferences: ['Action', 'Comedy', 'Drama'] }).reason, 'wrong_args', 'a parsed call passes a list parameter as a string');
});

t.test('ToolSearcher: only the retrieved tool counts; same retriever input, same tool', async (t) => {
  const ts = task('api-bank-l3-0-0');
  t.equal(splitByUppercase('QueryMeeting'), 'Query Meeting');
  t.same(retrieverTokens('GetWeatherForCoordinates'), ['get', 'weather', 'for', 'coordinates']);
  for (const k of ['QueryMeeting', 'query meeting', 'Query Meeting', '  Query   Meeting ', 'Quéry Meeting', 'query\tmeeting']) t.equal(score(ts, { keywords: k }).base, 1, `'${k}'`);
  for (const k of ['querymeeting', 'QUERYMEETING', 'Query-Meeting', 'QueryMeetings', 'meeting query', 'QueryMeeting API', 'EmailReminder', '']) t.equal(score(ts, { keywords: k }).base, 0, `'${k}'`);
  t.ok(sameRetrieval('add, meeting', 'Add ,meeting'), 'punctuation is a token of its own');
  t.equal(score(ts, { keywords: ['QueryMeeting'] }).base, 0, 'a list arrives as its str()');
  t.equal(score(ts, { keywords: 'QueryMeeting', top_k: 1 }).reason, 'wrong_args', 'undeclared parameter');
  t.equal(score(ts, {}).reason, 'wrong_args', 'no keywords');
  t.equal(score(ts, { keywords: 'QueryMeeting' }, 'toolsearcher').reason, 'wrong_name');
});

t.test('per-API rules of check_api_call_correctness', async (t) => {
  const email = task('api-bank-l3-0-3');
  const e = gold(email).arguments;
  t.equal(score(email, { ...e, content: 'anything at all' }).base, 1, 'EmailReminder: content not compared');
  t.equal(score(email, { ...e, content: ' \u3000' }).base, 0, '... but a blank one is refused by the API');
  t.equal(score(email, { ...e, recipient: 'John@example.com' }).base, 0, 'the other fields exactly');
  const calc = task('api-bank-l3-25-7');
  t.equal(score(calc, { formula: ' 40 + 50 + 60 ' }).base, 1, 'Calculator: spaces removed');
  t.equal(score(calc, { formula: '60+50+40' }).base, 0, 'same value, other formula');
  const meeting = task('api-bank-l3-0-1');
  t.equal(score(meeting, { user_name: 'john' }).base, 0, 'QueryMeeting: exact value');
});

t.test('values are converted by the declared type from the string the model wrote', async (t) => {
  const nearby = task('api-bank-l3-15-3');
  for (const json of ['{"latitude": 40.7128, "longitude": 74.006, "distance": 1000}', '{"latitude": "40.7128", "longitude": "74.0060", "distance": "1000"}',
    '{"latitude": 40.71280, "longitude": 74.0060, "distance": "01000"}']) t.equal(raw(nearby, json).base, 1, json);
  for (const json of ['{"latitude": 40.7128, "longitude": 74.006, "distance": 1000.0}', '{"latitude": 40.7128, "longitude": 74.006, "distance": 1e3}',
    '{"latitude": "+40.7128", "longitude": 74.006, "distance": 1000}', '{"latitude": 40.7128, "longitude": 74.006, "distance": " 1000"}']) t.equal(raw(nearby, json).base, 0, json);
  const tax = task('api-bank-l3-40-3');
  for (const json of ['{"salary": 100000}', '{"salary": 100000.0}', '{"salary": "100000.00"}', '{"salary": 1e5}']) t.equal(raw(tax, json).base, 1, `TaxCalculator ${json}`);
  for (const json of ['{"salary": "1e5"}', '{"salary": -100000}', '{"salary": "100,000"}']) t.equal(raw(tax, json).base, 0, `TaxCalculator ${json}`);
  const posts = task('api-bank-l3-25-1');
  t.equal(raw(posts, '{"user_id": 2}').base, 1);
  t.equal(raw(posts, '{"user_id": 2.0}').base, 0, "int parameter: '2.0'.isdigit() is False");
});

t.test('one API request per step', async (t) => {
  const q = task('api-bank-l3-0-1');
  t.equal(scoreRollout(render([gold(q), gold(q)]), q, { matcher: 'api-bank' }).reason, 'extra_call');
  t.equal(scoreRollout(render([]), q, { matcher: 'api-bank' }).reason, 'missing_call');
  t.equal(scoreRollout(`<tool_call>${JSON.stringify([gold(q)])}</tool_call>`, q, { matcher: 'api-bank' }).reason, 'missing_think', 'the format rule still applies');
});

t.test('fromApiBankLevel3 errors name the file and entry', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tx-l3-'));
  const p = join(dir, 'level-3.json');
  writeFileSync(p, '{"not": "an array"}');
  await t.rejects(async () => { for await (const _ of fromApiBankLevel3(p)) void _; }, { code: 'E_FORMAT', message: /level-3\.json: expected a JSON array/ });
  writeFileSync(p, JSON.stringify([{ requirement: 'x', apis: [{ api_name: 'A' }] }]));
  await t.rejects(async () => { for await (const _ of fromApiBankLevel3(p)) void _; }, { code: 'E_FORMAT', message: /\[0\]\.apis\[0\]: expected \{api_name, input, output/ });
  const step = { api_name: 'LikeCount', input: { post_id: '1' }, output: { api_name: 'LikeCount', input: { post_id: 1 }, output: { like_count: 10 }, exception: null } };
  writeFileSync(p, JSON.stringify([{ requirement: 'x', response: 'y', apis: [step] }]));
  await t.rejects(async () => { for await (const _ of fromApiBankLevel3(p)) void _; }, { code: 'E_FORMAT', message: /LikeCount is called before any ToolSearcher call retrieved it/ });
  const all = JSON.parse(readFileSync(LEVEL3, 'utf8')) as unknown[];
  writeFileSync(p, JSON.stringify(all.slice(0, 2)));
  const batch = join(dir, 'level-3-batch-inf.json');
  writeFileSync(batch, JSON.stringify([{ sample_id: 0, api_id: 0, output: "API-Request: [ToolSearcher(keywords='QueryMeetings')]" }]));
  await t.rejects(async () => { for await (const _ of fromApiBankLevel3(p)) void _; }, { code: 'E_FORMAT', message: /batch-inf\.json\[0\]: output disagrees with level-3\.json/ });
  writeFileSync(batch, JSON.stringify([{ sample_id: 0, api_id: 0, output: "API-Request: [ToolSearcher(keywords='QueryMeeting')]" }]));
  await t.rejects(async () => { for await (const _ of fromApiBankLevel3(p)) void _; }, { code: 'E_FORMAT', message: /covers 1 of the 9 calls/ });
  await t.rejects(async () => { for await (const _ of fromApiBankLevel3(p, { batchPath: join(dir, 'none.json') })) void _; }, { code: 'E_FORMAT', message: /cannot read .*none\.json/ });
});

import t from 'tap';
import type { BfclAnswer, Call, Task, Tool } from '../../lib/data/index.js';
import { bfclParametersToJsonSchema } from '../../lib/data/index.js';
import { scoreRollout, standardizeString } from '../../lib/reward/index.js';
import { pyStr, jaccardAbove } from '../../lib/reward/api-bank.js';
import { render } from '../fixtures/render.js';

const fn = (name: string, properties: Record<string, unknown>, required: string[] = []): Tool =>
  ({ name, parameters: bfclParametersToJsonSchema({ type: 'dict', properties, required }) });
const tools = [
  fn('f', {
    s: { type: 'string' }, i: { type: 'integer' }, x: { type: 'float' }, b: { type: 'boolean' },
    l: { type: 'array', items: { type: 'string' } }, fl: { type: 'array', items: { type: 'float' } },
    tu: { type: 'tuple', items: { type: 'float' } }, d: { type: 'dict', properties: { k: { type: 'string' } } },
    ld: { type: 'array', items: { type: 'dict' } }, a: { type: 'any' }, n: { type: 'integer' },
  }, ['s']),
  fn('g', { q: { type: 'string' } }, ['q']),
];
const gt = (params: Record<string, unknown[]>, more: BfclAnswer['groundTruth'] = []): Task =>
  ({ id: 'b', tools, messages: [{ role: 'user', content: 'q' }], answer: { format: 'bfcl', groundTruth: [{ f: { s: ['New York, NY'], ...params } }, ...more] } });
const score = (args: Record<string, unknown>, task: Task, extra: Call[] = []) =>
  scoreRollout(render([{ name: 'f', arguments: { s: 'New York, NY', ...args } }, ...extra]), task, { matcher: 'bfcl' });

t.test('standardize_string', async (t) => {
  t.equal(standardizeString("Jan. 28, 2021"), standardizeString('jan28 2021'));
  t.equal(standardizeString("it's_A-b/c*d^e"), 'it"sabcde');
});

t.test('BFCL AST rules', async (t) => {
  const cases: [string, Record<string, unknown>, Record<string, unknown[]>, 0 | 1][] = [
    ['string normalisation', { s: 'newyorkny' }, {}, 1],
    ['int for float at top level', { x: 3 }, { x: [3.0] }, 1],
    ['float for integer', { i: 3.5 }, { i: [3] }, 0],
    ['bool is never int', { i: true }, { i: [1] }, 0],
    ['bool value', { b: false }, { b: [false] }, 1],
    ['optional omitted', {}, { i: [1, ''] }, 1],
    ['non-optional omitted', {}, { i: [1] }, 0],
    ['"" passed for optional string', { l: [] }, { l: [''] }, 1],
    ['unexpected param (not in GT)', { i: 1 }, {}, 0],
    ['param not in schema', { zz: 1 }, { zz: [1] }, 0],
    ['list order matters', { l: ['b', 'a'] }, { l: [['a', 'b']] }, 0],
    ['list both orders listed', { l: ['b', 'a'] }, { l: [['a', 'b'], ['b', 'a']] }, 1],
    ['list strings normalised', { l: ['New York'] }, { l: [['new york']] }, 1],
    ['float list with ints', { fl: [1, 2.5] }, { fl: [[1.0, 2.5]] }, 1],
    ['string list with a number', { l: [1] }, { l: [['1']] }, 0],
    ['tuple as list', { tu: [1.5, 2.5] }, { tu: [[1.5, 2.5]] }, 1],
    ['dict param', { d: { k: 'Paris' } }, { d: [{ k: ['paris'] }] }, 1],
    ['dict missing optional key', { d: {} }, { d: [{ k: ['paris', ''] }] }, 1],
    ['dict missing required key', { d: {} }, { d: [{ k: ['paris'] }] }, 0],
    ['dict extra key', { d: { k: 'paris', z: 1 } }, { d: [{ k: ['paris'] }] }, 0],
    ['dict wrong value', { d: { k: 1 } }, { d: [{ k: ['paris'] }] }, 0],
    ['list of dicts in order', { ld: [{ k: 'a' }, { k: 'b' }] }, { ld: [[{ k: ['a'] }, { k: ['b'] }]] }, 1],
    ['list of dicts out of order', { ld: [{ k: 'b' }, { k: 'a' }] }, { ld: [[{ k: ['a'] }, { k: ['b'] }]] }, 0],
    ['list of dicts length', { ld: [{ k: 'a' }] }, { ld: [[{ k: ['a'] }, { k: ['b'] }]] }, 0],
    ['any wants a string', { a: 'v' }, { a: ['v'] }, 1],
    ['null alternative (variable)', { n: null }, { n: ['', null] }, 1],
    ['wrong type, no hatch', { i: 'one' }, { i: [1] }, 0],
    ['variable hatch: type of the GT', { s: 5 }, { s: [5] }, 1],
  ];
  for (const [name, args, params, want] of cases) {
    t.equal(score(args, gt(params)).reward, want, name);
  }
  const missingRequired = scoreRollout(render([{ name: 'f', arguments: {} }]), gt({ s: ['x', ''] }), { matcher: 'bfcl' });
  t.equal(missingRequired.reason, 'wrong_args', 'schema required wins over ""');
});

t.test('BFCL parallel: any order, equal counts, reasons', async (t) => {
  const task = gt({ i: [1] }, [{ g: { q: ['a'] } }]);
  const fcall = { name: 'f', arguments: { s: 'New York, NY', i: 1 } };
  const gcall = { name: 'g', arguments: { q: 'a' } };
  t.equal(scoreRollout(render([gcall, fcall]), task, { matcher: 'bfcl' }).reward, 1);
  t.equal(scoreRollout(render([fcall]), task, { matcher: 'bfcl' }).reason, 'missing_call');
  t.equal(scoreRollout(render([fcall, gcall, gcall]), task, { matcher: 'bfcl' }).reason, 'extra_call');
  t.equal(scoreRollout(render([fcall, { name: 'h', arguments: {} }]), task, { matcher: 'bfcl' }).reason, 'wrong_name');
  t.equal(scoreRollout(render([fcall, { name: 'g', arguments: { q: 'b' } }]), task, { matcher: 'bfcl' }).reason, 'wrong_args');
  const plain: Task = { id: 'p', tools, messages: [{ role: 'user', content: 'q' }], answer: [{ name: 'f', arguments: { s: 'x', d: { k: 'v' }, ld: [{ k: 'w' }] } }] };
  t.equal(scoreRollout(render([{ name: 'f', arguments: { s: 'X', d: { k: 'V' }, ld: [{ k: 'w' }] } }]), plain, { matcher: 'bfcl' }).reward, 1, 'plain answers get BFCL rules');
  t.equal(scoreRollout(render([{ name: 'f', arguments: { s: 'New York, NY', i: 1 } }]), gt({ i: [1] }), { matcher: 'exact' }).reward, 1, 'exact on a BFCL answer uses the gold calls');
  const badGt: Task = { id: 'x', tools, messages: [{ role: 'user', content: 'q' }], answer: { format: 'bfcl', groundTruth: [{}] } };
  t.equal(scoreRollout(render([fcall]), badGt, { matcher: 'bfcl' }).reward, 0);
});

t.test('api-bank matcher', async (t) => {
  const tool = (name: string, props: Record<string, string>, optional: string[] = []): Tool => ({
    name, parameters: { type: 'object', properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, { type: v }])), required: Object.keys(props).filter((k) => !optional.includes(k)) },
  });
  const abTools = [
    tool('BookHotel', { hotel_name: 'string', room_count: 'integer' }),
    tool('AddReminder', { token: 'string', content: 'string', time: 'string' }),
    tool('Calculator', { formula: 'string' }),
    tool('AddMeeting', { meeting_topic: 'string', attendees: 'array' }),
    tool('Translate', { src: 'string', tgt_lang: 'string' }, ['tgt_lang']),
    tool('TimedSwitch', { name: 'string', on: 'boolean' }),
    tool('QueryStock', { stock_code: 'string' }),
  ];
  const task = (call: Call): Task => ({ id: 'ab', tools: abTools, messages: [{ role: 'user', content: 'q' }], answer: [call] });
  const s = (pred: Call, gold: Call) => scoreRollout(render([pred]), task(gold), { matcher: 'api-bank' }).reward;
  t.equal(s({ name: 'BookHotel', arguments: { hotel_name: 'Hilton', room_count: 1 } }, { name: 'BookHotel', arguments: { hotel_name: 'Hilton', room_count: '1' } }), 1, 'typed int vs string');
  t.equal(s({ name: 'AddMeeting', arguments: { meeting_topic: 'sync', attendees: ['John', 'Jane'] } }, { name: 'AddMeeting', arguments: { meeting_topic: 'sync', attendees: "['John', 'Jane']" } }), 1, 'list vs its Python repr');
  t.equal(s({ name: 'TimedSwitch', arguments: { name: ' Light ', on: true } }, { name: 'TimedSwitch', arguments: { name: 'light', on: 'True' } }), 1, 'bool and case-folded name');
  t.equal(s({ name: 'AddReminder', arguments: { token: 't', content: 'call john today', time: 'x' } }, { name: 'AddReminder', arguments: { token: 't', content: 'Call John', time: 'x' } }), 1, 'Jaccard content');
  t.equal(s({ name: 'AddReminder', arguments: { token: 't', content: 'buy milk', time: 'x' } }, { name: 'AddReminder', arguments: { token: 't', content: 'Call John', time: 'x' } }), 0);
  t.equal(s({ name: 'Calculator', arguments: { formula: '(1+2)*3' } }, { name: 'Calculator', arguments: { formula: '(1 + 2) * 3' } }), 1, 'formula spaces');
  t.equal(s({ name: 'QueryStock', arguments: { stock_code: 'aapl' } }, { name: 'QueryStock', arguments: { stock_code: 'AAPL' } }), 1);
  t.equal(s({ name: 'Translate', arguments: { src: 'hi' } }, { name: 'Translate', arguments: { src: 'hi', tgt_lang: 'fr' } }), 1, 'optional may be omitted');
  t.equal(s({ name: 'BookHotel', arguments: { hotel_name: 'Hilton' } }, { name: 'BookHotel', arguments: { hotel_name: 'Hilton', room_count: '1' } }), 0, 'required missing');
  t.equal(s({ name: 'BookHotel', arguments: { hotel_name: 'Hilton', room_count: '1', x: '1' } }, { name: 'BookHotel', arguments: { hotel_name: 'Hilton', room_count: '1' } }), 0, 'extra key');
  t.equal(pyStr(null), 'None');
  t.equal(pyStr({ a: ["it's", 'x\n'], b: false }), `{'a': ["it's", 'x\\n'], 'b': False}`);
  t.ok(jaccardAbove('', ''));
  const two: Task = { id: 'ab2', tools: abTools, messages: [{ role: 'user', content: 'q' }], answer: [{ name: 'QueryStock', arguments: { stock_code: 'A' } }] };
  t.equal(scoreRollout(render([]), two, { matcher: 'api-bank' }).reason, 'missing_call');
  t.equal(scoreRollout(render([{ name: 'QueryStock', arguments: { stock_code: 'A' } }, { name: 'QueryStock', arguments: { stock_code: 'A' } }]), two, { matcher: 'api-bank' }).reason, 'extra_call');
});

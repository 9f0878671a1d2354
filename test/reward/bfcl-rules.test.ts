// The `bfcl` mode's rules one by one, on small hand-made entries: Python-typed JSON, the
// Java/JS converters (the examples from BFCL's own converter tests), the int/float rules,
// the irrelevance rule, first/last block, dotted names. The agreement with BFCL's real
// checker on the full data is bfcl-official.test.ts.
import t from 'tap';
import { mkdtemp, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBfclCategory } from '../../lib/reward/bfcl-suite.js';
import { javaTypeConverter } from '../../lib/reward/bfcl-java.js';
import { jsTypeConverter } from '../../lib/reward/bfcl-js.js';
import { bfclVerdict, decodeBfcl, type BfclEntry } from '../../lib/reward/bfcl-verdict.js';
import { pyJsonParse, pyJsonStringify } from '../../lib/data/pyjson.js';
import { PyFloat, pyEq, pyType } from '../../lib/data/pyvalue.js';
import { scoreRollout } from '../../lib/reward/index.js';
import { SHARED_DATA } from '../fixtures/render.js';

const plainOf = (v: unknown): unknown => JSON.parse(pyJsonStringify(v));
const call = (name: string, args: Record<string, unknown>, think = true): string =>
  `${think ? '<think>t</think>' : ''}<tool_call>${JSON.stringify([{ name, arguments: args }])}</tool_call>`;

t.test('Python-typed JSON', async (t) => {
  const r = pyJsonParse('{"a": 5, "b": 5.0, "c": 1e2, "d": [1, 2.5], "e": NaN, "f": 12345678901234567890}');
  t.ok(r.ok);
  const v = (r as { value: Record<string, unknown> }).value;
  t.same([pyType(v['a']), pyType(v['b']), pyType(v['c']), pyType(v['e']), pyType(v['f'])], ['int', 'float', 'float', 'float', 'int']);
  t.ok(pyEq(v['a'], v['b']), '5 == 5.0 in Python');
  t.ok(pyEq(true, 1), 'True == 1 in Python');
  t.notOk(pyEq('1', 1));
  t.equal(pyJsonStringify(v['b']), '5.0');
  for (const bad of ['{"a": 1,}', '[1 2]', '{"a"}', '"\u0001"', '01', '']) t.notOk(pyJsonParse(bad).ok, `refused: ${JSON.stringify(bad)}`);
  t.notOk(pyJsonParse('['.repeat(300) + ']'.repeat(300)).ok, 'deep nesting refused, no stack overflow');
});

t.test('Java converter (BFCL test examples)', async (t) => {
  const cases: [string, string, string | undefined, unknown][] = [
    ['true', 'boolean', undefined, true], ['123', 'integer', undefined, 123], ['-123', 'integer', undefined, -123],
    ['3.14f', 'float', undefined, new PyFloat(3.14)], ['3.14', 'double', undefined, new PyFloat(3.14)],
    ['123L', 'long', undefined, 123], ['9223372036854775807L', 'long', undefined, 9223372036854775807n],
    ['abc', 'String', undefined, 'abc'], ['123', 'any', undefined, '123'],
    ['new int[]{1, 2, 3}', 'Array', undefined, [1, 2, 3]], ['new int[] { }', 'Array', undefined, []],
    ['new ArrayList<>(Arrays.asList("a", "b"))', 'ArrayList', undefined, ['a', 'b']],
    ['new ArrayList<Float>() {{ add(1.0f); add(2.0f); }}', 'ArrayList', 'float', [new PyFloat(1), new PyFloat(2)]],
    ['new HashMap<String, Object>() {{ put("key1", 1); put("key2", "value"); put("key3", true); }}', 'HashMap', undefined, { key1: 1, key2: 'value', key3: true }],
    ['new HashMap<>() {{ }}', 'HashMap', undefined, {}],
    ['new long[]{1L, 2, 3L}', 'Array', 'long', [1, '2', 3]], ['3.14', 'float', undefined, '3.14'], ['42', 'long', undefined, '42'],
  ];
  for (const [src, ty, nested, want] of cases) {
    const got = javaTypeConverter(src, ty, nested);
    t.ok(pyEq(got, want) && pyType(got) === pyType(want), `${ty} ${src}`);
  }
  t.throws(() => javaTypeConverter('x', 'Set'), /NotImplementedError/);
});

t.test('JavaScript converter (BFCL test examples)', async (t) => {
  const cases: [string, string, string | undefined, unknown][] = [
    ['true', 'Boolean', undefined, true], ['123n', 'Bigint', undefined, 123], ['"abc"', 'String', undefined, 'abc'],
    ['[1, 2, 3]', 'array', undefined, [1, 2, 3]], ['new Array(1, 2, 3)', 'array', undefined, [1, 2, 3]],
    ["{'key': 'value'}", 'dict', undefined, { key: 'value' }], ["[1, 'two', true]", 'array', undefined, [1, 'two', true]],
    [' [ [ 1, 2 ], [ 3,   4], [5, 6]]', 'array', 'array', [[1, 2], [3, 4], [5, 6]]],
    ['[1.1, 2.2]', 'array', 'float', [new PyFloat(1.1), new PyFloat(2.2)]],
  ];
  for (const [src, ty, nested, want] of cases) t.ok(pyEq(jsTypeConverter(src, ty, nested), want), `${ty} ${src}`);
  const d = jsTypeConverter('{"initialState": initialStateObject, "middlewares": ["loggerMiddleware"]}', 'dict') as Record<string, unknown>;
  t.same(plainOf(d), { initialState: 'initialStateObject', middlewares: ['loggerMiddleware'] });
});

const fn = (name: string, properties: Record<string, unknown>, required: string[] = Object.keys(properties)) =>
  ({ name, parameters: { type: 'dict', properties, required } });

t.test('int and float, as Python reads the text', async (t) => {
  const e: BfclEntry = {
    id: 'x', category: 'simple_python',
    functions: [fn('f', { n: { type: 'integer' }, x: { type: 'float' }, xs: { type: 'array', items: { type: 'float' } } })],
    groundTruth: (pyJsonParse('[{"f": {"n": [7890], "x": [2.0], "xs": [[1.0, 2.5]]}}]') as { value: unknown[] }).value,
  };
  const v = (s: string): boolean => bfclVerdict(`<tool_call>[{"name": "f", "arguments": ${s}}]</tool_call>`, e).valid;
  t.ok(v('{"n": 7890, "x": 2.0, "xs": [1.0, 2.5]}'), 'ground truth');
  t.notOk(v('{"n": 7890.0, "x": 2.0, "xs": [1.0, 2.5]}'), '7890.0 is a float: refused for an integer');
  t.ok(v('{"n": 7890, "x": 2, "xs": [1.0, 2.5]}'), 'an int stands for a float at the top level');
  t.notOk(v('{"n": 7890, "x": 2.0, "xs": [1, 2.5]}'), 'but not inside a float list');
});

t.test('irrelevance: anything that does not decode to a call passes', async (t) => {
  const e: BfclEntry = { id: 'i', category: 'irrelevance', functions: [fn('f', { a: { type: 'string' } })] };
  for (const text of ['plain text, no think', '<think>x</think>', '<tool_call>[{"name": </tool_call>', '<tool_call>[{}]</tool_call>', '<tool_call>[]</tool_call>']) {
    t.ok(bfclVerdict(text, e).valid, JSON.stringify(text));
  }
  t.notOk(bfclVerdict(call('f', {}, false), e).valid, 'a call fails, think or not');
  const task = (await readBfclCategory(join(SHARED_DATA, 'bfcl'), 'irrelevance'))[0]?.task;
  t.ok(task !== undefined);
  if (task !== undefined) {
    t.equal(scoreRollout('<think>no tool fits</think><tool_call>[]</tool_call>', task, { matcher: 'bfcl' }).reward, 1);
    t.equal(scoreRollout(call(task.tools[0]?.name ?? 'x', {}), task, { matcher: 'bfcl' }).reason, 'extra_call');
  }
});

t.test('first or last block; dotted names under underscore mapping', async (t) => {
  const e: BfclEntry = { id: 's', category: 'simple_python', functions: [fn('uber.ride', { loc: { type: 'string' } })], groundTruth: [{ 'uber.ride': { loc: ['SF'] } }] };
  const two = `${call('other', {})}\n${call('uber.ride', { loc: 'SF' })}`;
  t.ok(bfclVerdict(two, e, { block: 'last' }).valid);
  t.notOk(bfclVerdict(two, e, { block: 'first' }).valid, "Tool-N1's handler takes the first block");
  t.ok(bfclVerdict(call('uber_ride', { loc: 'sf' }), e, { underscoreNames: true }).valid);
  t.notOk(bfclVerdict(call('uber.ride', { loc: 'sf' }), e, { underscoreNames: true }).valid);
  t.same(decodeBfcl('no block'), { ok: true, calls: [] });
});

t.test('bad BFCL folders: one-line errors naming file and line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bfcl-bad-'));
  await mkdir(join(dir, 'possible_answer'));
  const src = join(SHARED_DATA, 'bfcl');
  await copyFile(join(src, 'BFCL_v4_live_parallel.json'), join(dir, 'BFCL_v4_live_parallel.json'));
  await t.rejects(readBfclCategory(dir, 'live_parallel'), { code: 'E_FORMAT', message: /possible_answer\/BFCL_v4_live_parallel\.json: cannot read: no such file/ });
  await writeFile(join(dir, 'BFCL_v4_simple_java.json'), '{"id": "simple_java_0", "question": [[{"role": "user", "content": "q"}]], "function": []}\n{"id": "simple_java_1", "quest');
  await t.rejects(readBfclCategory(dir, 'simple_java'), { code: 'E_FORMAT', message: /BFCL_v4_simple_java\.json:2: invalid JSON/ });
  await t.rejects(readBfclCategory(dir, 'multi_turn_base'), { code: 'E_RANGE', message: /unknown BFCL category 'multi_turn_base'/ });
  for (const e of [readBfclCategory(dir, 'simple_java').catch((x: Error) => x)]) t.notMatch(String((await e as Error).message), /\n/, 'one line');
});

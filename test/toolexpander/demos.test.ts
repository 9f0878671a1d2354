import t from 'tap';
import { goldCalls, syntheticSuite, type Call, type Task } from '../../lib/data/index.js';
import { callKey } from '../../lib/reward/exact.js';
import { createDemoPool, selectDemos } from '../../lib/toolexpander/index.js';

const suite = syntheticSuite({ seed: 11, trainSize: 1500, testSize: 200, testTemplatesSize: 0, testUnseenApisSize: 100 });
const pool = createDemoPool(suite.train);
const names = (x: Task) => new Set(goldCalls(x).map((c) => c.name));
const keys = (cs: readonly Call[]) => new Set(cs.map(callKey));

t.test('never the task itself, never a task sharing a call with its answer', async (t) => {
  let leaks = 0;
  let selections = 0;
  for (const task of [...suite.train, ...suite.test, ...suite.testUnseenApis]) {
    for (const k of [1, 2]) {
      const demos = selectDemos(pool, task, k, { seed: 1, salt: k });
      selections++;
      if (demos.length !== k) leaks++;
      const own = keys(goldCalls(task));
      for (const d of demos) {
        if (d.id === task.id) leaks++;
        if (goldCalls(d).some((c) => own.has(callKey(c)))) leaks++;
        if (goldCalls(d).length === 0 && own.size === 0) leaks++;
      }
      if (new Set(demos.map((d) => d.id)).size !== demos.length) leaks++;
    }
  }
  t.equal(leaks, 0, `${selections} selections`);
});

t.test('a task duplicated in the pool under another id is not handed over', async (t) => {
  const task = suite.train.find((x) => goldCalls(x).length === 1)!;
  const twin = { ...task, id: 'twin' };
  const p = createDemoPool([twin, task]);
  t.same(selectDemos(p, task, 2, { seed: 0 }), [], 'only the task and its twin: nothing to give');
});

t.test('similarity: same tool first, then shared argument names, then random', async (t) => {
  let sameTool = 0;
  let n = 0;
  for (const task of suite.test.filter((x) => goldCalls(x).length > 0)) {
    const [d] = selectDemos(pool, task, 1, { seed: 2 });
    n++;
    if (d !== undefined && [...names(d)].some((x) => names(task).has(x))) sameTool++;
  }
  t.equal(sameTool, n, `first demo shares a tool name (${sameTool}/${n})`);

  // A hand-made pool: same tool > shared argument > unrelated.
  const tool = (name: string, props: string[]) => ({ name, parameters: { type: 'object', properties: Object.fromEntries(props.map((p) => [p, { type: 'string' }])) } });
  const mk = (id: string, name: string, args: Record<string, string>): Task => ({ id, tools: [tool(name, Object.keys(args))], messages: [{ role: 'user', content: id }], answer: [{ name, arguments: args }] });
  const target = mk('t', 'weather', { city: 'Lyon' });
  const small = createDemoPool([mk('u', 'stocks', { ticker: 'X' }), mk('a', 'hotel', { city: 'Oslo' }), mk('s', 'weather', { city: 'Rome' }), mk('dup', 'weather', { city: 'Lyon' })]);
  t.same(selectDemos(small, target, 3, { seed: 0 }).map((x) => x.id), ['s', 'a', 'u']);
  t.same(selectDemos(small, target, 9, { seed: 0 }).map((x) => x.id), ['s', 'a', 'u'], 'fewer when the pool runs out');
  t.same(selectDemos(small, target, 0, { seed: 0 }), []);
  // Equal similarity: the demo that calls no tool the task lacks comes first.
  const par: Task = { id: 'p', tools: [tool('weather', ['city']), tool('stocks', ['ticker'])], messages: [{ role: 'user', content: 'p' }], answer: [{ name: 'weather', arguments: { city: 'Oslo' } }, { name: 'stocks', arguments: { ticker: 'Y' } }] };
  for (let seed = 0; seed < 5; seed++) {
    t.equal(selectDemos(createDemoPool([par, mk('s', 'weather', { city: 'Rome' })]), target, 1, { seed })[0]!.id, 's');
  }
  // An irrelevance task is matched on the tools it offers; another [] task is the same answer.
  const irr: Task = { id: 'i', tools: [tool('weather', ['city'])], messages: [{ role: 'user', content: 'q' }], answer: [] };
  const withIrr = createDemoPool([{ ...irr, id: 'j' }, mk('s', 'weather', { city: 'Rome' }), mk('u', 'stocks', { ticker: 'X' })]);
  t.same(selectDemos(withIrr, irr, 3, { seed: 0 }).map((x) => x.id), ['s', 'u']);
});

t.test('seeded: same (seed, task, salt) same demos; salt varies them', async (t) => {
  const task = suite.test[0]!;
  t.same(selectDemos(pool, task, 2, { seed: 3, salt: 'a' }).map((x) => x.id), selectDemos(pool, task, 2, { seed: 3, salt: 'a' }).map((x) => x.id));
  const draws = new Set<string>();
  for (let s = 0; s < 10; s++) draws.add(selectDemos(pool, task, 2, { seed: 3, salt: s }).map((x) => x.id).join(','));
  t.ok(draws.size > 1, `${draws.size} distinct draws over 10 salts`);
});

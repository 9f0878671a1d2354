import t from 'tap';
import { goldCalls, syntheticSuite, type Task } from '../../lib/data/index.js';
import { hasSelfExample, parseToolCalls, scoreRollout } from '../../lib/reward/index.js';
import { buildSftData, createDemoPool, goldCompletion, setAnalysis } from '../../lib/toolexpander/index.js';

const suite = syntheticSuite({ seed: 21, trainSize: 1500, testSize: 0, testTemplatesSize: 0, testUnseenApisSize: 0 });
const byId = new Map(suite.train.map((x) => [x.id, x]));
const data = buildSftData(suite.train, { seed: 21 });

t.test('one sample per task, shares of each kind', async (t) => {
  t.equal(data.length, suite.train.length);
  const count = (k: string) => data.filter((d) => d.kind === k).length;
  t.comment(`SFT samples: ${data.length} (plain ${count('plain')}, demos ${count('demos')}, set ${count('set')})`);
  t.ok(Math.abs(count('demos') / data.length - 0.2) < 0.05, 'about 20% with demonstrations');
  t.ok(Math.abs(count('set') / data.length - 0.2) < 0.05, 'about 20% with a SET example');
  t.ok(JSON.stringify(buildSftData(suite.train, { seed: 21 })) === JSON.stringify(data), 'deterministic');
  t.same(buildSftData(suite.train.slice(0, 50), { seed: 21, demoShare: 0, setShare: 0 }).map((d) => d.kind), new Array(50).fill('plain'));
  t.ok(buildSftData(suite.train.slice(0, 50), { seed: 21, demoShare: 1, setShare: 0, pool: createDemoPool(suite.train) }).every((d) => d.kind === 'demos'));
});

t.test('every target is the gold answer and scores 1', async (t) => {
  let bad = 0;
  for (const d of data) {
    const task = byId.get(d.taskId)!;
    const r = scoreRollout(d.completion, task);
    if (r.base !== 1) bad++;
    if (d.messages[0]?.role !== 'system' || d.messages.at(-1)?.content !== task.messages.at(-1)?.content) bad++;
  }
  t.equal(bad, 0);
});

t.test('demonstration samples: solved turns before the query, never the answer', async (t) => {
  const demos = data.filter((d) => d.kind === 'demos');
  let bad = 0;
  for (const d of demos) {
    const task = byId.get(d.taskId)!;
    const roles = d.messages.map((m) => m.role);
    const k = (roles.length - 2) / 2;
    if (!(k === 1 || k === 2) || roles.join() !== ['system', ...new Array<string>(k).fill('user,assistant'), 'user'].join()) bad++;
    const own = JSON.stringify(goldCalls(task));
    for (let i = 1; i < roles.length - 1; i += 2) {
      const p = parseToolCalls(d.messages[i + 1]!.content);
      if (!p.ok) { bad++; continue; }
      // The demo turn is a solved task: find it and check it scores 1 on its own task.
      const demoTask = suite.train.find((x) => x.messages[0]!.content === d.messages[i]!.content && JSON.stringify(goldCalls(x)) === JSON.stringify(p.calls));
      if (demoTask === undefined || demoTask.id === task.id || scoreRollout(d.messages[i + 1]!.content, demoTask).reward !== 1) bad++;
      if (JSON.stringify(p.calls) === own) bad++;
    }
  }
  t.equal(bad, 0, `${demos.length} samples`);
});

t.test('SET samples earn the bonus under scoreRollout', async (t) => {
  const set = data.filter((d) => d.kind === 'set');
  let earned = 0;
  for (const d of set) {
    const task = byId.get(d.taskId)!;
    const r = scoreRollout(d.completion, task);
    if (r.reward === 1.01 && r.set && r.base === 1) earned++;
    if (!d.completion.includes('<think><example>query: ')) t.fail(d.completion);
  }
  t.equal(earned, set.length, `${set.length} samples, all with reward 1.01`);
  const irr = set.filter((d) => goldCalls(byId.get(d.taskId)!).length === 0);
  t.ok(irr.length > 0, `${irr.length} SET samples on irrelevance tasks (example with an offered tool, answer [])`);
  const plain = data.filter((d) => d.kind !== 'set');
  t.ok(plain.every((d) => !scoreRollout(d.completion, byId.get(d.taskId)!).set), 'other kinds earn no bonus');
  const one = set[0]!;
  const p = parseToolCalls(one.completion);
  t.ok(p.ok && hasSelfExample(p.think, byId.get(one.taskId)!.tools, p.calls));
  t.comment(`example SET target: ${one.completion}`);
});

t.test('setAnalysis wording', async (t) => {
  const ex = [{ name: 'f', arguments: { a: 1, b: 'x' } }];
  t.equal(setAnalysis(ex, [{ name: 'f', arguments: { a: 2, b: 'x' } }]), 'The example maps the query to its call; same tool f, here a=2.');
  t.equal(setAnalysis(ex, [{ name: 'g', arguments: {} }]), 'The example maps the query to its call; g instead of f.');
  t.equal(setAnalysis(ex, []), 'The example uses f; this request needs none of the offered tools.');
});

t.test('a task with no usable example stays plain', async (t) => {
  const lone: Task = { id: 'lone', tools: [{ name: 'f', parameters: { type: 'object', properties: {} } }], messages: [{ role: 'user', content: 'q' }], answer: [{ name: 'f', arguments: {} }] };
  const [s] = buildSftData([lone], { seed: 0, demoShare: 0, setShare: 1 });
  t.equal(s!.kind, 'plain');
  t.equal(s!.completion, goldCompletion(lone));
  const [d] = buildSftData([lone], { seed: 0, demoShare: 1, setShare: 0 });
  t.equal(d!.kind, 'plain');
});

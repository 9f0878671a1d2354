import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

import { syntheticSuite } from '../../lib/data/synthetic/suite.js';
import { allTasks, loadRunTasks, registerPolicyFactory, resolveTrainConfig, resolvePolicyFactory } from '../../lib/rl/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tx-tasks-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('tasks from JSONL files, held-out splits cut to eval.size', async (t) => {
  const s = syntheticSuite({ seed: 5, trainSize: 12, testSize: 6, testTemplatesSize: 1, testUnseenApisSize: 1 });
  const write = (name: string, xs: unknown[]) => { writeFileSync(join(dir, name), xs.map((x) => JSON.stringify(x)).join('\n') + '\n'); return join(dir, name); };
  const cfg = resolveTrainConfig('grpo', { eval: { size: 4, splits: ['test'] }, data: { source: 'jsonl', train: write('train.jsonl', s.train), eval: { test: write('test.jsonl', s.test) } } });
  const r = await loadRunTasks(cfg);
  t.same(r.train, s.train);
  t.same(r.evalSplits['test'], s.test.slice(0, 4));
  t.equal(allTasks(r).length, s.train.length + 4, `${allTasks(r).length} tasks`);
});

t.test('policy factories: registered names, module paths, clear errors', async (t) => {
  const tiny = await resolvePolicyFactory();
  t.equal(tiny, await resolvePolicyFactory('tiny'), 'the default is the built-in tiny factory');
  const cfg = resolveTrainConfig('grpo', { init: join(dir, 'no-checkpoint') });
  await t.rejects(tiny({ config: cfg, tasks: [] }), { code: 'E_STATE', message: /config\.init: .*no-checkpoint is not a TinyPolicy checkpoint/ });
  await t.rejects(resolvePolicyFactory('other'), /no policy 'other' is available\. Built in: tiny, openai; registered: none/);
  await t.rejects(resolvePolicyFactory('./nowhere/policy.js'), /cannot load the module/);
  await t.rejects(resolvePolicyFactory('lib/rl/schedule.ts'), /exports no createPolicy/);
  const f = await resolvePolicyFactory('test/helpers/table-policy.ts');
  t.equal(typeof f, 'function');
  registerPolicyFactory('mine', f);
  t.equal(await resolvePolicyFactory('mine'), f);
});

// toolexpander/reward and toolexpander/data work in a process that cannot load any native
// addon: the child below makes every `.node` load throw before importing them.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import t from 'tap';

const root = fileURLToPath(new URL('../..', import.meta.url));

t.test('reward and data import and run with native addons forbidden', async (t) => {
  const script = `
    const Module = require('node:module');
    Module._extensions['.node'] = (m, file) => { throw new Error('addon load attempted: ' + file); };
    (async () => {
      const reward = await import('./lib/reward/index.ts');
      const data = await import('./lib/data/index.ts');
      const task = data.validateTask({ id: 't1',
        tools: [{ name: 'get_weather', description: 'w', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
        messages: [{ role: 'user', content: 'Weather in Lyon?' }],
        answer: [{ name: 'get_weather', arguments: { city: 'Lyon' } }] });
      const good = reward.scoreRollout('<think>lookup</think><tool_call>[{"name": "get_weather", "arguments": {"city": "Lyon"}}]</tool_call>', task);
      const bad = reward.scoreRollout('no call here', task);
      console.log(JSON.stringify({ good: good.reward, bad: bad.reward, reason: bad.reason }));
    })().catch((e) => { console.error(e.stack || e); process.exit(1); });`;
  // Coverage off in the child: its V8 coverage of lib/reward would be merged with wrong line maps.
  const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', env });
  t.equal(r.status, 0, `child exited cleanly: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { good?: number; bad?: number; reason?: string };
  t.equal(out.good, 1, 'a correct rollout scores 1');
  t.equal(out.bad, 0, 'a malformed rollout scores 0');
  t.equal(out.reason, 'no_tool_call');
});

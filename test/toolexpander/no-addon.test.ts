// The synthetic suite and ToolExpander's model-free parts run in a process that cannot
// load any native addon, and their sources never import lib/engine.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

t.test('no import of lib/engine from lib/data or lib/toolexpander', async (t) => {
  const files = [...sources(join(root, 'lib/data')), ...sources(join(root, 'lib/toolexpander'))];
  const offenders = files.filter((f) => /from '[^']*engine[^']*'/.test(readFileSync(f, 'utf8')));
  t.same(offenders, [], `${files.length} files checked`);
});

t.test('suite, prompts, demos and SFT data with native addons forbidden', async (t) => {
  const script = `
    const Module = require('node:module');
    Module._extensions['.node'] = (m, file) => { throw new Error('addon load attempted: ' + file); };
    (async () => {
      const data = await import('./lib/data/index.ts');
      const tx = await import('./lib/toolexpander/index.ts');
      const s = data.syntheticSuite({ seed: 1, trainSize: 40, testSize: 4, testTemplatesSize: 4, testUnseenApisSize: 4 });
      const sft = tx.buildSftData(s.train, { seed: 1 });
      const demos = tx.selectDemos(tx.createDemoPool(s.train), s.test[0], 2, { seed: 1 });
      console.log(JSON.stringify({ n: sft.length, demos: demos.length, hard: tx.isHard([0, 0]) }));
    })().catch((e) => { console.error(e.stack || e); process.exit(1); });`;
  // Not traced by tap's coverage: the child compiles the sources with tsx, whose line maps
  // differ from tap's, and merging the two would misreport the files' coverage.
  const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', env });
  t.equal(r.status, 0, `child exited cleanly: ${r.stderr}`);
  t.same(JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}'), { n: 40, demos: 2, hard: true });
});

// The synthetic suite and ToolExpander's model-free parts run in a process that cannot
// load any native addon, and their sources never import lib/engine.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Every file reachable from the entry points through relative imports that load code at run
// time (static and dynamic `import('...')`): the guard follows the graph, not only direct imports.
function closure(entries: string[]): string[] {
  const seen = new Set<string>();
  const todo = entries.map((e) => join(root, e));
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // Type-only imports (`import type ... from`) are erased at run time: not followed.
    const specs = [
      ...[...text.matchAll(/^\s*(?:import|export)(?!\s+type\s)[^;]*?\sfrom\s*'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]!),
      ...[...text.matchAll(/import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)].map((m) => m[1]!),
    ];
    for (const spec of specs) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      if (existsSync(target)) todo.push(target);
    }
  }
  return [...seen].map((f) => relative(root, f)).sort();
}

t.test('nothing lib/data or lib/toolexpander imports, directly or not, is lib/engine or the native policy', async (t) => {
  const files = closure(['lib/data/index.ts', 'lib/toolexpander/index.ts']);
  const offenders = files.filter((f) => f.startsWith('lib/engine/') || f === 'lib/model/qwen2-policy.ts' || f.startsWith('lib/sft/'));
  t.same(offenders, [], `${files.length} files reachable`);
  t.ok(files.includes('lib/util/prng.ts'), 'the walk reaches shared utilities');
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

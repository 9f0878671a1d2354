// Input hardening: task files and configs are size-limited and validated, and no code path
// evaluates text from a task, a config or a model output (no eval, new Function, vm).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

import { readTasks } from '../../lib/data/read.js';
import { runTraining } from '../../lib/rl/index.js';
import { createPolicy } from '../helpers/table-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'tx-limits-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function drain(path: string, limits?: { maxLineBytes?: number; maxLines?: number }) {
  const out = [];
  for await (const x of readTasks(path, limits)) out.push(x);
  return out;
}

t.test('task files: a line past the byte limit or a file past the line limit is an E_RANGE, before it is buffered', async (t) => {
  const long = join(dir, 'long.jsonl');
  writeFileSync(long, `{"id":"${'x'.repeat(5000)}"}\n`);
  await t.rejects(drain(long, { maxLineBytes: 1000 }), { name: 'TxError', code: 'E_RANGE', message: /long\.jsonl:1: line longer than 1000 bytes/ });
  const many = join(dir, 'many.jsonl');
  writeFileSync(many, '\n'.repeat(50));
  await t.rejects(drain(many, { maxLines: 10 }), { name: 'TxError', code: 'E_RANGE', message: /more than 10 lines/ });
  const deep = join(dir, 'deep.jsonl');
  writeFileSync(deep, `${'['.repeat(5000)}${']'.repeat(5000)}\n`);
  await t.rejects(drain(deep), { name: 'TxError', code: 'E_FORMAT' }, 'nesting depth is capped');
  const junk = join(dir, 'junk.jsonl');
  writeFileSync(junk, '{"id": 1, "__proto__": {"polluted": true}}\r\n');
  await t.rejects(drain(junk), { name: 'TxError', code: 'E_FORMAT' }, 'schema-validated');
  t.equal(({} as Record<string, unknown>)['polluted'], undefined, 'no prototype pollution');
});

t.test('configs: size-limited and schema-checked', async (t) => {
  const big = join(dir, 'big.json');
  writeFileSync(big, `{"name": "${'x'.repeat(1_100_000)}"}`);
  await t.rejects(runTraining({ configFile: big, out: join(dir, 'r1'), policy: createPolicy, progress: false }), { name: 'TxError', code: 'E_FORMAT', message: /more than the 1048576 allowed/ });
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"steps": "10; process.exit(1)"}');
  await t.rejects(runTraining({ configFile: bad, out: join(dir, 'r2'), policy: createPolicy, progress: false }), { name: 'TxError' });
});

t.test('no eval, new Function or vm anywhere in lib/', async (t) => {
  const lib = fileURLToPath(new URL('../../lib/', import.meta.url));
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(lib);
  const banned = /\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(\s*['"`]|from\s+['"](node:)?vm['"]|require\(\s*['"](node:)?vm['"]\)|setTimeout\(\s*['"`]/;
  const hits = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').map((l, i) => [f, i + 1, l] as const)
    .filter(([, , l]) => banned.test(l) && !/^\s*(\/\/|\*)/.test(l)).map(([f, i, l]) => `${f.slice(lib.length)}:${i}: ${l.trim()}`));
  t.same(hits, [], `${files.length} files scanned`);
});

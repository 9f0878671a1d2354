// The specs live in docs/: no tracked file may point outside the repository for them, and
// every "docs/<page>.md section N" a comment cites must name a section that exists.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
  .split('\n').filter((f) => f !== '' && !/\.(safetensors|bin|gz|png|jpg)$/.test(f));
const read = (f: string) => { try { return readFileSync(join(root, f), 'utf8'); } catch { return ''; } };

// The input specs' names, as a file of the repository would cite them.
const OUTSIDE = /\.\.\/shared|\b(KERNELS|TOOLEXPANDER|DESIGN|API)\.md\b|reference\/(anchors|paper-facts|benchmarks|ecosystem)\.md/;

t.test('no file references the specs outside the repository', async (t) => {
  const self = 'test/docs/references.test.ts';
  const hits = files.filter((f) => f !== self).flatMap((f) => read(f).split('\n')
    .map((line, i) => ({ f, i: i + 1, line })).filter((x) => OUTSIDE.test(x.line)));
  t.same(hits.map((h) => `${h.f}:${h.i}: ${h.line.trim()}`), []);
});

t.test('every cited docs/ section exists', async (t) => {
  const sections = new Map<string, Set<string>>();
  for (const page of ['kernels', 'method', 'metrics', 'design', 'api']) {
    const nums = new Set([...read(`docs/${page}.md`).matchAll(/^## (\d+)\./gm)].map((m) => m[1] as string));
    t.ok(read(`docs/${page}.md`).length > 0, `docs/${page}.md exists`);
    sections.set(page, nums);
  }
  const bad: string[] = [];
  let cited = 0;
  for (const f of files) {
    for (const m of read(f).matchAll(/docs\/(\w+)\.md sections? (\d+)(?:(?:-| and )(\d+))?/g)) {
      cited++;
      const have = sections.get(m[1] as string);
      for (const n of [m[2], m[3]].filter((x): x is string => x !== undefined)) {
        if (have === undefined || !have.has(n)) bad.push(`${f}: ${m[0]}`);
      }
    }
  }
  t.ok(cited > 40, `the code cites docs/ sections (${cited} citations)`);
  t.same(bad, []);
});

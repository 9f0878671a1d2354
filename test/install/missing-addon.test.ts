// With no native engine at all (no prebuild fits, nothing built): the pure-TypeScript entry
// points still work, and the first native call and `toolexpander devices` each say in one line
// what is missing and the one command that fixes it. Run on a copy of the package's sources
// laid out as an installed dependency (node_modules/toolexpander) with no build/ and no prebuilds/.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

import { addonCandidates, missingAddonMessage, prebuildDir } from '../../lib/engine/load-addon.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const project = mkdtempSync(join(tmpdir(), 'tx-missing-addon-'));
const pkg = join(project, 'node_modules', 'toolexpander');
mkdirSync(pkg, { recursive: true });
for (const p of ['lib', 'package.json', 'schemas']) cpSync(join(root, p), join(pkg, p), { recursive: true });
// The package's own dependencies (tsx runs lib/*.ts directly).
symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
t.teardown(() => rmSync(project, { recursive: true, force: true }));

function run(code: string[], env: NodeJS.ProcessEnv = {}) {
  const e: NodeJS.ProcessEnv = { ...process.env };
  delete e.TOOLEXPANDER_ADDON;
  Object.assign(e, env);
  return spawnSync(process.execPath, ['--import', 'tsx', ...code], { cwd: pkg, env: e, encoding: 'utf8' });
}

t.test('reward works without the engine', async (t) => {
  const r = run(['-e', `const m = await import(${JSON.stringify(join(pkg, 'lib', 'reward', 'index.ts'))}); console.log(Object.keys(m).length > 0 ? 'ok' : 'empty')`]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), 'ok');
});

t.test('toolexpander devices: one line naming the platform and `npm rebuild toolexpander`, exit 1', async (t) => {
  const r = run([join(pkg, 'lib', 'cli', 'main.ts'), 'devices']);
  t.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, r.stderr);
  t.match(lines[0], new RegExp(`no native addon for ${process.platform}-${process.arch}`));
  t.match(lines[0], /then run `npm rebuild toolexpander`/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

t.test('the first native op throws a TxError E_STATE with the same line', async (t) => {
  const r = run(['-e', `
    const { groupedAdvantages } = await import(${JSON.stringify(join(pkg, 'lib', 'index.ts'))});
    try { await groupedAdvantages(new Float32Array([1, 0]), new Int32Array([0, 2])); console.log('loaded?'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`]);
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { code: string; message: string };
  t.equal(out.code, 'E_STATE');
  t.notOk(out.message.includes('\n'), 'one line');
  t.match(out.message, /npm rebuild toolexpander/);
});

t.test('a TOOLEXPANDER_ADDON that does not exist is named in the line (and is the only candidate)', async (t) => {
  const r = run([join(pkg, 'lib', 'cli', 'main.ts'), 'devices'], { TOOLEXPANDER_ADDON: '/nowhere/toolexpander.node' });
  t.equal(r.status, 1);
  t.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  t.match(r.stderr, /TOOLEXPANDER_ADDON names did not load \(\/nowhere\/toolexpander\.node: not found\)/);
});

t.test('lookup order: TOOLEXPANDER_ADDON, local build, then the prebuild for this platform', async (t) => {
  t.same(addonCandidates({ TOOLEXPANDER_ADDON: '/x/a.node' }), [resolve('/x/a.node')]);
  const list = addonCandidates({});
  t.match(list[0], /build[\\/]Release[\\/]toolexpander\.node$/);
  t.equal(list.at(-1), join(prebuildDir(), 'toolexpander.node'));
  t.match(prebuildDir('linux', 'arm64'), /prebuilds[\\/]linux-arm64$/);
  t.match(missingAddonMessage(['/a: not found', '/b: invalid ELF header'], {}), /\(\/b: invalid ELF header\)/);
  t.notMatch(missingAddonMessage(['/a: not found'], {}), /\/a/);
});

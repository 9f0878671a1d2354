// binding.gyp (the node-gyp fallback) compiles what CMake compiles: the same files, the same
// per-file ISA flags (-m...), and the definitions CMake gives any CPU source. CMake's own
// compile commands are the reference, so a source added, removed or moved in CMakeLists.txt,
// or a per-file flag set there, fails this test until scripts/gyp-sources.mjs and binding.gyp follow.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

interface CompileCommand { file: string; command?: string; arguments?: string[]; directory: string }

function gypSources(): string[] {
  return execFileSync(process.execPath, [join(root, 'scripts', 'gyp-sources.mjs'), 'sources'], { cwd: root, encoding: 'utf8' })
    .trim().split('\n').sort();
}

/** binding.gyp as data (gyp files are Python literals; this one is JSON plus # comments). */
interface GypTarget { sources: string[]; defines: string[]; cflags_cc: string[] }
function bindingGyp(): GypTarget {
  const text = readFileSync(join(root, 'binding.gyp'), 'utf8').replace(/^\s*#.*$/gm, '');
  const gyp = JSON.parse(text) as { targets: GypTarget[] };
  if (gyp.targets.length !== 1) throw new Error(`binding.gyp: expected one target, found ${gyp.targets.length}`);
  return gyp.targets[0] as GypTarget;
}

const cmakeOk = spawnSync('cmake', ['--version']).status === 0;

t.test('binding.gyp takes its sources from scripts/gyp-sources.mjs and carries no hand-written list', async (t) => {
  const target = bindingGyp();
  t.same(target.sources, ['<!@(node scripts/gyp-sources.mjs sources)']);
  const list = gypSources();
  t.ok(list.includes('native/device_stub.cpp'), 'the CPU-only device stub');
  t.ok(list.some((f) => f.startsWith('bindings/')), 'the addon sources');
  t.notOk(list.some((f) => f.startsWith('native/tests/') || f.startsWith('native/tools/') || f.endsWith('.cu')), 'no test tool or CUDA source');
});

t.test('the gyp source list, ISA flags and definitions equal CMake\'s CPU-only addon build', { skip: cmakeOk ? false : 'cmake not on PATH' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tx-gyp-sync-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const inc = [join(dirname(require.resolve('node-api-headers/package.json')), 'include'), resolve(root, require('node-addon-api').include_dir)];
  execFileSync('cmake', ['-S', root, '-B', dir, '-DTX_CUDA=OFF', '-DTX_BUILD_ADDON=ON', '-DTX_BUILD_TESTS=OFF', '-DTX_NATIVE_ARCH=OFF',
    '-DCMAKE_EXPORT_COMPILE_COMMANDS=ON', `-DCMAKE_JS_INC=${inc.join(';')}`], { stdio: 'ignore' });
  const commands = JSON.parse(readFileSync(join(dir, 'compile_commands.json'), 'utf8')) as CompileCommand[];
  const args = (c: CompileCommand) => c.arguments ?? (c.command ?? '').split(/\s+/);
  const cmakeFiles = commands.map((c) => relative(root, resolve(c.directory, c.file))).sort();
  t.same(gypSources(), cmakeFiles, 'the same files');

  // Per-file ISA flags: gyp gives none per file, so CMake must not either (until binding.gyp grows the same per-file targets).
  const gypIsa = bindingGyp().cflags_cc.filter((f) => f.startsWith('-m'));
  for (const c of commands) {
    const isa = args(c).filter((a) => a.startsWith('-m')).sort();
    t.same(isa, gypIsa, `${relative(root, c.file)}: ISA flags`);
  }
  const gypDefines = new Set(bindingGyp().defines);
  const cmakeDefines = new Set(commands.flatMap((c) => args(c).filter((a) => a.startsWith('-D')).map((a) => a.slice(2).replace(/"/g, ''))));
  cmakeDefines.delete('BUILDING_NODE_EXTENSION');  // node-gyp defines it itself
  cmakeDefines.delete('toolexpander_EXPORTS');  // CMake's name for a shared library's own sources
  t.same([...cmakeDefines].filter((d) => !gypDefines.has(d)), [], 'every CMake definition is in binding.gyp');
});

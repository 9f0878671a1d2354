// binding.gyp (the node-gyp fallback) compiles what CMake compiles: the same files, the same
// ISA flags (-m...) and the definitions CMake gives them, both for the sources compiled once
// (the portable baseline) and for each ISA set's kernel sources (CMake's tx_kernels_<set>).
// CMake's own compile commands are the reference, so a source added, removed or moved in
// CMakeLists.txt, a set added, or a set's flags changed there, fails this test until
// scripts/gyp-sources.mjs and binding.gyp follow.
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

interface CompileCommand { file: string; command?: string; arguments?: string[]; directory: string }

function gypScript(...args: string[]): string[] {
  return execFileSync(process.execPath, [join(root, 'scripts', 'gyp-sources.mjs'), ...args], { cwd: root, encoding: 'utf8' })
    .trim().split('\n').filter((l) => l !== '');
}

/** binding.gyp as data (gyp files are Python literals; this one is JSON plus # comments). */
interface GypTarget {
  target_name: string; type?: string; sources: string[]; defines?: string[]; cflags_cc?: string[]; dependencies?: string[];
  conditions?: [string, Partial<GypTarget>][];
}
interface Gyp { target_defaults: { defines: string[]; cflags_cc: string[] }; targets: GypTarget[]; conditions: [string, { targets: GypTarget[] }][] }
function bindingGyp(): Gyp {
  return JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8').replace(/^\s*#.*$/gm, '')) as Gyp;
}
const gypArches = ['x64', 'arm64'];
const archCondition = (arch: string) => `target_arch=='${arch}'`;

/** The kernel-set targets binding.gyp defines for gyp's target_arch `arch`. */
function kernelTargets(gyp: Gyp, arch: string): GypTarget[] {
  return gyp.conditions.filter(([c]) => c === archCondition(arch)).flatMap(([, v]) => v.targets);
}
function target(gyp: Gyp, name: string): GypTarget {
  const found = gyp.targets.filter((x) => x.target_name === name);
  if (found.length !== 1) throw new Error(`binding.gyp: expected one ${name} target, found ${found.length}`);
  return found[0] as GypTarget;
}
const mainTarget = (gyp: Gyp) => target(gyp, 'toolexpander');
const coreTarget = (gyp: Gyp) => target(gyp, 'tx_core');

/**
 * gyp's expansion of a list of strings for `arch`: <(target_arch) and <!@(command), the latter
 * run from the package root as gyp runs it, for the portable build (CMake's TX_NATIVE_ARCH=OFF).
 */
function expand(items: string[], arch: string): string[] {
  return items.flatMap((s) => {
    const v = s.replaceAll('<(target_arch)', arch);
    const m = /^<!@\((.*)\)$/.exec(v);
    if (!m) return [v];
    return execSync(m[1] as string, { cwd: root, encoding: 'utf8', env: { ...process.env, TOOLEXPANDER_SIMD: 'portable' } }).split(/\s+/).filter((x) => x !== '');
  });
}

t.test('binding.gyp takes its sources and flags from scripts/gyp-sources.mjs and carries no hand-written list', async (t) => {
  const gyp = bindingGyp();
  const main = mainTarget(gyp);
  const core = coreTarget(gyp);
  t.same(main.sources, ['<!@(node scripts/gyp-sources.mjs addon-sources)']);
  t.same(main.cflags_cc, undefined, 'the bindings get no ISA flag (CMake gives its toolexpander target none)');
  t.same(core.sources, ['<!@(node scripts/gyp-sources.mjs core-sources)']);
  t.equal(core.type, 'static_library');
  t.same(core.cflags_cc, ['<!@(node scripts/gyp-sources.mjs baseline-cflags <(target_arch))'], 'the engine: the baseline flags for the target arch');
  t.ok(main.dependencies?.includes('tx_core') === true, 'the addon links tx_core');
  const coreList = gypScript('core-sources');
  const addonList = gypScript('addon-sources');
  const list = [...coreList, ...addonList];
  const kernels = gypScript('kernel-sources');
  t.ok(addonList.length > 0 && addonList.every((f) => f.startsWith('bindings/')), 'the addon sources are the bindings');
  t.ok(coreList.every((f) => f.startsWith('native/')), 'the engine sources are native/');
  t.ok(list.includes('native/device_stub.cpp'), 'the CPU-only device stub');
  t.ok(list.some((f) => f.startsWith('bindings/')), 'the addon sources');
  t.notOk(list.some((f) => f.startsWith('native/tests/') || f.startsWith('native/tools/') || f.endsWith('.cu')), 'no test tool or CUDA source');
  t.ok(list.every((f) => /\.(c|cc|cpp)$/.test(f)), 'only source files (no CMake variable or generator expression)');
  t.ok(kernels.includes('native/cpu/gemm.cpp') && kernels.includes('native/cpu/rms_norm.cpp'), 'the kernel sources');
  t.notOk(kernels.includes('native/cpu/isa.cpp') || kernels.includes('native/cpu/work_pool.cpp'), 'the CPU runtime is not a kernel source');
  t.same(kernels.filter((f) => list.includes(f)), [], 'a kernel source is not also compiled for the baseline');

  for (const arch of gypArches) {
    const sets = gypScript('isa-sets', arch);
    const targets = kernelTargets(gyp, arch);
    t.same(targets.map((x) => x.target_name), sets.map((s) => `tx_kernels_${s}`), `${arch}: one target per CMake ISA set`);
    const deps = (main.conditions ?? []).filter(([c]) => c === archCondition(arch)).flatMap(([, v]) => v.dependencies ?? []);
    t.same(deps, sets.map((s) => `tx_kernels_${s}`), `${arch}: the addon links every set`);
    for (const [i, set] of sets.entries()) {
      const x = targets[i];
      if (!x) continue;
      t.equal(x.type, 'static_library', `${arch} ${set}: a static library`);
      t.same(x.sources, ['<!@(node scripts/gyp-sources.mjs kernel-sources)'], `${arch} ${set}: the kernel sources`);
      t.same(x.defines, [`TX_ISA_NS=${set}`, `TX_ISA_IS_${set}=1`], `${arch} ${set}: the set's definitions`);
      t.same(x.cflags_cc, [`<!@(node scripts/gyp-sources.mjs isa-cflags ${arch} ${set})`], `${arch} ${set}: the set's flags`);
    }
  }
  t.same(gypScript('isa-sets', 'x64'), ['scalar', 'avx2', 'avx512'], 'x86-64: the sets CMake names');
  t.same(gypScript('isa-sets', 'arm64'), ['scalar', 'neon'], 'arm64: the sets CMake names');
  t.same(expand(['<!@(node scripts/gyp-sources.mjs isa-cflags x64 avx512)'], 'x64'), ['-march=x86-64-v2', '-mtune=generic', '-march=x86-64-v4'],
    'x86-64 avx512: the baseline, then the set (the last -march wins)');
  t.same(expand(['<!@(node scripts/gyp-sources.mjs isa-cflags arm64 neon)'], 'arm64'), ['-march=armv8-a']);
  t.equal(spawnSync(process.execPath, [join(root, 'scripts', 'gyp-sources.mjs'), 'isa-cflags', 'x64', 'neon'], { cwd: root }).status, 1,
    'a set CMake does not build for the arch is an error');
});

const cmakeOk = spawnSync('cmake', ['--version']).status === 0;
const hostArch = process.arch;

t.test('the gyp sources, ISA sets, flags and definitions equal CMake\'s CPU-only addon build', {
  skip: !cmakeOk ? 'cmake not on PATH' : !gypArches.includes(hostArch) ? `binding.gyp builds no kernel sets for ${hostArch}` : false,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tx-gyp-sync-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const inc = [join(dirname(require.resolve('node-api-headers/package.json')), 'include'), resolve(root, require('node-addon-api').include_dir)];
  execFileSync('cmake', ['-S', root, '-B', dir, '-DTX_CUDA=OFF', '-DTX_BUILD_ADDON=ON', '-DTX_BUILD_TESTS=OFF', '-DTX_NATIVE_ARCH=OFF',
    '-DCMAKE_EXPORT_COMPILE_COMMANDS=ON', `-DCMAKE_JS_INC=${inc.join(';')}`], { stdio: 'ignore' });
  const commands = JSON.parse(readFileSync(join(dir, 'compile_commands.json'), 'utf8')) as CompileCommand[];
  const args = (c: CompileCommand) => c.arguments ?? (c.command ?? '').split(/\s+/);
  const file = (c: CompileCommand) => relative(root, resolve(c.directory, c.file));
  const isaOf = (c: CompileCommand) => args(c).find((a) => a.startsWith('-DTX_ISA_NS='))?.slice('-DTX_ISA_NS='.length);
  const defines = (cs: CompileCommand[]) => new Set(cs.flatMap((c) => args(c).filter((a) => a.startsWith('-D')).map((a) => a.slice(2).replace(/"/g, ''))));
  const mflags = (c: CompileCommand) => args(c).filter((a) => a.startsWith('-m'));

  const gyp = bindingGyp();
  const common = new Set(gyp.target_defaults.defines);
  const checkGroup = (label: string, cs: CompileCommand[], target: GypTarget) => {
    t.same(cs.map(file).sort(), expand(target.sources, hostArch).sort(), `${label}: the same files`);
    const gypM = expand(target.cflags_cc ?? [], hostArch).filter((f) => f.startsWith('-m'));
    t.ok(gypM.length > 0 || cs.every((c) => mflags(c).length === 0), `${label}: flags expanded`);
    for (const c of cs) t.same(mflags(c), gypM, `${label} ${file(c)}: ISA flags, in order`);
    const gypDefines = new Set([...common, ...(target.defines ?? [])]);
    const cmakeDefines = defines(cs);
    cmakeDefines.delete('BUILDING_NODE_EXTENSION');  // node-gyp defines it itself
    cmakeDefines.delete('toolexpander_EXPORTS');  // CMake's name for a shared library's own sources
    t.same([...cmakeDefines].filter((d) => !gypDefines.has(d)), [], `${label}: every CMake definition is in binding.gyp`);
    const own = (target.defines ?? []).filter((d) => d.startsWith('TX_ISA_'));
    t.same(own.filter((d) => !cmakeDefines.has(d)), [], `${label}: every ISA definition of binding.gyp is CMake's`);
  };

  const onceCompiled = commands.filter((c) => isaOf(c) === undefined);
  const addonFiles = new Set(expand(mainTarget(gyp).sources, hostArch));
  checkGroup('engine', onceCompiled.filter((c) => !addonFiles.has(file(c))), coreTarget(gyp));
  checkGroup('addon', onceCompiled.filter((c) => addonFiles.has(file(c))), mainTarget(gyp));
  const cmakeSets = [...new Set(commands.map(isaOf).filter((s): s is string => s !== undefined))];
  const targets = kernelTargets(gyp, hostArch);
  t.same(targets.map((x) => x.target_name).sort(), cmakeSets.map((s) => `tx_kernels_${s}`).sort(), `${hostArch}: the kernel sets CMake compiles`);
  for (const set of cmakeSets) {
    const target = targets.find((x) => x.target_name === `tx_kernels_${set}`);
    if (!target) continue;
    checkGroup(`set ${set}`, commands.filter((c) => isaOf(c) === set), target);
  }
});

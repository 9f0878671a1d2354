// binding.gyp's helper, run by gyp's command expansion (<!@(...)) from the package root.
// Everything is derived from CMakeLists.txt so the node-gyp build compiles what the CMake build
// compiles without a second list: the sources (its file(GLOB ...) lines for the CPU engine and
// the bindings, minus its REMOVE_ITEMs, plus the sources its CPU-only add_library(tx_core)
// names), the kernel sources (file(GLOB TX_KERNEL_SOURCES ...) minus its REMOVE_ITEM, compiled
// once per ISA set), and the baseline and per-set flags (the if(CMAKE_SYSTEM_PROCESSOR
// MATCHES ...) branch for the arch).
// test/install/binding-gyp-sync.test.ts checks the result against CMake's own compile commands.
//   node scripts/gyp-sources.mjs core-sources          the engine's .cpp files compiled once (tx_core)
//   node scripts/gyp-sources.mjs addon-sources         the addon's own .cpp files (the bindings)
//   node scripts/gyp-sources.mjs kernel-sources        the .cpp files compiled once per ISA set
//   node scripts/gyp-sources.mjs isa-sets ARCH         the ISA sets CMake builds for gyp's target_arch
//   node scripts/gyp-sources.mjs baseline-cflags ARCH  TX_BASELINE_FLAGS (-march=native unless
//                                                      TOOLEXPANDER_SIMD=portable, as TX_NATIVE_ARCH)
//   node scripts/gyp-sources.mjs isa-cflags ARCH SET   the baseline followed by TX_ISA_FLAGS_<SET>
//   node scripts/gyp-sources.mjs openmp-cflags         -fopenmp when the compiler takes it, else nothing
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** CMake commands `name(...)` in `text`, comments stripped, arguments split on whitespace. */
function commands(text, name) {
  const clean = text.replace(/#[^\n]*/g, '');
  const re = new RegExp(`\\b${name}\\s*\\(([^)]*)\\)`, 'gi');
  return [...clean.matchAll(re)].map((m) => m[1].trim().split(/\s+/));
}

/** Root-relative paths of the files under `dir`, at any depth (CMake's GLOB_RECURSE walk). */
function filesUnder(dir) {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? filesUnder(posix.join(dir, e.name)) : [posix.join(dir, e.name)]));
}

/**
 * Expands a CMake glob relative to the root: `dir/*.cpp` style (wildcards in the file name);
 * with `recurse` (GLOB_RECURSE) the name is matched in `dir` and every folder below it.
 */
function expandGlob(pattern, recurse = false) {
  const dir = posix.dirname(pattern);
  const base = posix.basename(pattern);
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
  if (recurse) return filesUnder(dir).filter((f) => re.test(posix.basename(f))).sort();
  let names;
  try {
    names = readdirSync(join(root, dir));
  } catch {
    return [];
  }
  return names.filter((n) => re.test(n)).map((n) => posix.join(dir, n));
}

const cmakeFile = () => readFileSync(join(root, 'CMakeLists.txt'), 'utf8');

/** CMake's list of `name`'s set(name ...) values, quotes dropped, empty strings removed. */
function setValues(args) {
  return args.slice(1).map((a) => a.replace(/^"(.*)"$/, '$1')).filter((a) => a !== '');
}

/**
 * CMake's source lists as root-relative files: each file(GLOB ...) variable, then the
 * list(APPEND ...) and list(REMOVE_ITEM ...) lines in their order (`${VAR}` expanded).
 */
function cmakeSourceLists(cmakeText) {
  const vars = new Map();
  for (const args of commands(cmakeText, 'file')) {
    if (args[0] !== 'GLOB' && args[0] !== 'GLOB_RECURSE') continue;
    const [, name, ...rest] = args;
    const patterns = rest.filter((a) => a !== 'CONFIGURE_DEPENDS' && !a.startsWith('LIST_DIRECTORIES'));
    vars.set(name, patterns.flatMap((p) => expandGlob(p, args[0] === 'GLOB_RECURSE')));
  }
  for (const args of commands(cmakeText, 'list')) {
    if (args[0] === 'APPEND') {
      // ${VAR} takes the variable's files (none for a list of $<TARGET_OBJECTS:...>, the kernel
      // sets, which binding.gyp builds as its own targets); only source files stay.
      const items = args.slice(2).flatMap((a) => {
        const m = /^\$\{(\w+)\}$/.exec(a);
        if (m) return vars.get(m[1]) ?? [];
        if (a.includes('*')) return expandGlob(a);
        return /\.(c|cc|cpp)$/.test(a) ? [a] : [];
      });
      vars.set(args[1], [...(vars.get(args[1]) ?? []), ...items]);
      continue;
    }
    if (args[0] !== 'REMOVE_ITEM' || !vars.has(args[1])) continue;
    const drop = new Set(args.slice(2).flatMap((a) => {
      const m = /^\$\{(\w+)\}$/.exec(a);
      return m ? (vars.get(m[1]) ?? []) : [a.replace('${CMAKE_CURRENT_SOURCE_DIR}/', '')];
    }));
    vars.set(args[1], vars.get(args[1]).filter((f) => !drop.has(f)));
  }
  return vars;
}

/** The kernel sources, file(GLOB TX_KERNEL_SOURCES ...) minus its REMOVE_ITEM: sorted, root-relative. */
export function cmakeKernelSources(cmakeText = cmakeFile()) {
  const files = cmakeSourceLists(cmakeText).get('TX_KERNEL_SOURCES');
  if (files === undefined) throw new Error('CMakeLists.txt: expected a file(GLOB TX_KERNEL_SOURCES ...)');
  return [...new Set(files)].sort();
}

/**
 * The sources CMake compiles once for the CPU-only addon (all but the kernel sources), split as
 * CMake splits them: `core`, tx_core's (compiled with the baseline flags), and `addon`, the
 * toolexpander target's own (the bindings, compiled with no ISA flag).
 */
export function cmakeCpuAddonSources(cmakeText = cmakeFile()) {
  const vars = cmakeSourceLists(cmakeText);
  const expand = (items) => items.flatMap((a) => {
    const m = /^\$\{(\w+)\}$/.exec(a);
    if (m) return vars.get(m[1]) ?? [];
    return /\.(c|cc|cpp)$/.test(a) ? [a] : [];
  });
  // tx_core without CUDA: the add_library(tx_core ...) that names no CUDA sources.
  const core = commands(cmakeText, 'add_library').filter((a) => a[0] === 'tx_core' && !a.some((x) => x.includes('CUDA')));
  if (core.length !== 1) throw new Error(`CMakeLists.txt: expected one CPU-only add_library(tx_core ...), found ${core.length}`);
  const addon = commands(cmakeText, 'add_library').filter((a) => a[0] === 'toolexpander');
  if (addon.length !== 1) throw new Error(`CMakeLists.txt: expected one add_library(toolexpander ...), found ${addon.length}`);
  // The kernel sources go into the per-set targets only (CMake's list(REMOVE_ITEM TX_CPU_SOURCES
  // ${TX_KERNEL_SOURCES}) above; dropped here as well, should a target name them directly).
  const kernels = new Set(cmakeKernelSources(cmakeText));
  const coreFiles = [...new Set(expand(core[0].slice(1)))].filter((f) => !kernels.has(f)).sort();
  const addonFiles = [...new Set(expand(addon[0].slice(1)))].filter((f) => !kernels.has(f) && !coreFiles.includes(f)).sort();
  return { core: coreFiles, addon: addonFiles };
}

/** CMAKE_SYSTEM_PROCESSOR as the host of each gyp target_arch reports it. */
const gypArchProcessor = { x64: 'x86_64', ia32: 'i686', arm64: 'aarch64', arm: 'armv7l', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loongarch64' };

/**
 * The set(...) values of the if(CMAKE_SYSTEM_PROCESSOR MATCHES "re") / elseif / else chain that
 * picks the ISA sets, for gyp's `arch`: { TX_BASELINE_FLAGS: [...], TX_ISA_SETS: [...], ... }.
 */
export function cmakeIsaBranch(arch, cmakeText = cmakeFile()) {
  const processor = gypArchProcessor[arch];
  if (!processor) throw new Error(`gyp-sources: unknown target_arch '${arch}' (one of ${Object.keys(gypArchProcessor).join(', ')})`);
  const clean = cmakeText.replace(/#[^\n]*/g, '');
  // The chain's clauses: each opener (if/elseif with its regex, or else) and the text up to the next.
  const start = clean.search(/\bif\s*\(\s*CMAKE_SYSTEM_PROCESSOR\s+MATCHES[^)]*\)[^]*?\bset\s*\(\s*TX_ISA_SETS\b/);
  if (start < 0) throw new Error('CMakeLists.txt: no if(CMAKE_SYSTEM_PROCESSOR MATCHES ...) chain setting TX_ISA_SETS');
  const end = clean.indexOf('endif', start);
  const chain = clean.slice(start, end);
  const clause = /\b(?:(?:else)?if\s*\(\s*CMAKE_SYSTEM_PROCESSOR\s+MATCHES\s+"([^"]*)"\s*\)|else\s*\(\s*\))/g;
  const opens = [...chain.matchAll(clause)];
  for (let i = 0; i < opens.length; i++) {
    const re = opens[i][1];
    if (re !== undefined && !new RegExp(re).test(processor)) continue;
    const body = chain.slice(opens[i].index + opens[i][0].length, opens[i + 1]?.index ?? chain.length);
    return Object.fromEntries(commands(body, 'set').map((a) => [a[0], setValues(a)]));
  }
  throw new Error(`CMakeLists.txt: no ISA branch for ${processor}`);
}

/** The ISA sets CMake builds for gyp's `arch`. */
export function cmakeIsaSets(arch, cmakeText = cmakeFile()) {
  const sets = cmakeIsaBranch(arch, cmakeText).TX_ISA_SETS;
  if (!sets?.length) throw new Error(`CMakeLists.txt: the ISA branch for ${arch} sets no TX_ISA_SETS`);
  return sets;
}

/** The portable baseline flags for `arch`, or -march=native (TX_NATIVE_ARCH) unless `simd` is portable. */
export function baselineFlags(arch, simd = process.env.TOOLEXPANDER_SIMD, cmakeText = cmakeFile()) {
  const branch = cmakeIsaBranch(arch, cmakeText);
  return simd === 'portable' ? (branch.TX_BASELINE_FLAGS ?? []) : ['-march=native'];
}

/** A kernel set's flags as CMake orders them: the baseline, then TX_ISA_FLAGS_<set> (last -march wins). */
export function isaFlags(arch, set, simd = process.env.TOOLEXPANDER_SIMD, cmakeText = cmakeFile()) {
  if (!cmakeIsaSets(arch, cmakeText).includes(set)) throw new Error(`CMakeLists.txt builds no ISA set '${set}' for ${arch}`);
  return [...baselineFlags(arch, simd, cmakeText), ...(cmakeIsaBranch(arch, cmakeText)[`TX_ISA_FLAGS_${set}`] ?? [])];
}

/** Whether the C++ compiler node-gyp will use accepts -fopenmp (Apple clang does not). */
function compilerTakesOpenmp() {
  const cxx = (process.env.CXX ?? 'c++').split(' ');
  const dir = mkdtempSync(join(tmpdir(), 'tx-omp-'));
  try {
    const src = join(dir, 'omp.cpp');
    writeFileSync(src, '#include <omp.h>\nint main() { return omp_get_max_threads() > 0 ? 0 : 1; }\n');
    const r = spawnSync(cxx[0], [...cxx.slice(1), '-fopenmp', src, '-o', join(dir, 'omp')], { stdio: 'ignore' });
    return r.status === 0;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [what, arch, set] = process.argv.slice(2);
  const out = {
    'core-sources': () => cmakeCpuAddonSources().core,
    'addon-sources': () => cmakeCpuAddonSources().addon,
    'kernel-sources': () => cmakeKernelSources(),
    'isa-sets': () => cmakeIsaSets(arch),
    'baseline-cflags': () => baselineFlags(arch),
    'isa-cflags': () => isaFlags(arch, set),
    'openmp-cflags': () => (compilerTakesOpenmp() ? ['-fopenmp'] : []),
  }[what];
  if (!out) {
    console.error('usage: node scripts/gyp-sources.mjs core-sources|addon-sources|kernel-sources|isa-sets ARCH|baseline-cflags ARCH|isa-cflags ARCH SET|openmp-cflags');
    process.exitCode = 2;
  } else {
    try {
      console.log(out().join('\n'));
    } catch (e) {
      console.error(e.message);
      process.exitCode = 1;
    }
  }
}

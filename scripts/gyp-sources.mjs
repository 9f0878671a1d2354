// binding.gyp's helper, run by gyp's command expansion (<!@(...)) from the package root.
// The source list is derived from CMakeLists.txt (its file(GLOB ...) lines for the CPU engine
// and the bindings, minus its REMOVE_ITEMs, plus the sources its CPU-only add_library(tx_core)
// names), so the node-gyp build compiles what the CMake build compiles without a second list.
// test/install/binding-gyp-sync.test.ts checks the result against CMake's own compile commands.
//   node scripts/gyp-sources.mjs sources        the .cpp files, one per line
//   node scripts/gyp-sources.mjs openmp-cflags  -fopenmp when the compiler takes it, else nothing
//   node scripts/gyp-sources.mjs simd-cflags    -march=native unless TOOLEXPANDER_SIMD=portable
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

/** Expands a CMake glob relative to the root: `dir/*.cpp` style (one `*` in the file name). */
function expandGlob(pattern) {
  const dir = posix.dirname(pattern);
  const base = posix.basename(pattern);
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
  let names;
  try {
    names = readdirSync(join(root, dir));
  } catch {
    return [];
  }
  return names.filter((n) => re.test(n)).map((n) => posix.join(dir, n));
}

/** The sources of the CPU-only addon as CMake would compile them, sorted, root-relative. */
export function cmakeCpuAddonSources(cmakeText = readFileSync(join(root, 'CMakeLists.txt'), 'utf8')) {
  const vars = new Map();
  for (const args of commands(cmakeText, 'file')) {
    if (args[0] !== 'GLOB' && args[0] !== 'GLOB_RECURSE') continue;
    const [, name, ...rest] = args;
    const patterns = rest.filter((a) => a !== 'CONFIGURE_DEPENDS' && !a.startsWith('LIST_DIRECTORIES'));
    vars.set(name, patterns.flatMap(expandGlob));
  }
  for (const args of commands(cmakeText, 'list')) {
    if (args[0] === 'APPEND') {
      vars.set(args[1], [...(vars.get(args[1]) ?? []), ...args.slice(2).flatMap((a) => (a.includes('*') ? expandGlob(a) : [a]))]);
      continue;
    }
    if (args[0] !== 'REMOVE_ITEM' || !vars.has(args[1])) continue;
    const drop = new Set(args.slice(2).map((a) => a.replace('${CMAKE_CURRENT_SOURCE_DIR}/', '')));
    vars.set(args[1], vars.get(args[1]).filter((f) => !drop.has(f)));
  }
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
  return [...new Set([...expand(core[0].slice(1)), ...expand(addon[0].slice(1))])].sort();
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
  const what = process.argv[2];
  if (what === 'sources') console.log(cmakeCpuAddonSources().join('\n'));
  else if (what === 'openmp-cflags') console.log(compilerTakesOpenmp() ? '-fopenmp' : '');
  else if (what === 'simd-cflags') console.log(process.env.TOOLEXPANDER_SIMD === 'portable' ? '' : '-march=native');
  else {
    console.error('usage: node scripts/gyp-sources.mjs sources|openmp-cflags|simd-cflags');
    process.exitCode = 2;
  }
}

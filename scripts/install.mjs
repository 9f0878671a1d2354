// The package's install step (npm's "install" script, also what `npm rebuild toolexpander` runs).
//   1. A prebuilt binary fits (prebuilds/<platform>-<arch>/toolexpander.node loads in this Node):
//      use it, build nothing.
//   2. Otherwise, or with TOOLEXPANDER_BUILD_FROM_SOURCE=1, build the addon from source into
//      build/Release: CMake (cmake-js) when cmake >= 3.18 is on the PATH, else node-gyp (CPU only,
//      binding.gyp). Options come from environment variables (README, "Install"):
//        TOOLEXPANDER_CUDA=auto|on|off         CUDA kernels (auto: when nvcc is found)
//        TOOLEXPANDER_CUDA_ARCHITECTURES=80;90a CMAKE_CUDA_ARCHITECTURES (never "native")
//        TOOLEXPANDER_SIMD=native|portable      -march=native, or the portable baseline
//        TOOLEXPANDER_JOBS=N                    parallel compile jobs (default: every core)
//        TOOLEXPANDER_BUILDER=cmake|node-gyp    force one builder
//      A rebuild starts from a clean build folder when the options, the compiler or the CUDA
//      toolkit changed since the last build (build/toolexpander-build.json records them).
//   3. Nothing can build (no compiler): say so in one line and succeed anyway, so the
//      pure-TypeScript entry points (toolexpander/reward, toolexpander/data) stay installed.
//      A build the user asked for (TOOLEXPANDER_BUILD_FROM_SOURCE=1) that fails, fails the install.
// `node scripts/install.mjs --from-source` (npm run build:native) is the same as
// TOOLEXPANDER_BUILD_FROM_SOURCE=1. The project's test tools (tx_parity, tx_model_logprobs)
// are never built here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const isWindows = process.platform === 'win32';

function log(line) {
  console.log(`toolexpander: ${line}`);
}

/** The first executable named `name` on PATH (PATHEXT-aware on Windows), or undefined. */
export function which(name, env = process.env) {
  if (name.includes('/') || name.includes('\\')) return existsSync(name) ? name : undefined;
  const exts = isWindows ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = join(dir, name + ext);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

/** `cmd args` stdout (trimmed) when it exits 0, else undefined. */
function probe(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', shell: false });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim() : undefined;
}

/** The C++ compiler a build would use: $CXX, else c++, g++, clang++ (cl on Windows). */
export function findCxx(env = process.env) {
  const names = env.CXX ? [env.CXX.split(' ')[0]] : isWindows ? ['cl', 'clang-cl', 'g++'] : ['c++', 'g++', 'clang++'];
  for (const n of names) {
    const p = which(n, env);
    if (p) return p;
  }
  return undefined;
}

/** cmake on PATH with version >= 3.18 (CMakeLists.txt's minimum), or undefined with why. */
export function findCmake(env = process.env) {
  const p = which('cmake', env);
  if (!p) return { why: 'cmake not found on PATH' };
  const out = probe(p, ['--version']) ?? '';
  const m = /cmake version (\d+)\.(\d+)/.exec(out);
  if (!m) return { why: `${p} --version failed` };
  const [maj, min] = [Number(m[1]), Number(m[2])];
  if (maj < 3 || (maj === 3 && min < 18)) return { why: `cmake ${maj}.${min} is older than 3.18` };
  return { path: p, version: `${maj}.${min}` };
}

/** nvcc as CMake's check_language(CUDA) finds it: $CUDACXX, else PATH. */
export function findNvcc(env = process.env) {
  const p = env.CUDACXX && existsSync(env.CUDACXX) ? env.CUDACXX : which('nvcc', env);
  if (!p) return undefined;
  const version = /release ([\d.]+)/.exec(probe(p, ['--version']) ?? '')?.[1] ?? 'unknown';
  return { path: p, version };
}

/** The documented build options, validated; throws with the variable's name on a bad value. */
export function buildOptions(env = process.env) {
  const pick = (name, allowed, dflt) => {
    const v = (env[name] ?? dflt).toLowerCase();
    if (!allowed.includes(v)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got '${env[name]}'`);
    return v;
  };
  const cuda = pick('TOOLEXPANDER_CUDA', ['auto', 'on', 'off'], 'auto');
  const simd = pick('TOOLEXPANDER_SIMD', ['native', 'portable'], 'native');
  const builder = pick('TOOLEXPANDER_BUILDER', ['auto', 'cmake', 'node-gyp'], 'auto');
  const archs = env.TOOLEXPANDER_CUDA_ARCHITECTURES ?? '';
  if (archs && !/^[0-9]+[af]?(-(real|virtual))?([;,][0-9]+[af]?(-(real|virtual))?)*$/.test(archs)) {
    throw new Error(`TOOLEXPANDER_CUDA_ARCHITECTURES must be a list like '80;90a' (never 'native'), got '${archs}'`);
  }
  const jobsRaw = env.TOOLEXPANDER_JOBS ?? String(availableParallelism());
  const jobs = Number(jobsRaw);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`TOOLEXPANDER_JOBS must be an integer >= 1, got '${jobsRaw}'`);
  return { cuda, simd, builder, archs: archs.replaceAll(',', ';'), jobs };
}

/** cmake -D definitions for the options (the test tools are always off). */
export function cmakeDefines(opts) {
  // The test tools only where their sources are (a checkout: `npm ci && npm test` runs them);
  // the package ships no native/tests, so a consumer's install never builds them.
  const d = { TX_BUILD_TESTS: existsSync(join(root, 'native', 'tests')) ? 'ON' : 'OFF', TX_NATIVE_ARCH: opts.simd === 'native' ? 'ON' : 'OFF', TX_CUDA: opts.cuda === 'off' ? 'OFF' : 'ON' };
  if (opts.archs) d.CMAKE_CUDA_ARCHITECTURES = opts.archs;
  return d;
}

/** Loads `file` in a child Node (a crash or a glibc mismatch must not take this process down). */
export function loadsInNode(file) {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { encoding: 'utf8' });
  return r.status === 0 ? { ok: true } : { ok: false, why: (r.stderr.trim().split('\n').find((l) => /Error|error/.test(l)) ?? `exit ${r.status}`).trim() };
}

export function prebuildPath(platform = process.platform, arch = process.arch) {
  return join(root, 'prebuilds', `${platform}-${arch}`, 'toolexpander.node');
}

const stampPath = join(root, 'build', 'toolexpander-build.json');

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampPath, 'utf8'));
  } catch {
    return undefined;
  }
}

/** node-gyp: npm's own (npm sets npm_config_node_gyp in scripts), a dependency's, or npm's bundled copy. */
export function findNodeGyp(env = process.env) {
  if (env.npm_config_node_gyp && existsSync(env.npm_config_node_gyp)) return env.npm_config_node_gyp;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch { /* not a dependency here */ }
  const prefix = dirname(dirname(process.execPath));
  for (const p of [join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')]) {
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** The Node headers of this very Node when its install ships them (offline node-gyp builds). */
function localNodeDir() {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? prefix : undefined;
}

function run(cmd, args, env) {
  log(`running ${[cmd, ...args].map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return r.status ?? 1;
}

function buildWithCmake(opts, cmake, nvcc, cxx) {
  const defines = cmakeDefines(opts);
  const stamp = { builder: 'cmake', defines, cmake: cmake.version, cxx, nvcc: opts.cuda === 'off' ? null : (nvcc ?? null), node: process.versions.modules };
  const old = readStamp();
  const fresh = !old || JSON.stringify(old) !== JSON.stringify(stamp);
  if (fresh && old) log('build options, compiler or CUDA toolkit changed since the last build: rebuilding from a clean folder');
  if (opts.cuda === 'on' && !nvcc) throw new Error('TOOLEXPANDER_CUDA=on but nvcc was not found (set CUDACXX or put nvcc on the PATH)');
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const args = [cmakeJs, fresh ? 'rebuild' : 'compile', '--parallel', String(opts.jobs)];
  for (const [k, v] of Object.entries(defines)) args.push(`--CD${k}=${v}`);
  const status = run(process.execPath, args, process.env);
  if (status === 0) writeFileSync(stampPath, `${JSON.stringify(stamp, null, 2)}\n`);
  return status;
}

function buildWithNodeGyp(opts, cxx) {
  const gyp = findNodeGyp();
  if (!gyp) return { status: 1, why: 'node-gyp not found (npm ships it; npm_config_node_gyp unset)' };
  if (!which(isWindows ? 'python' : 'python3') && !process.env.PYTHON) return { status: 1, why: 'node-gyp needs python3, not found on PATH' };
  if (!isWindows && !which('make')) return { status: 1, why: 'node-gyp needs make, not found on PATH' };
  if (opts.cuda === 'on') log('node-gyp builds the CPU engine only (TOOLEXPANDER_CUDA=on needs cmake)');
  const args = [gyp, 'rebuild', `--jobs=${opts.jobs}`];
  const nodedir = localNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const env = { ...process.env, TOOLEXPANDER_SIMD: opts.simd };
  rmSync(stampPath, { force: true });
  const status = run(process.execPath, args, env);
  if (status === 0) writeFileSync(stampPath, `${JSON.stringify({ builder: 'node-gyp', simd: opts.simd, cxx, node: process.versions.modules }, null, 2)}\n`);
  return { status };
}

/** Returns the exit status for npm: 0 unless a build the user asked for failed. */
export function install(env = process.env, argv = []) {
  const forced = env.TOOLEXPANDER_BUILD_FROM_SOURCE === '1' || argv.includes('--from-source');
  const opts = buildOptions(env);
  const prebuilt = prebuildPath();
  if (!forced && existsSync(prebuilt)) {
    const l = loadsInNode(prebuilt);
    if (l.ok) {
      log(`using the prebuilt binary prebuilds/${process.platform}-${process.arch} (nothing to build; TOOLEXPANDER_BUILD_FROM_SOURCE=1 builds from source)`);
      return 0;
    }
    log(`the prebuilt binary for ${process.platform}-${process.arch} does not load here (${l.why}); building from source`);
  } else if (!forced) {
    log(`no prebuilt binary for ${process.platform}-${process.arch}; building from source`);
  }
  mkdirSync(join(root, 'build'), { recursive: true });
  const cxx = findCxx(env);
  const giveUp = (why) => {
    const line = `native engine not built: ${why}. toolexpander/reward and toolexpander/data work; ` +
      'for the engine install a C++17 compiler and cmake (or python3 + make), then run `npm rebuild toolexpander`';
    if (forced) {
      console.error(`toolexpander: ${line}`);
      return 1;
    }
    log(line);
    return 0;
  };
  if (!cxx) return giveUp('no C++ compiler found (looked for $CXX, c++, g++, clang++)');
  const cmake = findCmake(env);
  const useCmake = opts.builder === 'cmake' || (opts.builder === 'auto' && cmake.path);
  if (useCmake) {
    if (!cmake.path) return giveUp(`TOOLEXPANDER_BUILDER=cmake but ${cmake.why}`);
    const nvcc = opts.cuda === 'off' ? undefined : findNvcc(env);
    const status = buildWithCmake(opts, cmake, nvcc, cxx);
    if (status === 0) return 0;
    if (opts.builder === 'cmake') return giveUp(`the CMake build failed (exit ${status})`);
    log(`the CMake build failed (exit ${status}); trying node-gyp (CPU only)`);
  } else if (opts.builder === 'auto') {
    log(`${cmake.why}: building the CPU engine with node-gyp`);
  }
  const g = buildWithNodeGyp(opts, cxx);
  if (g.status === 0) return 0;
  return giveUp(g.why ?? `the node-gyp build failed (exit ${g.status})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.exitCode = install(process.env, process.argv.slice(2));
  } catch (e) {
    // A bad option value: the user set it, so the install fails with the variable's name.
    console.error(`toolexpander: ${e.message}`);
    process.exitCode = 1;
  }
}

// Builds the prebuilt binaries that `npm pack` ships (prebuilds/<platform>-<arch>/, the
// prebuildify layout lib/engine/load-addon.ts and scripts/install.mjs look in).
//   node scripts/prebuild.mjs [linux-x64] [linux-arm64]      (default: both)
// linux-x64    portable CPU code (no -march=native), CUDA kernels compiled in when nvcc is
//              found (TOOLEXPANDER_CUDA=off skips them); the CUDA runtime is linked statically
//              and finds the driver at run time, so the same file runs on machines without one.
// linux-arm64  CPU only, cross-built with aarch64-linux-gnu-g++ (apt: g++-aarch64-linux-gnu).
// Both: no OpenMP (the work pool threads the ops, so no libgomp is needed at run time);
// libstdc++ stays dynamic: linked statically it would need arc4random (glibc 2.36, past
// Ubuntu 22.04's 2.35), dynamically it needs glibc 2.34 and GCC 12's libstdc++ (GLIBCXX_3.4.30).
// Where a prebuild does not load, scripts/install.mjs builds from source instead.
// Each folder gets build.json describing what was compiled; build folders are build-prebuild/*.
// The sources and options are CMakeLists.txt's: this script only chooses the options.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';

import { findCmake, findNvcc, root, which } from './install.mjs';

const require = createRequire(import.meta.url);
const jobs = Number(process.env.TOOLEXPANDER_JOBS ?? availableParallelism());

function nodeApiIncludes() {
  const headers = join(dirname(require.resolve('node-api-headers/package.json')), 'include');
  // include_dir is relative to the current directory (it is meant for binding.gyp).
  return [headers, resolve(require('node-addon-api').include_dir.replace(/^"|"$/g, ''))];
}

const targets = {
  'linux-x64': () => {
    const nvcc = process.env.TOOLEXPANDER_CUDA === 'off' ? undefined : findNvcc();
    const archs = process.env.TOOLEXPANDER_CUDA_ARCHITECTURES ?? '80;90a';
    return {
      defines: { TX_CUDA: nvcc ? 'ON' : 'OFF', ...(nvcc ? { CMAKE_CUDA_ARCHITECTURES: archs } : {}) },
      info: { cuda: nvcc ? { nvcc: nvcc.version, architectures: archs } : null },
      host: 'x64',
    };
  },
  'linux-arm64': () => {
    const cxx = which('aarch64-linux-gnu-g++');
    if (!cxx) throw new Error('linux-arm64 needs aarch64-linux-gnu-g++ (apt-get install g++-aarch64-linux-gnu)');
    return {
      defines: { TX_CUDA: 'OFF', CMAKE_TOOLCHAIN_FILE: join(root, 'scripts', 'toolchains', 'aarch64-linux-gnu.cmake') },
      info: { cuda: null, cross: 'aarch64-linux-gnu-g++' },
      host: 'arm64',
    };
  },
};

function sh(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}`);
}

function build(name) {
  const t = targets[name]();
  const cmake = findCmake();
  if (!cmake.path) throw new Error(cmake.why);
  const dir = join(root, 'build-prebuild', name);
  const defines = {
    CMAKE_BUILD_TYPE: 'Release',
    TX_BUILD_ADDON: 'ON',
    TX_BUILD_TESTS: 'OFF',
    TX_NATIVE_ARCH: 'OFF',
    TX_OPENMP: 'OFF',
    CMAKE_JS_INC: nodeApiIncludes().join(';'),
    CMAKE_CXX_FLAGS: '-DBUILDING_NODE_EXTENSION',
    CMAKE_SHARED_LINKER_FLAGS: '',  // explicit: a value cached by an earlier configure would stay
    ...t.defines,
  };
  const gen = which('ninja') ? ['-G', 'Ninja'] : [];
  sh(cmake.path, ['-S', root, '-B', dir, ...gen, ...Object.entries(defines).map(([k, v]) => `-D${k}=${v}`)]);
  sh(cmake.path, ['--build', dir, '--target', 'toolexpander', '--parallel', String(jobs)]);
  const out = join(root, 'prebuilds', name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const file = join(out, 'toolexpander.node');
  copyFileSync(join(dir, 'toolexpander.node'), file);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const info = { version: pkg.version, target: name, napi: 8, simd: 'portable', openmp: false, ...t.info, bytes: statSync(file).size };
  writeFileSync(join(out, 'build.json'), `${JSON.stringify(info, null, 2)}\n`);
  console.log(`prebuilds/${name}/toolexpander.node: ${(info.bytes / 2 ** 20).toFixed(1)} MiB, CUDA ${info.cuda ? `${info.cuda.nvcc} (${info.cuda.architectures})` : 'no'}`);
}

const wanted = process.argv.slice(2);
for (const name of wanted.length ? wanted : Object.keys(targets)) {
  if (!targets[name]) {
    console.error(`unknown target '${name}' (known: ${Object.keys(targets).join(', ')})`);
    process.exit(2);
  }
  try {
    build(name);
  } catch (e) {
    console.error(`prebuild ${name} failed: ${e.message}`);
    process.exitCode = 1;
  }
}

// scripts/install.mjs: the documented build options, their validation (a bad value names its
// variable), what a source build passes to CMake (never the test tools), and what happens with
// no compiler at all (one line; only a build the user asked for fails).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

// @ts-expect-error: a plain .mjs script without types
import { buildOptions, cmakeDefines, findCmake, findCxx, which } from '../../scripts/install.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

t.test('defaults: CUDA auto, native SIMD, every core, the test tools only in a checkout', async (t) => {
  const o = buildOptions({});
  t.match(o, { cuda: 'auto', simd: 'native', builder: 'auto', archs: '' });
  t.ok(o.jobs >= 1);
  // This file runs in a checkout (native/tests exists); the package ships no native/tests.
  t.same(cmakeDefines(o), { TX_BUILD_TESTS: 'ON', TX_NATIVE_ARCH: 'ON', TX_CUDA: 'ON' });
});

t.test('each variable reaches CMake', async (t) => {
  const o = buildOptions({ TOOLEXPANDER_CUDA: 'off', TOOLEXPANDER_SIMD: 'portable', TOOLEXPANDER_CUDA_ARCHITECTURES: '80,90a', TOOLEXPANDER_JOBS: '3' });
  t.equal(o.jobs, 3);
  t.same(cmakeDefines(o), { TX_BUILD_TESTS: 'ON', TX_NATIVE_ARCH: 'OFF', TX_CUDA: 'OFF', CMAKE_CUDA_ARCHITECTURES: '80;90a' });
});

t.test('a bad value is an error naming the variable', async (t) => {
  t.throws(() => buildOptions({ TOOLEXPANDER_CUDA: 'yes' }), /TOOLEXPANDER_CUDA must be one of auto, on, off, got 'yes'/);
  t.throws(() => buildOptions({ TOOLEXPANDER_SIMD: 'avx9' }), /TOOLEXPANDER_SIMD/);
  t.throws(() => buildOptions({ TOOLEXPANDER_CUDA_ARCHITECTURES: 'native' }), /TOOLEXPANDER_CUDA_ARCHITECTURES .*never 'native'/);
  t.throws(() => buildOptions({ TOOLEXPANDER_JOBS: '0' }), /TOOLEXPANDER_JOBS must be an integer >= 1/);
  t.throws(() => buildOptions({ TOOLEXPANDER_BUILDER: 'make' }), /TOOLEXPANDER_BUILDER/);
});

t.test('tool lookup follows PATH', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'tx-empty-path-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  t.equal(which('cmake', { PATH: empty }), undefined);
  t.equal(findCxx({ PATH: empty }), undefined);
  t.match(findCmake({ PATH: empty }), { why: 'cmake not found on PATH' });
  t.equal(findCxx({ PATH: empty, CXX: `${process.execPath} --flag` }), process.execPath, '$CXX wins, flags dropped');
});

t.test('no compiler: a requested source build fails in one line naming the fix; a bad option fails naming it', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'tx-empty-path-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  const env = { PATH: empty, HOME: process.env.HOME };
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'install.mjs'), '--from-source'], { env, encoding: 'utf8', cwd: empty });
  t.equal(r.status, 1);
  const errs = r.stderr.trim().split('\n');
  t.equal(errs.length, 1, r.stderr);
  t.match(errs[0], /native engine not built: no C\+\+ compiler found.*npm rebuild toolexpander/);
  const bad = spawnSync(process.execPath, [join(root, 'scripts', 'install.mjs')], { env: { ...env, TOOLEXPANDER_SIMD: 'x' }, encoding: 'utf8' });
  t.equal(bad.status, 1);
  t.match(bad.stderr, /^toolexpander: TOOLEXPANDER_SIMD must be one of native, portable, got 'x'\n$/);
});

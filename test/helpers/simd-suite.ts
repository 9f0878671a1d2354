// Runs the engine's float64-reference tests, the C++ parity runner and the shipped model's
// rollout-vs-forward log-prob check with one CPU kernel set forced (TOOLEXPANDER_SIMD), each
// in a fresh process (a process picks its set once). One test file per set calls it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Test } from 'tap';

import { devices } from '../../lib/engine/devices.js';
import { childEnv } from './child-env.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The engine tests that compare every op with its float64 reference (test/reference/).
export const REFERENCE_TESTS = ['adamw', 'advantage', 'attention', 'embedding', 'gemm', 'grpo_loss', 'logprob',
  'rms_norm', 'rope', 'sampling', 'swiglu'].map((f) => join('test', 'engine', `${f}.test.ts`));

function run(t: Test, what: string, cmd: string, args: string[], set: string): string {
  // TAP_TIMEOUT 0: the scalar set is slow on purpose; this file's own timeout bounds the run.
  const r = spawnSync(cmd, args, { cwd: root, env: childEnv({ TOOLEXPANDER_SIMD: set, TAP_TIMEOUT: '0' }), encoding: 'utf8', maxBuffer: 64 << 20 });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  t.equal(r.status, 0, `${what} with TOOLEXPANDER_SIMD=${set}`, { diagnostic: r.status !== 0, output: out.slice(-4000) });
  return out;
}

export function simdSuite(t: Test, set: string): void {
  t.setTimeout(900_000);
  const supported = devices().cpu.simdSupported;
  if (!supported.includes(set)) {
    t.pass(`the ${set} set`, { skip: `not supported on this CPU (${supported.join(',')}); .ci/run runs it under qemu` });
    return;
  }
  // The plain suite already runs the reference tests on the default set: not twice.
  const isDefault = !process.env.TOOLEXPANDER_SIMD && set === supported.at(-1);
  if (isDefault) t.comment(`${set} is the default set: the plain run of ${REFERENCE_TESTS.length} reference test files covers it`);
  for (const file of isDefault ? [] : REFERENCE_TESTS) {
    t.test(`${file} on ${set}`, async (t) => {
      run(t, file, process.execPath, ['--import', 'tsx', file], set);
    });
  }
  t.test(`parity runner on ${set}`, async (t) => {
    // A checkout's install builds it beside the addon; CI's own parity build is build-native.
    const bin = [join(root, 'build', 'tx_parity'), join(root, 'build', 'Release', 'tx_parity'), join(root, 'build-native', 'tx_parity')].find((p) => existsSync(p));
    if (bin === undefined) {
      t.fail('tx_parity not built (cmake-js builds it beside the addon, TX_BUILD_TESTS=ON)');
      return;
    }
    const out = run(t, 'tx_parity', bin, [], set);
    t.match(out, new RegExp(`cpu: \\d+ threads, ${set}\\b`), 'the runner used the forced set');
  });
  t.test(`shipped model on ${set}: rollout log-probs equal forward log-probs bit for bit`, async (t) => {
    const out = run(t, 'simd-fingerprint', process.execPath, ['--import', 'tsx', join('scripts', 'simd-fingerprint.ts')], set);
    t.match(out, `simd ${set}`);
    t.match(out, 'rollout==forward true');
  });
}

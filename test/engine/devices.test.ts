// devices(): what was compiled and what is usable, and the thread setting.
import { execFileSync, spawnSync } from 'node:child_process';

import t from 'tap';

import { TxError, devices, isTxError, setThreads } from '../../lib/index.js';
import { childEnv } from '../helpers/child-env.js';

function nvccOnPath(): boolean {
  try {
    execFileSync('nvcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

t.test('reports CPU threads and SIMD', async (t) => {
  const d = devices();
  t.ok(Number.isInteger(d.cpu.threads) && d.cpu.threads >= 1);
  t.match(d.cpu.simd, /^(avx512|avx2|neon|scalar)$/);
  t.ok(d.cpu.simdSupported.includes('scalar'), 'the portable set always runs');
  t.ok(d.cpu.simdSupported.includes(d.cpu.simd), `${d.cpu.simd} is among ${d.cpu.simdSupported.join(',')}`);
  if (!process.env.TOOLEXPANDER_SIMD) t.equal(d.cpu.simd, d.cpu.simdSupported.at(-1), 'the widest supported set by default');
});

// TOOLEXPANDER_SIMD is read once, when the addon loads: each case is a fresh process.
function loadWith(simd: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e',
    "import('./lib/engine/devices.ts').then((m) => console.log('simd=' + m.devices().cpu.simd)).catch((e) => { console.log(`${e.code}: ${e.message}`); process.exit(3); })"],
  { env: childEnv({ TOOLEXPANDER_SIMD: simd }), encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

t.test('TOOLEXPANDER_SIMD selects a supported set and refuses the others by name', async (t) => {
  const { simdSupported } = devices().cpu;
  for (const set of simdSupported) {
    const r = loadWith(set);
    t.equal(r.status, 0, r.out);
    t.match(r.out, `simd=${set}`);
  }
  for (const set of ['scalar', 'avx2', 'avx512', 'neon'].filter((s) => !simdSupported.includes(s))) {
    const r = loadWith(set);
    t.equal(r.status, 3, `${set} refused`);
    t.match(r.out, new RegExp(`E_DEVICE: TOOLEXPANDER_SIMD=${set}: .*supported here: ${simdSupported.join(',')}`));
  }
  const bad = loadWith('sse9');
  t.equal(bad.status, 3);
  t.match(bad.out, /E_RANGE: TOOLEXPANDER_SIMD=sse9: expected one of scalar, avx2, avx512, neon/);
});

t.test('CUDA: compiled when nvcc was present; when not usable, says why', async (t) => {
  const { cuda } = devices();
  if (nvccOnPath() && process.env.TX_CUDA !== 'OFF') t.equal(cuda.compiled, true, 'nvcc present, so CUDA was compiled');
  t.type(cuda.usable, 'boolean');
  t.ok(Array.isArray(cuda.devices));
  if (!cuda.usable) {
    t.type(cuda.reason, 'string');
    t.ok((cuda.reason ?? '').length > 10, `reason given: ${cuda.reason}`);
    t.equal(cuda.devices.filter(() => cuda.usable).length, 0);
  } else {
    t.ok(cuda.devices.length > 0);
    for (const dev of cuda.devices) t.match(dev, { index: Number, name: String, memoryBytes: Number, sm: String });
  }
});

t.test('setThreads', async (t) => {
  t.equal(setThreads(1), 1);
  t.equal(devices().cpu.threads, 1);
  const n = setThreads(0);
  t.ok(n >= 1, 'back to the hardware default');
  for (const bad of [-1, 1.5, NaN]) {
    t.throws(() => setThreads(bad), { name: 'TxError', code: 'E_RANGE' }, `rejects ${bad}`);
  }
  try {
    setThreads(-3);
  } catch (e) {
    t.ok(isTxError(e) && e instanceof TxError);
  }
  t.notOk(isTxError(new Error('x')));
});

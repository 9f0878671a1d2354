// devices(): what was compiled and what is usable, and the thread setting.
import { execFileSync } from 'node:child_process';

import t from 'tap';

import { TxError, devices, isTxError, setThreads } from '../../lib/index.js';

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
  t.match(d.cpu.simd, /^(avx512|avx2|sse2|neon|scalar)$/);
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

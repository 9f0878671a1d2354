// DeviceTensor argument checks (before any CUDA call) and its behaviour where CUDA works.
import t from 'tap';

import { DeviceTensor, devices } from '../../lib/index.js';

t.test('fromHost validates the host tensor first', async (t) => {
  t.throws(() => DeviceTensor.fromHost({ data: new Float32Array(4), shape: [3] }), { code: 'E_SHAPE' });
  t.throws(() => DeviceTensor.fromHost({ data: new Float32Array(4), shape: [-4] }), { code: 'E_SHAPE' });
  t.throws(() => DeviceTensor.fromHost({ data: new Float32Array(4), shape: [4], dtype: 'i32' }), { code: 'E_DTYPE' });
  t.throws(() => DeviceTensor.fromHost({ data: new Float64Array(4) as unknown as Float32Array, shape: [4] }), { code: 'E_DTYPE' });
});

t.test('round trip through device memory', async (t) => {
  if (!devices().cuda.usable) {
    t.throws(() => DeviceTensor.fromHost({ data: new Int32Array(4), shape: [2, 2] }), { code: 'E_DEVICE' });
    return;
  }
  const src = new Int32Array([1, 2, 3, 4]);
  const d = DeviceTensor.fromHost({ data: src, shape: [2, 2] });
  t.same(d.shape, [2, 2]);
  t.equal(d.dtype, 'i32');
  t.same([...(d.toHostSync().data as Int32Array)], [1, 2, 3, 4]);
  t.same([...((await d.toHost()).data as Int32Array)], [1, 2, 3, 4]);
  d.dispose();
  t.ok(d.disposed);
  t.throws(() => d.toHostSync(), { code: 'E_STATE' });
});

// gemmSync against the float64 reference: all four transpose combinations, edge tiles
// (sizes that cross every blocking boundary), alpha/beta, beta = 0 over NaN, bad inputs.
import t from 'tap';

import { DeviceTensor, devices, gemm, gemmSync, setThreads } from '../../lib/index.js';
import { bf16ToF32, f32ToBf16 } from '../../lib/model/bf16.js';
import { firstMismatch } from '../helpers/compare.js';
import { expectTxError } from '../helpers/expect-error.js';
import { rng } from '../helpers/random.js';
import { referenceGemm } from '../reference/gemm.js';

// f32 accumulation over k <= 600 terms in [-1, 1]: error well under 1e-4 absolute.
const RTOL = 1e-4, ATOL = 1e-4;

const rand = (seed: number, n: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(r() * 2 - 1));
};

t.test('matches the float64 reference for every transpose combination and edge shape', async (t) => {
  const shapes: [number, number, number][] = [[1, 1, 1], [13, 37, 300], [150, 70, 513], [12, 32, 256], [5, 4100, 3], [200, 33, 17]];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [alpha, beta] of [[1, 0], [0.5, -2]] as const) {
          const a = rand(m * 3 + k, m * k), b = rand(n * 5 + k, k * n), c0 = rand(m + n, m * n);
          const want = referenceGemm(a, b, c0, m, n, k, transA, transB, alpha, beta);
          const c = gemmSync(a, b, c0.slice(), m, n, k, { transA, transB, alpha, beta });
          t.equal(firstMismatch(c, want, RTOL, ATOL), undefined, `${m}x${n}x${k} tA=${transA} tB=${transB} a=${alpha} b=${beta}`);
        }
      }
    }
  }
});

t.test('beta = 0 ignores NaN in C; k = 0 scales C; identity', async (t) => {
  const c = new Float32Array(6).fill(NaN);
  gemmSync(new Float32Array([1, 2]), new Float32Array([1, 1, 1]), c, 2, 3, 1);
  t.same([...c], [1, 1, 1, 2, 2, 2]);
  const d = new Float32Array([1, 2, 3, 4]);
  gemmSync(new Float32Array(0), new Float32Array(0), d, 2, 2, 0, { beta: 3 });
  t.same([...d], [3, 6, 9, 12]);
  const eye = new Float32Array([1, 0, 0, 1]), x = new Float32Array([5, 6, 7, 8]);
  t.same([...gemmSync(eye, x, new Float32Array(4), 2, 2, 2)], [5, 6, 7, 8]);
});

t.test('same result for 1 and 2 threads; async equals sync', async (t) => {
  const m = 300, n = 200, k = 700;
  const a = rand(1, m * k), b = rand(2, k * n);
  setThreads(1);
  const one = gemmSync(a, b, new Float32Array(m * n), m, n, k);
  setThreads(2);
  const two = gemmSync(a, b, new Float32Array(m * n), m, n, k);
  setThreads(0);
  t.ok(Buffer.from(one.buffer).equals(Buffer.from(two.buffer)), 'bit-identical: each C element is summed in one fixed order');
  const asyncC = await gemm(a, b, new Float32Array(m * n), m, n, k);
  t.ok(Buffer.from(asyncC.buffer).equals(Buffer.from(one.buffer)));
});

t.test('bad inputs give a TxError naming the argument', async (t) => {
  const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4);
  const cases: [string, () => unknown, string, string][] = [
    ['a too short', () => gemmSync(new Float32Array(5), b, c, 2, 2, 3), 'E_SHAPE', 'a'],
    ['b too long', () => gemmSync(a, new Float32Array(7), c, 2, 2, 3), 'E_SHAPE', 'b'],
    ['c wrong', () => gemmSync(a, b, new Float32Array(5), 2, 2, 3), 'E_SHAPE', 'c'],
    ['negative m', () => gemmSync(a, b, c, -2, 2, 3), 'E_RANGE', 'm'],
    ['fractional k', () => gemmSync(a, b, c, 2, 2, 2.5), 'E_RANGE', 'k'],
    ['Float64Array a', () => gemmSync(new Float64Array(6) as unknown as Float32Array, b, c, 2, 2, 3), 'E_DTYPE', 'a'],
    ['NaN alpha', () => gemmSync(a, b, c, 2, 2, 3, { alpha: NaN }), 'E_RANGE', 'opts.alpha'],
    ['string beta', () => gemmSync(a, b, c, 2, 2, 3, { beta: '1' as unknown as number }), 'E_RANGE', 'opts.beta'],
  ];
  for (const [label, fn, code, names] of cases) expectTxError(t, fn, code, names, label);
});

// CUDA: f32 and bf16 DeviceTensors (cuBLAS or the engine's kernels, whichever loaded)
// against the float64 reference on the same (bf16-rounded) values. Skips without a GPU;
// tx_parity covers both backends explicitly.
t.test('DeviceTensor inputs on CUDA (f32 and bf16) match the reference', async (t) => {
  if (!devices().cuda.usable) {
    t.comment('no usable CUDA device: CUDA GEMM covered by tx_parity where a GPU exists');
    return;
  }
  const m = 70, n = 130, k = 300;
  for (const dtype of ['f32', 'bf16'] as const) {
    for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      let a: Float32Array = rand(11, m * k), b: Float32Array = rand(12, k * n);
      const c0 = rand(13, m * n);
      if (dtype === 'bf16') {
        a = bf16ToF32(f32ToBf16(a));
        b = bf16ToF32(f32ToBf16(b));
      }
      const up = (x: Float32Array) => dtype === 'bf16'
        ? DeviceTensor.fromHost({ data: f32ToBf16(x), shape: [x.length], dtype: 'bf16' })
        : DeviceTensor.fromHost({ data: x, shape: [x.length] });
      const da = up(a), db = up(b), dc = DeviceTensor.fromHost({ data: c0.slice(), shape: [m * n] });
      await gemm(da, db, dc, m, n, k, { transA, transB, alpha: 0.5, beta: -2 });
      const got = dc.toHostSync().data as Float32Array;
      const want = referenceGemm(a, b, c0, m, n, k, transA, transB, 0.5, -2);
      t.equal(firstMismatch(got, want, RTOL, ATOL), undefined, `${dtype} tA=${transA} tB=${transB}`);
      for (const d of [da, db, dc]) d.dispose();
    }
  }
});

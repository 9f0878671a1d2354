// adamwStep against the float64 reference (torch.optim.AdamW + clip_grad_norm_): several
// steps, bias correction, decoupled decay, clipping on and off, determinism, bad inputs.
import t from 'tap';

import { DeviceTensor, adamwStep, adamwStepSync, devices, setThreads } from '../../lib/index.js';
import { firstMismatch } from '../helpers/compare.js';
import { expectTxError } from '../helpers/expect-error.js';
import { rng } from '../helpers/random.js';
import { referenceAdamW } from '../reference/adamw.js';

// One f32 rounding of a double computation per stored value.
const RTOL = 1e-6, ATOL = 1e-9;

function state(seed: number, n: number) {
  const r = rng(seed);
  const f = (scale: number) => Float32Array.from({ length: n }, () => Math.fround((r() - 0.5) * scale));
  return { params: f(2), grads: f(0.1), expAvg: new Float32Array(n), expAvgSq: new Float32Array(n) };
}

t.test('matches the float64 reference over several steps, with and without clipping', async (t) => {
  for (const maxGradNorm of [0, 0.5, 1e6]) {
    const s = state(3, 200_003);  // past several norm chunks, with a ragged tail
    for (let step = 1; step <= 4; step++) {
      const r = rng(step);
      for (let i = 0; i < s.grads.length; i++) s.grads[i] = Math.fround((r() - 0.5) * 0.1);
      const cfg = { lr: 1e-3, step, weightDecay: 0.1, maxGradNorm };
      const want = referenceAdamW(s.params, s.grads, s.expAvg, s.expAvgSq, cfg);
      const got = adamwStepSync(s, cfg);
      const label = `maxGradNorm ${maxGradNorm} step ${step}`;
      t.ok(Math.abs(got.gradNorm - want.gradNorm) <= 1e-12 * want.gradNorm, `${label}: gradNorm`);
      t.ok(Math.abs(got.clipScale - want.clipScale) <= 1e-12, `${label}: clipScale ${got.clipScale}`);
      t.equal(firstMismatch(s.params, want.params, RTOL, ATOL), undefined, `${label}: params`);
      t.equal(firstMismatch(s.expAvg, want.m, RTOL, ATOL), undefined, `${label}: expAvg`);
      t.equal(firstMismatch(s.expAvgSq, want.v, RTOL, 1e-15), undefined, `${label}: expAvgSq`);
    }
  }
});

t.test('hand-worked: step 1 moves every weight by ~lr * sign(g); decay alone scales by 1 - lr wd', async (t) => {
  const s = { params: new Float32Array([1, 1, 1]), grads: new Float32Array([0.5, -2, 0]), expAvg: new Float32Array(3), expAvgSq: new Float32Array(3) };
  adamwStepSync(s, { lr: 0.1, step: 1, weightDecay: 0 });
  // Bias-corrected m / sqrt(v) = g / |g| at step 1; g = 0 leaves the weight alone.
  t.ok(Math.abs(s.params[0]! - 0.9) < 1e-6 && Math.abs(s.params[1]! - 1.1) < 1e-6 && s.params[2] === 1, `${[...s.params]}`);
  const d = { params: new Float32Array([2, -4]), grads: new Float32Array(2), expAvg: new Float32Array(2), expAvgSq: new Float32Array(2) };
  adamwStepSync(d, { lr: 0.1, step: 1, weightDecay: 0.5 });
  t.same([...d.params], [Math.fround(2 * 0.95), Math.fround(-4 * 0.95)], 'decoupled decay: p * (1 - lr wd)');
  // Clipping: grads (3, 4) have norm 5; maxGradNorm 1 scales them by 1 / (5 + 1e-6).
  const c = { params: new Float32Array(2), grads: new Float32Array([3, 4]), expAvg: new Float32Array(2), expAvgSq: new Float32Array(2) };
  const r = adamwStepSync(c, { lr: 0.1, step: 1, maxGradNorm: 1 });
  t.equal(r.gradNorm, 5);
  t.ok(Math.abs(r.clipScale - 1 / (5 + 1e-6)) < 1e-15);
  t.ok(Math.abs(c.expAvg[0]! - 0.1 * 3 / (5 + 1e-6)) < 1e-7, 'moments see the clipped gradient');
});

t.test('deterministic across thread counts; async equals sync', async (t) => {
  const a = state(9, 300_000), b = state(9, 300_000), c = state(9, 300_000);
  setThreads(1);
  const ra = adamwStepSync(a, { lr: 1e-2, step: 1, maxGradNorm: 1 });
  setThreads(2);
  const rb = adamwStepSync(b, { lr: 1e-2, step: 1, maxGradNorm: 1 });
  setThreads(0);
  const rc = await adamwStep(c, { lr: 1e-2, step: 1, maxGradNorm: 1 });
  t.equal(ra.gradNorm, rb.gradNorm);
  t.equal(ra.gradNorm, rc.gradNorm);
  t.ok(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer)), '1 vs 2 threads');
  t.ok(Buffer.from(a.params.buffer).equals(Buffer.from(c.params.buffer)), 'async');
});

t.test('bad inputs give a TxError naming the argument; nothing is updated on a NaN gradient', async (t) => {
  const s = () => state(1, 4);
  const cases: [string, () => unknown, string, string][] = [
    ['grads length', () => adamwStepSync({ ...s(), grads: new Float32Array(3) }, { lr: 1, step: 1 }), 'E_SHAPE', 'grads'],
    ['expAvg length', () => adamwStepSync({ ...s(), expAvg: new Float32Array(5) }, { lr: 1, step: 1 }), 'E_SHAPE', 'expAvg'],
    ['expAvgSq dtype', () => adamwStepSync({ ...s(), expAvgSq: new Float64Array(4) as unknown as Float32Array }, { lr: 1, step: 1 }), 'E_DTYPE', 'expAvgSq'],
    ['params missing', () => adamwStepSync({ ...s(), params: undefined as unknown as Float32Array }, { lr: 1, step: 1 }), 'E_DTYPE', 'params'],
    ['lr negative', () => adamwStepSync(s(), { lr: -1, step: 1 }), 'E_RANGE', 'cfg.lr'],
    ['lr missing', () => adamwStepSync(s(), { step: 1 } as { lr: number; step: number }), 'E_RANGE', 'cfg.lr'],
    ['step 0', () => adamwStepSync(s(), { lr: 1, step: 0 }), 'E_RANGE', 'cfg.step'],
    ['step 1.5', () => adamwStepSync(s(), { lr: 1, step: 1.5 }), 'E_RANGE', 'cfg.step'],
    ['beta1 1', () => adamwStepSync(s(), { lr: 1, step: 1, beta1: 1 }), 'E_RANGE', 'cfg.beta1'],
    ['beta2 NaN', () => adamwStepSync(s(), { lr: 1, step: 1, beta2: NaN }), 'E_RANGE', 'cfg.beta2'],
    ['eps 0', () => adamwStepSync(s(), { lr: 1, step: 1, eps: 0 }), 'E_RANGE', 'cfg.eps'],
    ['weightDecay negative', () => adamwStepSync(s(), { lr: 1, step: 1, weightDecay: -1 }), 'E_RANGE', 'cfg.weightDecay'],
    ['maxGradNorm Inf', () => adamwStepSync(s(), { lr: 1, step: 1, maxGradNorm: Infinity }), 'E_RANGE', 'cfg.maxGradNorm'],
  ];
  for (const [label, fn, code, names] of cases) expectTxError(t, fn, code, names, label);
  const bad = s();
  bad.grads[2] = NaN;
  const before = bad.params.slice();
  expectTxError(t, () => adamwStepSync(bad, { lr: 1, step: 1 }), 'E_RANGE', 'grads', 'NaN gradient');
  t.same(bad.params, before, 'params untouched after a rejected step');
  await t.rejects(adamwStep(s(), { lr: 1, step: 0 }), { name: 'TxError', code: 'E_RANGE' });
});

t.test('device tensors', async (t) => {
  if (!devices().cuda.usable) {
    t.comment('no usable CUDA device: CUDA path covered by tx_parity where a GPU exists');
    return;
  }
  const s = state(4, 100_000);
  const cfg = { lr: 1e-3, step: 1, maxGradNorm: 1 };
  const want = referenceAdamW(s.params, s.grads, s.expAvg, s.expAvgSq, cfg);
  const d = (x: Float32Array) => DeviceTensor.fromHost({ data: x, shape: [x.length] });
  const ds = { params: d(s.params), grads: d(s.grads), expAvg: d(s.expAvg), expAvgSq: d(s.expAvgSq) };
  const r = await adamwStep(ds, cfg);
  t.ok(Math.abs(r.gradNorm - want.gradNorm) <= 1e-9 * want.gradNorm);
  t.equal(firstMismatch((await ds.params.toHost()).data as Float32Array, want.params, RTOL, ATOL), undefined);
  for (const x of Object.values(ds)) x.dispose();
});

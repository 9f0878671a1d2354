// grpoLoss against the float64 reference (docs/kernels.md section 4): every aggregation mode,
// clip/dual-clip/KL variants, hand-worked verl and TRL cases, a finite-difference check of
// gradLogp, determinism, async, device tensors and every bad input.
import t, { type Test } from 'tap';

import { DeviceTensor, devices, grpoLoss, grpoLossSync, setThreads, type GrpoConfig, type GrpoLossResult } from '../../lib/index.js';
import { firstMismatch } from '../helpers/compare.js';
import { expectTxError } from '../helpers/expect-error.js';
import { offsetsFromSizes, randInt, rng } from '../helpers/random.js';
import { referenceGrpoLoss, type Aggregation, type RefInputs } from '../reference/grpo_loss.js';

// gradLogp is one f32 rounding of a double computation; the loss and stats are doubles
// summed in a different order than the reference.
const GRAD_RTOL = 1e-6, GRAD_ATOL = 1e-12;
const SCALAR_RTOL = 1e-9;

const AGGS: Aggregation[] = ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum', 'seq-mean-token-sum-norm'];

function problem(seed: number, seqs: number, maxLen: number, withRef = true) {
  const r = rng(seed);
  const seqOffsets = offsetsFromSizes(Array.from({ length: seqs }, () => randInt(r, 0, maxLen)));
  const N = seqOffsets[seqs]!;
  const f = (fn: () => number) => Float32Array.from({ length: N }, () => Math.fround(fn()));
  const oldLogp = f(() => -r() * 5);
  // Log ratios mostly near 0, some far enough to clip, a few past the +-20 clamp.
  const logp = oldLogp.map((o) => {
    const u = r();
    return Math.fround(o + (u < 0.02 ? (r() - 0.5) * 60 : (r() - 0.5) * 1.2));
  });
  const refLogp = withRef ? logp.map((l) => Math.fround(l + (r() < 0.03 ? (r() - 0.5) * 50 : (r() - 0.5) * 2))) : undefined;
  const advantages = new Float32Array(N);
  for (let s = 0; s < seqs; s++) advantages.fill(Math.fround((r() - 0.5) * 4), seqOffsets[s]!, seqOffsets[s + 1]!);
  const mask = Uint8Array.from({ length: N }, () => (r() < 0.8 ? 1 : 0));
  return { logp, oldLogp, refLogp, advantages, mask, seqOffsets };
}

function compare(t: Test, got: GrpoLossResult<Float32Array>, want: ReturnType<typeof referenceGrpoLoss>, label: string) {
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 + SCALAR_RTOL * Math.abs(b);
  t.ok(close(got.loss, want.loss), `${label}: loss ${got.loss} vs ${want.loss}`);
  for (const k of Object.keys(want.stats) as (keyof typeof want.stats)[]) {
    t.ok(close(got.stats[k], want.stats[k]), `${label}: stats.${k} ${got.stats[k]} vs ${want.stats[k]}`);
  }
  t.equal(firstMismatch(got.gradLogp, want.gradLogp, GRAD_RTOL, GRAD_ATOL), undefined, `${label}: gradLogp`);
}

const CONFIGS: [string, GrpoConfig][] = [
  ['defaults', {}],
  ['clip-higher 0.28', { clipLow: 0.2, clipHigh: 0.28 }],
  ['dual clip 3', { dualClip: 3 }],
  ['k1 beta 0.1', { klCoef: 0.1, klType: 'k1' }],
  ['k2 beta 0.05', { klCoef: 0.05, klType: 'k2' }],
  ['k3 beta 0.001 + dual', { klCoef: 0.001, klType: 'k3', dualClip: 2.5 }],
  ['k3 beta 1, no clip', { klCoef: 1, klType: 'k3', clipLow: 0, clipHigh: 0 }],
];

t.test('matches the float64 reference: every aggregation x config', async (t) => {
  for (const aggregation of AGGS) {
    for (const [name, cfg] of CONFIGS) {
      for (const seed of [1, 2]) {
        const p = problem(seed * 13 + aggregation.length, 60, 40);
        const full = { ...cfg, aggregation };
        compare(t, grpoLossSync(p, full), referenceGrpoLoss(p, full), `${aggregation}/${name}/seed ${seed}`);
      }
    }
  }
  const p = problem(5, 30, 20);
  const cfg: GrpoConfig = { aggregation: 'seq-mean-token-sum-norm', normConstant: 512 };
  compare(t, grpoLossSync(p, cfg), referenceGrpoLoss(p, cfg), 'explicit normConstant');
  const noRef = { ...problem(6, 30, 20, false), refLogp: undefined };
  compare(t, grpoLossSync(noRef), referenceGrpoLoss(noRef), 'without refLogp');
});

t.test('hand-worked per-token cases (verl compute_policy_loss_vanilla)', async (t) => {
  // One token per sequence, token-mean over 1 token = the token itself.
  const one = (logRatio: number, A: number, cfg: GrpoConfig = {}) =>
    grpoLossSync({
      logp: new Float32Array([logRatio]), oldLogp: new Float32Array([0]), advantages: new Float32Array([A]),
      mask: new Uint8Array([1]), seqOffsets: new Int32Array([0, 1]),
    }, cfg);
  const lr = (r: number) => Math.fround(Math.log(r));
  const r = (x: number) => Math.exp(lr(x));  // the ratio the f32 input actually encodes
  // A = 2, r = 1.1: inside the clip range, L = -A r, dL/dlogp = -A r.
  let g = one(lr(1.1), 2);
  t.ok(Math.abs(g.loss - -2 * r(1.1)) < 1e-12, 'unclipped loss');
  t.ok(Math.abs(g.gradLogp[0]! - Math.fround(-2 * r(1.1))) < 1e-6, 'unclipped grad');
  t.equal(g.stats.clipFracHigh + g.stats.clipFracLow, 0);
  // A = 1, r = 1.5 > 1.2: L = -1.2, no gradient, clipped from above.
  g = one(lr(1.5), 1);
  t.ok(Math.abs(g.loss - -1.2) < 1e-12, 'upper clip loss');
  t.equal(g.gradLogp[0], 0, 'upper clip: no gradient');
  t.equal(g.stats.clipFracHigh, 1);
  // clip-higher 0.28: r = 1.25 is no longer clipped.
  g = one(lr(1.25), 1, { clipHigh: 0.28 });
  t.ok(Math.abs(g.loss - -r(1.25)) < 1e-12 && g.stats.clipFracHigh === 0, 'clip-higher keeps r = 1.25');
  // A = -1, r = 0.5 < 0.8: L = max(0.5, 0.8) = 0.8, no gradient, clipped from below.
  g = one(lr(0.5), -1);
  t.ok(Math.abs(g.loss - 0.8) < 1e-12 && g.gradLogp[0] === 0 && g.stats.clipFracLow === 1, 'lower clip');
  // A = -1, r = 4: without dual clip L = 4 (gradient -A r = 4); with c = 3, L = 3 and no gradient.
  g = one(lr(4), -1);
  t.ok(Math.abs(g.loss - r(4)) < 1e-12 && Math.abs(g.gradLogp[0]! - r(4)) < 1e-5, 'A < 0, large r, no dual clip');
  g = one(lr(4), -1, { dualClip: 3 });
  t.ok(Math.abs(g.loss - 3) < 1e-12 && g.gradLogp[0] === 0 && g.stats.dualClipFrac === 1, 'dual clip caps at -A c');
  // Dual clip never applies to A > 0.
  g = one(lr(4), 1, { dualClip: 3 });
  t.ok(Math.abs(g.loss - -1.2) < 1e-12 && g.stats.dualClipFrac === 0, 'dual clip ignores A > 0');
  // log ratio clamped at 20: r = e^20 and the clamp blocks the gradient.
  g = one(30, -1);
  t.ok(Math.abs(g.loss - Math.exp(20)) < 1e-3 && g.gradLogp[0] === 0, 'log ratio clamp at 20');
  t.ok(Math.abs(g.stats.approxKl - -20) < 1e-12, 'approxKl uses the clamped log ratio');
});

t.test('hand-worked KL cases (verl kl_penalty_forward; TRL k3 without clamps)', async (t) => {
  const kl = (logp: number, ref: number, klType: 'k1' | 'k2' | 'k3') =>
    grpoLossSync({
      logp: new Float32Array([logp]), oldLogp: new Float32Array([logp]), refLogp: new Float32Array([ref]),
      advantages: new Float32Array([0]), mask: new Uint8Array([1]), seqOffsets: new Int32Array([0, 1]),
    }, { klCoef: 1, klType });
  // A = 0 and r = 1: the loss is exactly the KL term.
  t.ok(Math.abs(kl(-1, -2, 'k1').loss - 1) < 1e-12 && kl(-1, -2, 'k1').gradLogp[0] === 1, 'k1 = logp - ref');
  t.ok(Math.abs(kl(-1, -2, 'k2').loss - 0.5) < 1e-12 && kl(-1, -2, 'k2').gradLogp[0] === 1, 'k2 = (logp - ref)^2 / 2');
  // k3 at ref - logp = 1: e - 2 (TRL's formula, inside verl's clamps), gradient -(e - 1).
  const k3 = kl(-2, -1, 'k3');
  t.ok(Math.abs(k3.loss - (Math.E - 2)) < 1e-12, `k3 = e - 2 (${k3.loss})`);
  t.ok(Math.abs(k3.gradLogp[0]! - Math.fround(-(Math.E - 1))) < 1e-6, 'k3 gradient -(e^x - 1)');
  t.ok(Math.abs(k3.stats.klMean - (Math.E - 2)) < 1e-12, 'klMean');
  // ref - logp = 5: e^5 - 6 = 142.4 is clamped to 10, and the clamp blocks the gradient.
  const big = kl(-6, -1, 'k3');
  t.ok(big.loss === 10 && big.gradLogp[0] === 0, 'k3 clamped at 10');
});

t.test('hand-worked aggregation over two sequences, and TRL loss types', async (t) => {
  // Sequence 0: one token, sequence 1: three tokens (one masked out). r = 1 everywhere, so
  // each token's loss is -A: seq 0 gives -1; seq 1 gives -2, -2 (and a masked-out -2).
  const inputs = {
    logp: new Float32Array(4), oldLogp: new Float32Array(4),
    advantages: new Float32Array([1, 2, 2, 2]), mask: new Uint8Array([1, 1, 0, 1]),
    seqOffsets: new Int32Array([0, 1, 4]),
  };
  const loss = (aggregation: Aggregation, normConstant?: number) => grpoLossSync(inputs, { aggregation, normConstant }).loss;
  t.ok(Math.abs(loss('token-mean') - -5 / 3) < 1e-12, 'token-mean: (-1 - 2 - 2) / 3');
  t.ok(Math.abs(loss('seq-mean-token-mean') - (-1 / (1 + 1e-8) + -4 / (2 + 1e-8)) / 2) < 1e-12, 'seq-mean-token-mean');
  t.ok(Math.abs(loss('seq-mean-token-sum') - (-1 + -4) / 2) < 1e-12, 'seq-mean-token-sum');
  t.ok(Math.abs(loss('seq-mean-token-sum-norm') - -5 / 3) < 1e-12, 'seq-mean-token-sum-norm: / longest (3)');
  t.ok(Math.abs(loss('seq-mean-token-sum-norm', 10) - -0.5) < 1e-12, 'seq-mean-token-sum-norm: / 10');
  // TRL _compute_loss, single process, no grad accumulation, on a random batch:
  //   bnpo / dapo: sum(l m) / sum(m) = token-mean
  //   grpo:        mean_i sum_t(l m) / max(sum_t m, 1) = seq-mean-token-mean (up to verl's 1e-8)
  //   dr_grpo:     sum(l m) / (B * maxLen) = seq-mean-token-sum-norm with normConstant B * maxLen
  const p = problem(77, 16, 24);
  for (let s = 0; s < 16; s++) p.mask[p.seqOffsets[s]!] = 1;  // TRL's grpo mean counts every row
  const want = referenceGrpoLoss(p);
  const B = 16;
  let sumAll = 0, maskAll = 0, seqMean = 0, maxLen = 0;
  for (let s = 0; s < B; s++) {
    let sl = 0, sm = 0;
    for (let i = p.seqOffsets[s]!; i < p.seqOffsets[s + 1]!; i++) if (p.mask[i]) { sl += want.tokenLoss[i]!; sm++; }
    sumAll += sl;
    maskAll += sm;
    seqMean += sl / Math.max(sm, 1) / B;
    maxLen = Math.max(maxLen, p.seqOffsets[s + 1]! - p.seqOffsets[s]!);
  }
  t.ok(Math.abs(grpoLossSync(p, { aggregation: 'token-mean' }).loss - sumAll / maskAll) < 1e-9, 'TRL dapo/bnpo');
  t.ok(Math.abs(grpoLossSync(p, { aggregation: 'seq-mean-token-mean' }).loss - seqMean) < 1e-7, 'TRL grpo');
  t.ok(Math.abs(grpoLossSync(p, { aggregation: 'seq-mean-token-sum-norm', normConstant: B * maxLen }).loss - sumAll / (B * maxLen)) < 1e-9, 'TRL dr_grpo');
});

t.test('finite differences of the loss match gradLogp', async (t) => {
  for (const aggregation of AGGS) {
    for (const cfg of [{ dualClip: 3, klCoef: 0.2, klType: 'k3' }, { klCoef: 0.3, klType: 'k2', clipHigh: 0.28 }] as GrpoConfig[]) {
      const p = problem(aggregation.length * 3 + 1, 12, 16);
      const full = { ...cfg, aggregation };
      const got = grpoLossSync(p, full);
      // Central differences of the float64 reference loss in logp (perturbing the input the
      // native op read); tokens within h of a kink (clip bounds, clamps) are skipped.
      const h = 1e-6;
      const logp = Float64Array.from(p.logp);
      const inputs: RefInputs = { ...p, logp };
      let checked = 0, worst = 0;
      for (let i = 0; i < logp.length; i++) {
        const x = logp[i]!;
        const f = (v: number) => {
          logp[i] = v;
          return referenceGrpoLoss(inputs, full).loss;
        };
        const fd = (f(x + h) - f(x - h)) / (2 * h);
        const forward = (f(x + 2 * h) - f(x)) / (2 * h);
        logp[i] = x;
        if (Math.abs(fd - forward) > 1e-4 * (1 + Math.abs(fd))) continue;  // a kink within 2h
        worst = Math.max(worst, Math.abs(got.gradLogp[i]! - fd) / (1e-6 + Math.abs(fd)));
        checked++;
      }
      t.ok(checked > logp.length * 0.8, `${aggregation}: ${checked}/${logp.length} tokens away from kinks`);
      t.ok(worst < 1e-4, `${aggregation} ${JSON.stringify(cfg)}: worst relative FD error ${worst}`);
    }
  }
});

t.test('deterministic for any thread count; async equals sync; inputs untouched', async (t) => {
  const p = problem(91, 3000, 64);
  const before = p.logp.slice();
  setThreads(1);
  const one = grpoLossSync(p, { aggregation: 'seq-mean-token-mean', klCoef: 0.01, dualClip: 3 });
  setThreads(2);
  const two = grpoLossSync(p, { aggregation: 'seq-mean-token-mean', klCoef: 0.01, dualClip: 3 });
  setThreads(0);
  t.equal(one.loss, two.loss, 'loss bit-identical');
  t.same(one.stats, two.stats, 'stats bit-identical');
  t.ok(Buffer.from(one.gradLogp.buffer).equals(Buffer.from(two.gradLogp.buffer)), 'gradLogp bit-identical');
  const a = await grpoLoss(p, { aggregation: 'seq-mean-token-mean', klCoef: 0.01, dualClip: 3 });
  t.equal(a.loss, one.loss);
  t.ok(Buffer.from(a.gradLogp.buffer).equals(Buffer.from(one.gradLogp.buffer)), 'async gradLogp');
  t.same(p.logp, before, 'logp not mutated');
  const all = await Promise.all(Array.from({ length: 16 }, () => grpoLoss(p, { aggregation: 'seq-mean-token-mean', klCoef: 0.01, dualClip: 3 })));
  t.ok(all.every((r) => r.loss === one.loss), 'concurrent calls agree');
});

t.test('edge cases: no masked tokens, empty batch, empty sequences', async (t) => {
  const p = problem(3, 10, 8);
  p.mask.fill(0);
  for (const aggregation of AGGS) {
    const r = grpoLossSync(p, { aggregation });
    t.equal(r.loss, 0, `${aggregation}: loss 0`);
    t.ok(r.gradLogp.every((g) => g === 0), `${aggregation}: zero gradient`);
    t.equal(r.stats.tokens, 0);
  }
  const empty = grpoLossSync({
    logp: new Float32Array(0), oldLogp: new Float32Array(0), advantages: new Float32Array(0),
    mask: new Uint8Array(0), seqOffsets: new Int32Array([0]),
  });
  t.equal(empty.loss, 0);
  t.equal(empty.gradLogp.length, 0);
  // NaN on unmasked tokens (padding) is ignored.
  const q = problem(4, 10, 8);
  q.mask[0] = 0;
  q.logp[0] = NaN;
  compare(t, grpoLossSync(q), referenceGrpoLoss(q), 'NaN on an unmasked token');
});

t.test('bad inputs give a TxError with the right code, naming the argument', async (t) => {
  const base = () => ({
    logp: new Float32Array([-1, -2, -3]), oldLogp: new Float32Array([-1, -2, -3]), refLogp: new Float32Array([-1, -2, -3]) as Float32Array | undefined,
    advantages: new Float32Array([1, 1, -1]), mask: new Uint8Array([1, 1, 1]), seqOffsets: new Int32Array([0, 2, 3]),
  });
  const w = (patch: Record<string, unknown>, cfg: GrpoConfig = {}) => () => grpoLossSync({ ...base(), ...patch } as ReturnType<typeof base>, cfg);
  const cases: [string, () => unknown, string, string][] = [
    ['oldLogp length', w({ oldLogp: new Float32Array(2) }), 'E_SHAPE', 'inputs.oldLogp'],
    ['advantages length', w({ advantages: new Float32Array(4) }), 'E_SHAPE', 'inputs.advantages'],
    ['mask length', w({ mask: new Uint8Array(2) }), 'E_SHAPE', 'inputs.mask'],
    ['refLogp length', w({ refLogp: new Float32Array(1) }), 'E_SHAPE', 'inputs.refLogp'],
    ['Float64Array logp', w({ logp: new Float64Array(3) }), 'E_DTYPE', 'inputs.logp'],
    ['Int8Array mask', w({ mask: new Int8Array(3) }), 'E_DTYPE', 'inputs.mask'],
    ['missing advantages', w({ advantages: undefined }), 'E_DTYPE', 'inputs.advantages'],
    ['seqOffsets last != N', w({ seqOffsets: new Int32Array([0, 2, 4]) }), 'E_RANGE', 'inputs.seqOffsets'],
    ['seqOffsets decreasing', w({ seqOffsets: new Int32Array([0, 3, 2, 3]) }), 'E_RANGE', 'inputs.seqOffsets'],
    ['seqOffsets[0] != 0', w({ seqOffsets: new Int32Array([1, 3]) }), 'E_RANGE', 'inputs.seqOffsets[0]'],
    ['Uint32Array seqOffsets', w({ seqOffsets: new Uint32Array([0, 3]) }), 'E_DTYPE', 'inputs.seqOffsets'],
    ['NaN logp on a masked token', w({ logp: new Float32Array([-1, NaN, -3]) }), 'E_RANGE', 'inputs.logp[1]'],
    ['Inf advantage', w({ advantages: new Float32Array([1, 1, Infinity]) }), 'E_RANGE', 'inputs.advantages[2]'],
    ['NaN refLogp', w({ refLogp: new Float32Array([NaN, -2, -3]) }), 'E_RANGE', 'inputs.refLogp[0]'],
    ['-Inf oldLogp', w({ oldLogp: new Float32Array([-1, -2, -Infinity]) }), 'E_RANGE', 'inputs.oldLogp[2]'],
    ['clipLow 1', w({}, { clipLow: 1 }), 'E_RANGE', 'cfg.clipLow'],
    ['clipLow negative', w({}, { clipLow: -0.1 }), 'E_RANGE', 'cfg.clipLow'],
    ['clipHigh NaN', w({}, { clipHigh: NaN }), 'E_RANGE', 'cfg.clipHigh'],
    ['clipHigh string', w({}, { clipHigh: '0.2' as unknown as number }), 'E_RANGE', 'cfg.clipHigh'],
    ['dualClip 1', w({}, { dualClip: 1 }), 'E_RANGE', 'cfg.dualClip'],
    ['dualClip negative', w({}, { dualClip: -3 }), 'E_RANGE', 'cfg.dualClip'],
    ['klCoef negative', w({}, { klCoef: -0.1 }), 'E_RANGE', 'cfg.klCoef'],
    ['klCoef without refLogp', w({ refLogp: undefined }, { klCoef: 0.1 }), 'E_SHAPE', 'inputs.refLogp'],
    ['unknown klType', w({}, { klType: 'k4' as 'k1' }), 'E_RANGE', 'cfg.klType'],
    ['unknown aggregation', w({}, { aggregation: 'sum' as 'token-mean' }), 'E_RANGE', 'cfg.aggregation'],
    ['normConstant 0', w({}, { aggregation: 'seq-mean-token-sum-norm', normConstant: 0 }), 'E_RANGE', 'cfg.normConstant'],
    ['normConstant Inf', w({}, { normConstant: Infinity }), 'E_RANGE', 'cfg.normConstant'],
    ['inputs not an object', () => grpoLossSync(null as unknown as ReturnType<typeof base>), 'E_RANGE', 'inputs'],
  ];
  for (const [label, fn, code, names] of cases) expectTxError(t, fn, code, names, label);
  await t.rejects(grpoLoss({ ...base(), mask: new Uint8Array(1) }), { name: 'TxError', code: 'E_SHAPE' }, 'async rejects');
});

t.test('device tensors', async (t) => {
  if (!devices().cuda.usable) {
    t.comment('no usable CUDA device: CUDA path covered by tx_parity where a GPU exists');
    return;
  }
  const p = problem(55, 200, 64);
  const d = (x: Float32Array | Uint8Array) => DeviceTensor.fromHost({ data: x, shape: [x.length] });
  const inputs = { logp: d(p.logp), oldLogp: d(p.oldLogp), refLogp: d(p.refLogp!), advantages: d(p.advantages), mask: d(p.mask), seqOffsets: p.seqOffsets };
  for (const aggregation of AGGS) {
    const cfg: GrpoConfig = { aggregation, klCoef: 0.05, dualClip: 3 };
    const got = await grpoLoss(inputs, cfg);
    const grad = (await got.gradLogp.toHost()).data as Float32Array;
    const host = grpoLossSync(p, cfg);
    compare(t, { ...host, gradLogp: grad }, referenceGrpoLoss(p, cfg), `cuda ${aggregation}`);
    t.ok(Math.abs(got.loss - host.loss) <= 1e-9 * Math.abs(host.loss) + 1e-12, 'cuda loss = cpu loss');
    got.gradLogp.dispose();
  }
  for (const x of [inputs.logp, inputs.oldLogp, inputs.refLogp, inputs.advantages, inputs.mask]) x.dispose();
});

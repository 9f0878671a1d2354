// Valid argument lists for every exported native op, tiny and random, in two spellings:
// the raw addon's positional form and the TS wrapper's form. The fuzzer mutates these
// (fuzz/values.ts); starting from valid calls keeps most cases one step from the happy
// path, where missing checks hide.
import * as engine from '../../../lib/engine/index.js';
import type { NativeAddon } from '../../../lib/engine/native.js';
import { int, pick, type Rng } from './values.js';

const f32 = (r: Rng, n: number) => Float32Array.from({ length: n }, () => (r() - 0.5) * 4);
const offsets = (r: Rng, groups: number, maxSize: number) => {
  const o = new Int32Array(groups + 1);
  for (let i = 0; i < groups; i++) o[i + 1] = o[i]! + int(r, 0, maxSize);
  return o;
};
const targets = (r: Rng, n: number, v: number) => Int32Array.from({ length: n }, () => (r() < 0.2 ? -100 : int(r, 0, v - 1)));

type Call = (...args: unknown[]) => unknown;

export type OpSpec = {
  name: string;
  /** Raw addon entry points (either form may be absent: sync-only utilities, Promise-only methods). */
  raw: { sync?: Call; async?: Call; construct?: boolean; valid: (r: Rng) => unknown[] };
  /** TS wrappers (absent for utilities without one). */
  wrapper?: { sync: Call; async: Call; valid: (r: Rng) => unknown[] };
  /** Argument words its messages use: an E_SHAPE/E_DTYPE/E_RANGE rejection must contain one. */
  names?: readonly string[];
  /** Frees what a successful construction made (native memory the GC would free late). */
  dispose?: (made: unknown) => void;
  /** Valid argument lists may be rejected (DeviceBuffer without CUDA). */
  validMayFail?: boolean;
};

type Dims = { n: number; v: number; dm: number };

// Each family draws its dims once and builds both spellings from them.
function advantages(r: Rng) {
  const groups = int(r, 1, 4);
  const go = offsets(r, groups, 4);
  const rows = go[groups]!;
  const rewards = f32(r, rows);
  const withSeq = r() < 0.5;
  const so = withSeq ? offsets(r, rows, 3) : undefined;
  const mask = withSeq && r() < 0.5 ? Uint8Array.from({ length: so![rows]! }, () => int(r, 0, 1)) : undefined;
  return { rewards, go, so, mask, mode: int(r, 0, 2), std: int(r, 0, 1) };
}

function logprobDims(r: Rng): Dims {
  return { n: int(r, 0, 4), v: int(r, 1, 5), dm: int(r, 1, 4) };
}

function attnDims(r: Rng) {
  const hkv = int(r, 1, 2);
  const lens = Array.from({ length: int(r, 1, 3) }, () => int(r, 0, 3));
  const cu = new Int32Array(lens.length + 1);
  lens.forEach((l, i) => { cu[i + 1] = cu[i]! + l; });
  return { nt: cu[lens.length]!, hkv, hq: hkv * int(r, 1, 2), d: int(r, 1, 4), cu, causal: r() < 0.5 };
}

export function opSpecs(addon: NativeAddon): OpSpec[] {
  const a = addon as unknown as Record<string, Call>;
  const e = engine as unknown as Record<string, Call>;
  const both = (name: string) => ({ sync: a[`${name}Sync`]!.bind(addon), async: a[name]!.bind(addon) });
  const wrap = (name: string, asyncName = name) => ({ sync: e[`${name}Sync`]!, async: e[asyncName]! });
  const H = (data: Float32Array, shape: number[]) => ({ data, shape });

  return [
    {
      name: 'groupedAdvantages',
      raw: { ...both('groupedAdvantages'), valid: (r) => { const x = advantages(r); return [x.rewards, x.go, x.mode, x.std, 1e-6, x.so, x.mask]; } },
      wrapper: { ...wrap('groupedAdvantages'), valid: (r) => {
        const x = advantages(r);
        return [x.rewards, x.go, { mode: pick(r, ['grpo', 'drgrpo', 'rloo']), std: pick(r, ['unbiased', 'biased']), eps: 1e-6, seqOffsets: x.so, responseMask: x.mask }];
      } },
    },
    {
      name: 'logprobs',
      raw: { ...both('logprobs'), valid: (r) => { const { n, v } = logprobDims(r); return [f32(r, n * v), 0, n, v, targets(r, n, v), 1, -100, r() < 0.5]; } },
      wrapper: { ...wrap('logprobs'), valid: (r) => {
        const { n, v } = logprobDims(r);
        return [H(f32(r, n * v), [n, v]), targets(r, n, v), { temperature: 1, ignoreIndex: -100, entropy: r() < 0.5 }];
      } },
    },
    {
      name: 'logprobsBackward',
      raw: { ...both('logprobsBackward'), valid: (r) => {
        const { n, v } = logprobDims(r);
        return [f32(r, n * v), 0, n, v, targets(r, n, v), f32(r, n), f32(r, n), r() < 0.5 ? f32(r, n) : undefined, 1, -100, r() < 0.3];
      } },
      wrapper: { ...wrap('logprobsBackward'), valid: (r) => {
        const { n, v } = logprobDims(r);
        return [H(f32(r, n * v), [n, v]), targets(r, n, v), f32(r, n), f32(r, n), { gradEntropy: r() < 0.5 ? f32(r, n) : undefined, inPlace: r() < 0.3 }];
      } },
    },
    {
      name: 'linearLogprobs',
      raw: { ...both('linearLogprobs'), valid: (r) => {
        const { n, v, dm } = logprobDims(r);
        return [f32(r, n * dm), f32(r, v * dm), n, dm, v, targets(r, n, v), 1, -100, r() < 0.5];
      } },
      wrapper: { ...wrap('linearLogprobs'), valid: (r) => {
        const { n, v, dm } = logprobDims(r);
        return [H(f32(r, n * dm), [n, dm]), H(f32(r, v * dm), [v, dm]), targets(r, n, v), { entropy: r() < 0.5 }];
      } },
    },
    {
      name: 'linearLogprobsBackward',
      raw: { ...both('linearLogprobsBackward'), valid: (r) => {
        const { n, v, dm } = logprobDims(r);
        return [f32(r, n * dm), f32(r, v * dm), n, dm, v, targets(r, n, v), f32(r, n), f32(r, n), r() < 0.5 ? f32(r, n) : undefined, 1, -100];
      } },
      wrapper: { ...wrap('linearLogprobsBackward'), valid: (r) => {
        const { n, v, dm } = logprobDims(r);
        return [H(f32(r, n * dm), [n, dm]), H(f32(r, v * dm), [v, dm]), targets(r, n, v), f32(r, n), f32(r, n), {}];
      } },
    },
    {
      name: 'attention',
      raw: { ...both('attention'), valid: (r) => {
        const x = attnDims(r);
        return [0, f32(r, x.nt * x.hq * x.d), [x.nt, x.hq, x.d], f32(r, x.nt * x.hkv * x.d), [x.nt, x.hkv, x.d], f32(r, x.nt * x.hkv * x.d), x.cu, x.causal, 0];
      } },
      wrapper: { ...wrap('attention'), valid: (r) => {
        const x = attnDims(r);
        const kv = () => H(f32(r, x.nt * x.hkv * x.d), [x.nt, x.hkv, x.d]);
        return [H(f32(r, x.nt * x.hq * x.d), [x.nt, x.hq, x.d]), kv(), kv(), x.cu, { causal: x.causal }];
      } },
    },
    {
      name: 'attentionBackward',
      raw: { ...both('attentionBackward'), valid: (r) => {
        const x = attnDims(r);
        const q = () => f32(r, x.nt * x.hq * x.d);
        const kv = () => f32(r, x.nt * x.hkv * x.d);
        return [0, q(), [x.nt, x.hq, x.d], kv(), [x.nt, x.hkv, x.d], kv(), q(), f32(r, x.hq * x.nt), q(), x.cu, x.causal, 0];
      } },
      wrapper: { ...wrap('attentionBackward'), valid: (r) => {
        const x = attnDims(r);
        const q = () => H(f32(r, x.nt * x.hq * x.d), [x.nt, x.hq, x.d]);
        const kv = () => H(f32(r, x.nt * x.hkv * x.d), [x.nt, x.hkv, x.d]);
        return [q(), kv(), kv(), q(), H(f32(r, x.hq * x.nt), [x.hq, x.nt]), q(), x.cu, { causal: x.causal }];
      } },
    },
    {
      name: 'decodeAttention',
      raw: { ...both('decodeAttention'), valid: (r) => {
        const x = attnDims(r);
        const b = int(r, 1, 3), t = int(r, 1, 4);
        const lengths = Int32Array.from({ length: b }, () => int(r, 1, t));
        return [0, f32(r, b * x.hq * x.d), [b, x.hq, x.d], f32(r, b * t * x.hkv * x.d), [b, t, x.hkv, x.d], f32(r, b * t * x.hkv * x.d), lengths, 0];
      } },
      wrapper: { ...wrap('decodeAttention'), valid: (r) => {
        const x = attnDims(r);
        const b = int(r, 1, 3), t = int(r, 1, 4);
        const kv = () => H(f32(r, b * t * x.hkv * x.d), [b, t, x.hkv, x.d]);
        return [H(f32(r, b * x.hq * x.d), [b, x.hq, x.d]), kv(), kv(), Int32Array.from({ length: b }, () => int(r, 1, t)), {}];  // the wrapper's scale must be > 0 when given
      } },
    },
    {
      name: 'grpoLoss',
      raw: { ...both('grpoLoss'), valid: (r) => {
        const so = offsets(r, int(r, 1, 3), 3);
        const n = so[so.length - 1]!;
        const ref = r() < 0.5;
        const mask = Uint8Array.from({ length: n }, () => int(r, 0, 1));
        return [f32(r, n), f32(r, n), ref ? f32(r, n) : undefined, f32(r, n), mask, so, 0.2, 0.28, pick(r, [0, 3]), ref ? 0.01 : 0,
          int(r, 0, 2), int(r, 0, 3), r() < 0.5 ? undefined : 4];
      } },
      wrapper: { ...wrap('grpoLoss'), valid: (r) => {
        const so = offsets(r, int(r, 1, 3), 3);
        const n = so[so.length - 1]!;
        const mask = Uint8Array.from({ length: n }, () => int(r, 0, 1));
        return [{ logp: f32(r, n), oldLogp: f32(r, n), advantages: f32(r, n), mask, seqOffsets: so },
          { clipLow: 0.2, clipHigh: 0.28, klCoef: 0, aggregation: pick(r, ['token-mean', 'seq-mean-token-mean']) }];
      } },
    },
    {
      name: 'adamwStep',
      raw: { ...both('adamwStep'), valid: (r) => {
        const p = int(r, 0, 8);
        return [f32(r, p), f32(r, p), new Float32Array(p), new Float32Array(p), 1e-3, 0.9, 0.999, 1e-8, 0.01, int(r, 1, 5), pick(r, [0, 1])];
      } },
      wrapper: { ...wrap('adamwStep'), valid: (r) => {
        const p = int(r, 0, 8);
        return [{ params: f32(r, p), grads: f32(r, p), expAvg: new Float32Array(p), expAvgSq: new Float32Array(p) }, { lr: 1e-3, step: int(r, 1, 5) }];
      } },
    },
    {
      name: 'sample',
      raw: { ...both('sample'), valid: (r) => {
        const rows = int(r, 0, 3), vocab = int(r, 1, 6);
        return [f32(r, rows * vocab), vocab, new Int32Array(rows), Int32Array.from({ length: rows }, (_, i) => i), int(r, 0, 1000), pick(r, [0, 1, 0.7]), int(r, 0, 3), pick(r, [1, 0.9])];
      } },
      wrapper: { ...wrap('sampleTokens'), valid: (r) => {
        const rows = int(r, 0, 3), vocab = int(r, 1, 6);
        return [f32(r, rows * vocab), { vocab, seqIds: new Int32Array(rows), positions: new Int32Array(rows), seed: 7, temperature: 1, topK: 0, topP: 1 }];
      } },
    },
    {
      name: 'gemm',
      raw: { ...both('gemm'), valid: (r) => {
        const m = int(r, 0, 3), n = int(r, 0, 3), k = int(r, 0, 3);
        return [f32(r, m * k), f32(r, k * n), f32(r, m * n), m, n, k, r() < 0.5, r() < 0.5, 1, pick(r, [0, 1]), 0];
      } },
      wrapper: { ...wrap('gemm'), valid: (r) => {
        const m = int(r, 0, 3), n = int(r, 0, 3), k = int(r, 0, 3);
        return [f32(r, m * k), f32(r, k * n), f32(r, m * n), m, n, k, { transA: r() < 0.5, beta: 1 }];
      } },
    },
    // Utilities and the DeviceBuffer constructor: sync only. setThreads stays at 1..2 threads
    // on valid calls (the test restores the original count).
    { name: 'setThreads', raw: { sync: a['setThreads']!.bind(addon), valid: (r) => [int(r, 1, 2)] },
      wrapper: { sync: e['setThreads']!, async: async (...x: unknown[]) => e['setThreads']!(...x), valid: (r) => [int(r, 1, 2)] } },
    { name: 'devices', raw: { sync: a['devices']!.bind(addon), valid: () => [] } },
    { name: 'benchStreamCopy', raw: { sync: a['benchStreamCopy']!.bind(addon), valid: (r) => { const n = int(r, 0, 16); return [new Float32Array(n), f32(r, n)]; } } },
    { name: 'benchStreamRead', raw: { sync: a['benchStreamRead']!.bind(addon), valid: (r) => [f32(r, int(r, 0, 16))] } },
    { name: 'benchOpenblasInfo', raw: { sync: a['benchOpenblasInfo']!.bind(addon), valid: () => [] } },
    { name: 'benchOpenblasSgemm', raw: { sync: a['benchOpenblasSgemm']!.bind(addon), valid: (r) => {
      const m = int(r, 1, 3), n = int(r, 1, 3), k = int(r, 1, 3);
      return [f32(r, m * k), f32(r, k * n), new Float32Array(m * n), m, n, k];
    } } },
    // No CUDA here: every construction must fail with a TxError (E_DEVICE on valid arguments).
    { name: 'DeviceBuffer', validMayFail: true,
      raw: { sync: addon.DeviceBuffer as unknown as Call, construct: true, valid: (r) => [int(r, 0, 64), int(r, 0, 3), 0] } },
  ];
}

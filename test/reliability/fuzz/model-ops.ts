// Valid argument lists of the model ops (rmsNorm, rope, swiglu, embedding, residualAdd and
// their backwards), raw and through the TS wrappers, for the boundary fuzzer. Kept apart
// from ops.ts (the loss/attention/optimizer family) so that each table stays readable.
import * as engine from '../../../lib/engine/index.js';
import type { NativeAddon } from '../../../lib/engine/native.js';
import type { OpSpec } from './ops.js';
import { int, pick, type Rng } from './values.js';

type Call = (...args: unknown[]) => unknown;

const f32 = (r: Rng, n: number) => Float32Array.from({ length: n }, () => (r() - 0.5) * 4);
const ints = (r: Rng, n: number, hi: number) => Int32Array.from({ length: n }, () => int(r, 0, hi - 1));

// Words the ops' messages use for their arguments: a rejection must name one of them.
const NORM = ['x', 'weight', 'rstd', 'gradOut', 'rows', 'dim', 'eps', 'opts'];
const ROPE = ['x', 'gradOut', 'positions', 'tokens', 'heads', 'headDim', 'theta', 'shape', 'opts'];
const GLU = ['gate', 'up', 'gradOut'];
const EMB = ['weight', 'gradOut', 'ids', 'vocab', 'dim'];
const RES = ['a', 'b', 'gradOut'];

function normDims(r: Rng) {
  return { rows: int(r, 0, 4), dim: int(r, 1, 6), eps: pick(r, [1e-6, 1e-5, 0.1]) };
}

function ropeDims(r: Rng) {
  const tokens = int(r, 0, 4), heads = int(r, 1, 3), headDim = 2 * int(r, 1, 3);
  return { tokens, heads, headDim, theta: pick(r, [10000, 1e6, 2]), positions: ints(r, tokens, 64) };
}

function embDims(r: Rng) {
  const vocab = int(r, 1, 6), dim = int(r, 1, 4);
  return { vocab, dim, ids: ints(r, int(r, 0, 5), vocab) };
}

export function modelOpSpecs(addon: NativeAddon): OpSpec[] {
  const a = addon as unknown as Record<string, Call>;
  const e = engine as unknown as Record<string, Call>;
  const both = (name: string) => ({ sync: a[`${name}Sync`]!.bind(addon), async: a[name]!.bind(addon) });
  const wrap = (name: string) => ({ sync: e[`${name}Sync`]!, async: e[name]! });
  // The raw and wrapper spellings agree for most model ops: only the options differ.
  const same = (name: string, names: string[], raw: (r: Rng) => unknown[], wrapper: (r: Rng) => unknown[] = raw): OpSpec => ({
    name, names, raw: { ...both(name), valid: raw }, wrapper: { ...wrap(name), valid: wrapper },
  });

  return [
    same('rmsNorm', NORM,
      (r) => { const x = normDims(r); return [f32(r, x.rows * x.dim), f32(r, x.dim), x.rows, x.dim, x.eps]; },
      (r) => { const x = normDims(r); return [f32(r, x.rows * x.dim), f32(r, x.dim), x.rows, x.dim, { eps: x.eps }]; }),
    same('rmsNormBackward', NORM, (r) => {
      const x = normDims(r);
      return [f32(r, x.rows * x.dim), f32(r, x.dim), f32(r, x.rows), f32(r, x.rows * x.dim), x.rows, x.dim];
    }),
    ...['rope', 'ropeBackward'].map((name) => same(name, ROPE,
      (r) => { const x = ropeDims(r); return [f32(r, x.tokens * x.heads * x.headDim), x.positions, x.tokens, x.heads, x.headDim, x.theta]; },
      (r) => {
        const x = ropeDims(r);
        return [f32(r, x.tokens * x.heads * x.headDim), x.positions, { tokens: x.tokens, heads: x.heads, headDim: x.headDim }, { theta: x.theta }];
      })),
    same('swiglu', GLU, (r) => { const n = int(r, 0, 8); return [f32(r, n), f32(r, n)]; }),
    same('swigluBackward', GLU, (r) => { const n = int(r, 0, 8); return [f32(r, n), f32(r, n), f32(r, n)]; }),
    same('embedding', EMB, (r) => { const x = embDims(r); return [f32(r, x.vocab * x.dim), x.ids, x.vocab, x.dim]; }),
    same('embeddingBackward', EMB, (r) => { const x = embDims(r); return [f32(r, x.ids.length * x.dim), x.ids, x.vocab, x.dim]; }),
    same('residualAdd', RES, (r) => { const n = int(r, 0, 8); return [f32(r, n), f32(r, n)]; }),
    // Host only (no native call): it validates its one argument and copies it twice.
    { name: 'residualAddBackward', names: RES, raw: { sync: e['residualAddBackwardSync']!, valid: (r) => [f32(r, int(r, 0, 8))] } },
  ];
}

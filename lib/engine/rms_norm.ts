// RMSNorm (Qwen2RMSNorm, docs/kernels.md section 8): out = weight * x / sqrt(mean(x^2) + eps) per
// row of `dim`; rstd = 1/sqrt(mean(x^2) + eps) is saved for the backward. A model op,
// exported for tests and benchmarks.
import { native } from './native.js';
import { optsObject, vecArg, wrapVec, type Vec } from './vec.js';

export interface RmsNormOptions {
  eps?: number;  // 1e-6
}

export interface RmsNormResult<V extends Vec = Vec> { out: V; rstd: V }
export interface RmsNormGrads<V extends Vec = Vec> { gradX: V; gradWeight: V }

const fwdArgs = (x: Vec, weight: Vec, rows: number, dim: number, o: RmsNormOptions) =>
  [vecArg(x, 'x'), vecArg(weight, 'weight'), rows, dim, optsObject(o).eps ?? 1e-6] as const;
const bwdArgs = (x: Vec, weight: Vec, rstd: Vec, gradOut: Vec, rows: number, dim: number) =>
  [vecArg(x, 'x'), vecArg(weight, 'weight'), vecArg(rstd, 'rstd'), vecArg(gradOut, 'gradOut'), rows, dim] as const;

export function rmsNormSync<V extends Vec>(x: V, weight: V, rows: number, dim: number, opts: RmsNormOptions = {}): RmsNormResult<V> {
  const r = native().rmsNormSync(...fwdArgs(x, weight, rows, dim, opts));
  return { out: wrapVec(r.out, x), rstd: wrapVec(r.rstd, x) };
}

export async function rmsNorm<V extends Vec>(x: V, weight: V, rows: number, dim: number, opts: RmsNormOptions = {}): Promise<RmsNormResult<V>> {
  const r = await native().rmsNorm(...fwdArgs(x, weight, rows, dim, opts));
  return { out: wrapVec(r.out, x), rstd: wrapVec(r.rstd, x) };
}

export function rmsNormBackwardSync<V extends Vec>(x: V, weight: V, rstd: V, gradOut: V, rows: number, dim: number): RmsNormGrads<V> {
  const r = native().rmsNormBackwardSync(...bwdArgs(x, weight, rstd, gradOut, rows, dim));
  return { gradX: wrapVec(r.gradX, x), gradWeight: wrapVec(r.gradWeight, x) };
}

export async function rmsNormBackward<V extends Vec>(x: V, weight: V, rstd: V, gradOut: V, rows: number, dim: number): Promise<RmsNormGrads<V>> {
  const r = await native().rmsNormBackward(...bwdArgs(x, weight, rstd, gradOut, rows, dim));
  return { gradX: wrapVec(r.gradX, x), gradWeight: wrapVec(r.gradWeight, x) };
}

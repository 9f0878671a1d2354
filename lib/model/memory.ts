// What a native Qwen2 policy needs in memory, stated before anything is allocated: f32
// master weights, gradients and the two AdamW moments (16 bytes per parameter), a bf16
// copy of the weights on CUDA when asked, and the activations planned for maxBatchTokens
// tokens (the formula of native/model/model.cpp plan_floats). On the CPU it is checked
// against the memory this process can have (MemAvailable, or the cgroup limit when lower):
// E_OOM saying what was needed and what fits, instead of a machine driven into swap.
import { freemem } from 'node:os';

import { TxError } from '../errors.js';
import type { Qwen2Config } from './qwen2-config.js';

export interface MemoryPlan {
  params: number;
  /** Bytes by part. */
  weights: number;       // f32 master
  gradients: number;
  adam: number;          // exp_avg + exp_avg_sq
  bf16Copy: number;      // CUDA bf16 forward weights
  activations: number;   // for maxBatchTokens tokens
  total: number;
  device: 'cpu' | 'cuda';
}

/** Parameters of a Qwen2 model (the engine's layout: q/k/v biases, head untied or not). */
export function qwen2ParamCount(c: Required<Qwen2Config>): number {
  const d = c.hidden_size, hd = d / c.num_attention_heads, kv = c.num_key_value_heads * hd, ff = c.intermediate_size;
  const layer = 2 * d + d * d + d + 2 * (kv * d + kv) + d * d + 3 * d * ff;
  return c.vocab_size * d * (c.tie_word_embeddings ? 1 : 2) + c.num_hidden_layers * layer + d;
}

const MATERIALIZE_VOCAB = 4096;  // native/model/head.h kMaterializeVocab: larger heads stream their logits

export function memoryPlan(c: Required<Qwen2Config>, opts: { maxBatchTokens?: number; device?: 'cpu' | 'cuda'; weights?: 'f32' | 'bf16' } = {}): MemoryPlan {
  const n = qwen2ParamCount(c), t = opts.maxBatchTokens ?? 4096;
  const d = c.hidden_size, hd = d / c.num_attention_heads, q = d, kv = c.num_key_value_heads * hd, ff = c.intermediate_size, V = c.vocab_size;
  const perLayer = t * (4 * d + 2 * q + 2 * kv + 3 * ff + 2 + c.num_attention_heads);
  const acts = perLayer * c.num_hidden_layers + t * (3 * d + 1);
  const bwd = t * (3 * d + 2 * q + 2 * kv + 3 * ff) + V * d;
  const activations = 4 * (acts + bwd + t * 4 + (V <= MATERIALIZE_VOCAB ? t * V : 0) + c.max_position_embeddings * hd);
  const device = opts.device ?? 'cpu';
  const bf16Copy = device === 'cuda' && opts.weights === 'bf16' ? 2 * n : 0;
  const plan = { params: n, weights: 4 * n, gradients: 4 * n, adam: 8 * n, bf16Copy, activations, total: 0, device };
  plan.total = plan.weights + plan.gradients + plan.adam + bf16Copy + activations;
  return plan;
}

/** Bytes this process can still allocate: MemAvailable, or the cgroup limit when that is lower. */
export function availableMemory(): number {
  const free = freemem();
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  // Unconstrained processes report 0, undefined or a huge number.
  if (limit === undefined || !(limit > 0) || limit > 2 ** 60) return free;
  return Math.min(free, Math.max(0, limit - process.memoryUsage().rss));
}

const GiB = 1024 ** 3;
const gb = (b: number): string => `${(b / GiB).toFixed(2)} GiB`;

export function describePlan(p: MemoryPlan): string {
  const parts = [`f32 weights ${gb(p.weights)}`, `gradients ${gb(p.gradients)}`, `AdamW moments ${gb(p.adam)}`];
  if (p.bf16Copy > 0) parts.push(`bf16 copy ${gb(p.bf16Copy)}`);
  parts.push(`activations ${gb(p.activations)}`);
  return `${(p.params / 1e6).toFixed(1)}M parameters on ${p.device}: ${gb(p.total)} (${parts.join(', ')})`;
}

/** E_OOM when a CPU plan does not fit in `available` bytes (CUDA memory is checked by the device). */
export function checkMemory(p: MemoryPlan, available: number = availableMemory()): void {
  if (p.device !== 'cpu' || p.total <= available) return;
  const fixed = p.activations;
  const fits = Math.max(0, Math.floor((available - fixed) / 16));
  throw new TxError('E_OOM', `loading needs ${describePlan(p)}; ${gb(available)} is available here, which fits about `
    + `${(fits / 1e6).toFixed(0)}M parameters at 16 bytes each (f32 weights, gradients, AdamW) with these activations; `
    + 'lower maxBatchTokens, free memory or use a smaller model');
}

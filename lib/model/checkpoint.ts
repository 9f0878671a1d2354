// Checkpoints of the native policy model: model.safetensors with Hugging Face Qwen2 tensor
// names (F32; BF16 accepted on load), config.json in Qwen2's names, optimizer.safetensors
// (AdamW moments + step) for resuming, tokenizer.json when the tokenizer is our BPE.
// Every file is written atomically (temp + fsync + rename) with a SHA-256 in its metadata.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { TxError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { bf16ToF32 } from './bf16.js';
import { configJson, resolveConfig, type Qwen2Config } from './qwen2-config.js';
import { readSafetensors, tensorFrom, tensorView, writeSafetensors, type SafeTensor } from './safetensors.js';

export interface ParamEntry { name: string; shape: number[]; offset: number }

export interface CheckpointState {
  params: Float32Array;
  expAvg?: Float32Array;
  expAvgSq?: Float32Array;
  step?: number;
}

export async function writeCheckpoint(dir: string, config: Required<Qwen2Config>, layout: ParamEntry[], s: CheckpointState,
  tokenizerJson?: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors: Record<string, SafeTensor> = {};
  for (const e of layout) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    tensors[e.name] = tensorFrom('F32', e.shape, s.params.subarray(e.offset, e.offset + n));
  }
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  if (s.expAvg && s.expAvgSq) {
    await writeSafetensors(join(dir, 'optimizer.safetensors'), {
      exp_avg: tensorFrom('F32', [s.expAvg.length], s.expAvg),
      exp_avg_sq: tensorFrom('F32', [s.expAvgSq.length], s.expAvgSq),
    }, { step: String(s.step ?? 0) });
  }
  const text = (v: unknown) => [new TextEncoder().encode(JSON.stringify(v, null, 2) + '\n')];
  await writeFileAtomic(join(dir, 'config.json'), text(configJson(config)));
  if (tokenizerJson !== undefined) await writeFileAtomic(join(dir, 'tokenizer.json'), text(tokenizerJson));
}

export async function readConfig(dir: string): Promise<Required<Qwen2Config>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  } catch (e) {
    throw new TxError('E_FORMAT', `${join(dir, 'config.json')}: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new TxError('E_FORMAT', 'config.json must hold an object');
  return resolveConfig(raw as Qwen2Config);
}

/** Parameters in `layout` order from model.safetensors; E_FORMAT naming a missing or misshapen tensor. */
export async function readParams(dir: string, layout: ParamEntry[], total: number): Promise<Float32Array> {
  const file = join(dir, 'model.safetensors');
  const { tensors } = await readSafetensors(file);
  const params = new Float32Array(total);
  for (const e of layout) {
    const t = tensors.get(e.name);
    if (t === undefined) throw new TxError('E_FORMAT', `${file}: tensor ${e.name} is missing`);
    if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i])) {
      throw new TxError('E_FORMAT', `${file}: tensor ${e.name} has shape [${t.shape.join(', ')}], the config needs [${e.shape.join(', ')}]`);
    }
    let data: Float32Array;
    if (t.dtype === 'F32') data = tensorView(t) as Float32Array;
    else if (t.dtype === 'BF16') data = bf16ToF32(tensorView(t) as Uint16Array);
    else throw new TxError('E_FORMAT', `${file}: tensor ${e.name} is ${t.dtype}; F32 or BF16 expected`);
    params.set(data, e.offset);
  }
  return params;
}

export async function readOptimizer(dir: string, total: number): Promise<{ expAvg: Float32Array; expAvgSq: Float32Array; step: number } | undefined> {
  const file = join(dir, 'optimizer.safetensors');
  if (!existsSync(file)) return undefined;
  const { tensors, metadata } = await readSafetensors(file);
  const get = (name: string) => {
    const t = tensors.get(name);
    if (t === undefined || t.dtype !== 'F32' || t.shape.length !== 1 || t.shape[0] !== total) {
      throw new TxError('E_FORMAT', `${file}: ${name} must be F32[${total}]`);
    }
    return Float32Array.from(tensorView(t) as Float32Array);
  };
  const step = Number(metadata.step ?? '0');
  if (!Number.isInteger(step) || step < 0) throw new TxError('E_FORMAT', `${file}: metadata step must be an integer >= 0`);
  return { expAvg: get('exp_avg'), expAvgSq: get('exp_avg_sq'), step };
}

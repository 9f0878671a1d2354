// Checkpoints of the native Qwen2 policy in the layout Hugging Face tools read and write:
// config.json (Qwen2's names), model.safetensors or, past a size, model-0000N-of-0000M
// .safetensors shards with model.safetensors.index.json (F32, BF16 or F16 on load; F32 or
// BF16 on save), generation_config.json and the tokenizer files; optimizer.safetensors
// (AdamW moments per parameter + step) beside them for resuming.
// Reading opens and checks every shard's header (and the index against them) before any
// tensor data is read, then streams tensor by tensor into the model. Every file we write is
// atomic (temp + fsync + rename) with a SHA-256 in safetensors metadata.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { TxError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { bf16ToF32, f16ToF32, f32ToBf16 } from './bf16.js';
import { parseHfConfig, type Qwen2Config, type Qwen2TokenIds } from './qwen2-config.js';
import { numel, type SafetensorsEntry } from './safetensors.js';
import { openSafetensors, writeSafetensorsStream, type OpenedSafetensors, type StreamedTensor } from './safetensors-stream.js';

export interface ParamEntry { name: string; shape: number[]; offset: number }
export type StateName = 'params' | 'expAvg' | 'expAvgSq';

export const INDEX_FILE = 'model.safetensors.index.json';
export const SINGLE_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
/** transformers' save_pretrained default max_shard_size. */
export const DEFAULT_SHARD_BYTES = 5e9;

export async function readConfig(dir: string): Promise<Required<Qwen2Config> & Qwen2TokenIds> {
  const file = join(dir, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new TxError('E_FORMAT', `${file}: ${(e as Error).message}`);
  }
  return parseHfConfig(raw, file);
}

/** Whether `dir` holds weights: model.safetensors or a sharded index. */
export function hasWeights(dir: string): boolean {
  return existsSync(join(dir, SINGLE_FILE)) || existsSync(join(dir, INDEX_FILE));
}

interface WeightFiles {
  files: OpenedSafetensors[];
  /** tensor name -> the file holding it */
  where: Map<string, OpenedSafetensors>;
}

function bad(file: string, why: string): TxError {
  return new TxError('E_FORMAT', `${file}: ${why}`);
}

async function closeAll(files: OpenedSafetensors[]): Promise<void> {
  await Promise.all(files.map((f) => f.close().catch(() => undefined)));
}

/** Opens the weight files of `dir` and checks their headers and the index against each other. */
export async function openWeights(dir: string): Promise<WeightFiles> {
  const indexPath = join(dir, INDEX_FILE);
  if (!existsSync(indexPath)) {
    const single = join(dir, SINGLE_FILE);
    if (!existsSync(single)) throw new TxError('E_STATE', `${dir}: no ${SINGLE_FILE} and no ${INDEX_FILE}`);
    const f = await openSafetensors(single);
    return { files: [f], where: new Map(f.entries.map((e) => [e.name, f])) };
  }
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (e) {
    throw bad(indexPath, `not JSON (${(e as Error).message})`);
  }
  if (typeof index !== 'object' || index === null || Array.isArray(index)) throw bad(indexPath, 'must hold an object');
  const map = (index as Record<string, unknown>)['weight_map'];
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw bad(indexPath, 'weight_map must be an object of tensor name -> file');
  const shardNames = new Set<string>();
  for (const [name, file] of Object.entries(map)) {
    if (typeof file !== 'string' || file !== basename(file) || file === '..' || !file.endsWith('.safetensors')) {
      throw bad(indexPath, `weight_map[${JSON.stringify(name)}] = ${JSON.stringify(file)} is not a .safetensors file name in this folder`);
    }
    shardNames.add(file);
  }
  const files: OpenedSafetensors[] = [];
  try {
    for (const s of [...shardNames].sort()) {
      const path = join(dir, s);
      if (!existsSync(path)) throw bad(indexPath, `shard ${s} (holding ${Object.entries(map).find(([, f]) => f === s)![0]}) does not exist`);
      files.push(await openSafetensors(path));
    }
    const byFile = new Map(files.map((f) => [basename(f.path), f]));
    const where = new Map<string, OpenedSafetensors>();
    for (const [name, file] of Object.entries(map as Record<string, string>)) {
      const f = byFile.get(file)!;
      if (!f.byName.has(name)) throw bad(indexPath, `weight_map puts tensor ${name} in ${file}, which does not hold it`);
      where.set(name, f);
    }
    let total = 0;
    for (const f of files) {
      for (const e of f.entries) {
        const mapped = (map as Record<string, string>)[e.name];
        if (mapped !== basename(f.path)) {
          throw bad(indexPath, `tensor ${e.name} is in ${basename(f.path)} but weight_map ${mapped === undefined ? 'does not list it' : `puts it in ${mapped}`}`);
        }
        total += e.end - e.begin;
      }
    }
    const meta = (index as Record<string, unknown>)['metadata'];
    const declared = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['total_size'] : undefined;
    if (declared !== undefined && declared !== total) throw bad(indexPath, `metadata.total_size ${JSON.stringify(declared)} != ${total} bytes of tensors in the shards`);
    return { files, where };
  } catch (e) {
    await closeAll(files);
    throw e;
  }
}

// Tensors a Hugging Face Qwen2 checkpoint may hold that this model has no slot for, harmlessly.
function ignorable(name: string, tied: boolean): boolean {
  return (tied && name === 'lm_head.weight') || name.endsWith('.rotary_emb.inv_freq');
}

function toF32(e: SafetensorsEntry, bytes: Uint8Array, file: string): Float32Array {
  const n = numel(e.shape);
  if (e.dtype === 'F32') return new Float32Array(bytes.buffer, bytes.byteOffset, n);
  if (e.dtype === 'BF16') return bf16ToF32(new Uint16Array(bytes.buffer, bytes.byteOffset, n));
  if (e.dtype === 'F16') return f16ToF32(new Uint16Array(bytes.buffer, bytes.byteOffset, n));
  throw bad(file, `tensor ${e.name} is ${e.dtype}; F32, BF16 or F16 expected`);
}

/**
 * Checks the weight files against the model's layout (every tensor present, shapes, dtypes,
 * nothing unexpected), then streams each tensor, converted to f32, into `write`.
 */
export async function loadWeights(w: WeightFiles, layout: ParamEntry[], tied: boolean,
  write: (offset: number, data: Float32Array) => void): Promise<void> {
  const want = new Map(layout.map((e) => [e.name, e]));
  for (const e of layout) {
    const f = w.where.get(e.name);
    if (f === undefined) throw new TxError('E_FORMAT', `${w.files.length === 1 ? w.files[0]!.path : INDEX_FILE}: tensor ${e.name} is missing`);
    const t = f.byName.get(e.name)!;
    if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i])) {
      throw bad(f.path, `tensor ${e.name} has shape [${t.shape.join(', ')}], the config needs [${e.shape.join(', ')}]`);
    }
    if (t.dtype !== 'F32' && t.dtype !== 'BF16' && t.dtype !== 'F16') throw bad(f.path, `tensor ${e.name} is ${t.dtype}; F32, BF16 or F16 expected`);
  }
  for (const [name, f] of w.where) if (!want.has(name) && !ignorable(name, tied)) throw bad(f.path, `unexpected tensor ${name} (not a parameter of this Qwen2 config)`);
  for (const f of w.files) {
    await f.stream((name) => want.has(name), (e, bytes) => write(want.get(e.name)!.offset, toF32(e, bytes, f.path)));
  }
}

/** Reads optimizer.safetensors (per-parameter moments, or the older two flat vectors) into `write`; undefined when absent. */
export async function loadOptimizer(dir: string, layout: ParamEntry[], total: number,
  write: (which: 'expAvg' | 'expAvgSq', offset: number, data: Float32Array) => void): Promise<{ step: number } | undefined> {
  const file = join(dir, OPTIMIZER_FILE);
  if (!existsSync(file)) return undefined;
  const f = await openSafetensors(file);
  try {
    const step = Number(f.metadata['step'] ?? '0');
    if (!Number.isInteger(step) || step < 0) throw bad(file, 'metadata step must be an integer >= 0');
    const flat = f.byName.has('exp_avg');
    const slots = new Map<string, { which: 'expAvg' | 'expAvgSq'; offset: number; n: number }>();
    if (flat) {
      slots.set('exp_avg', { which: 'expAvg', offset: 0, n: total });
      slots.set('exp_avg_sq', { which: 'expAvgSq', offset: 0, n: total });
    } else {
      for (const e of layout) {
        slots.set(`exp_avg.${e.name}`, { which: 'expAvg', offset: e.offset, n: numel(e.shape) });
        slots.set(`exp_avg_sq.${e.name}`, { which: 'expAvgSq', offset: e.offset, n: numel(e.shape) });
      }
    }
    for (const [name, s] of slots) {
      const t = f.byName.get(name);
      if (t === undefined || t.dtype !== 'F32' || numel(t.shape) !== s.n) throw bad(file, `${name} must be F32 with ${s.n} elements`);
    }
    for (const e of f.entries) if (!slots.has(e.name)) throw bad(file, `unexpected tensor ${e.name}`);
    await f.stream(() => true, (e, bytes) => {
      const s = slots.get(e.name)!;
      write(s.which, s.offset, new Float32Array(bytes.buffer, bytes.byteOffset, s.n));
    });
    return { step };
  } finally {
    await f.close();
  }
}

export interface WriteOptions {
  /** Weights' dtype on disk (default F32; the optimizer state is always F32). */
  dtype?: 'F32' | 'BF16';
  /** Shards of at most about this many bytes (default 5e9, as transformers). */
  shardBytes?: number;
  /** Write optimizer.safetensors (AdamW moments and step). */
  optimizer?: { step: number };
  /** Extra files written verbatim (tokenizer files, generation_config.json). */
  files?: ReadonlyMap<string, Uint8Array>;
}

/** Model weights (and optimizer state) from `read`, one tensor at a time, with config.json and `files`. */
export async function writeCheckpoint(dir: string, configJson: Record<string, unknown>, layout: ParamEntry[],
  read: (which: StateName, offset: number, n: number) => Float32Array, opts: WriteOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const dtype = opts.dtype ?? 'F32';
  const size = dtype === 'F32' ? 4 : 2;
  const limit = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!(limit > 0)) throw new TxError('E_RANGE', `shardBytes must be > 0, got ${limit}`);
  const shards: ParamEntry[][] = [[]];
  let bytes = 0;
  for (const e of layout) {
    const b = numel(e.shape) * size;
    if (bytes > 0 && bytes + b > limit) {
      shards.push([]);
      bytes = 0;
    }
    shards.at(-1)!.push(e);
    bytes += b;
  }
  const tensor = (e: ParamEntry): StreamedTensor => ({
    name: e.name, dtype, shape: e.shape,
    bytes: () => {
      const f = read('params', e.offset, numel(e.shape));
      const out = dtype === 'F32' ? f : f32ToBf16(f);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
  });
  const names = shards.length === 1 ? [SINGLE_FILE] : shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`);
  for (let i = 0; i < shards.length; i++) await writeSafetensorsStream(join(dir, names[i]!), shards[i]!.map(tensor), { format: 'pt' });
  const text = (v: unknown) => [new TextEncoder().encode(JSON.stringify(v, null, 2) + '\n')];
  if (shards.length > 1) {
    const weightMap: Record<string, string> = {};
    shards.forEach((s, i) => s.forEach((e) => (weightMap[e.name] = names[i]!)));
    const total = layout.reduce((a, e) => a + numel(e.shape) * size, 0);
    await writeFileAtomic(join(dir, INDEX_FILE), text({ metadata: { total_size: total }, weight_map: weightMap }));
  }
  // Weight files of an earlier save in this folder that this one does not replace.
  for (const f of await readdir(dir)) {
    const stale = (f === INDEX_FILE && shards.length === 1) || (/^model-\d{5}-of-\d{5}\.safetensors$/.test(f) && !names.includes(f))
      || (f === SINGLE_FILE && shards.length > 1);
    if (stale) await unlink(join(dir, f));
  }
  if (opts.optimizer) {
    const moments: StreamedTensor[] = [];
    for (const [which, prefix] of [['expAvg', 'exp_avg'], ['expAvgSq', 'exp_avg_sq']] as const) {
      for (const e of layout) {
        moments.push({
          name: `${prefix}.${e.name}`, dtype: 'F32', shape: e.shape,
          bytes: () => {
            const f = read(which, e.offset, numel(e.shape));
            return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
          },
        });
      }
    }
    await writeSafetensorsStream(join(dir, OPTIMIZER_FILE), moments, { step: String(opts.optimizer.step) });
  }
  await writeFileAtomic(join(dir, 'config.json'), text(configJson));
  for (const [name, data] of opts.files ?? []) await writeFileAtomic(join(dir, name), [data]);
}

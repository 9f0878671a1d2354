// safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__": {string: string}}, then the tensor bytes, offsets relative to their start.
// Reading is strict (every tensor in range, no overlap, no hole, sizes matching dtype x
// shape), because a checkpoint that loads wrong is worse than one that does not load.
// We add a SHA-256 in __metadata__ ("toolexpander.sha256") over the tensor index and the
// bytes; it is verified when present, so corruption anywhere is reported, while files
// written by other tools (no checksum) still load.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { TxError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

export const CHECKSUM_KEY = 'toolexpander.sha256';
/** Same limit as the reference implementation: a larger header is refused before parsing. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafeTensor {
  dtype: Dtype;
  shape: number[];
  /** Little-endian bytes, exactly numel x dtype size. */
  data: Uint8Array;
}

export interface SafetensorsContent {
  tensors: Map<string, SafeTensor>;
  /** __metadata__ without our checksum entry. */
  metadata: Record<string, string>;
  /** 'verified' when our checksum was present and matched; 'absent' for files without one. */
  checksum: 'verified' | 'absent';
}

export type TensorInput = Map<string, SafeTensor> | Record<string, SafeTensor>;

type TypedArray = Float64Array | Float32Array | Uint16Array | Int32Array | Int16Array | Int8Array | Uint8Array | BigInt64Array;

const VIEW: Record<Dtype, { new (b: ArrayBuffer, o: number, n: number): TypedArray; BYTES_PER_ELEMENT: number }> = {
  F64: Float64Array, F32: Float32Array, F16: Uint16Array, BF16: Uint16Array, I64: BigInt64Array,
  I32: Int32Array, I16: Int16Array, I8: Int8Array, U8: Uint8Array, BOOL: Uint8Array,
};

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new TxError('E_STATE', 'safetensors: big-endian hosts are not supported');
}

function fmt(where: string, why: string): TxError {
  return new TxError('E_FORMAT', `safetensors${where ? ` ${where}` : ''}: ${why}`);
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A tensor from a typed array (F16/BF16 as Uint16Array bit patterns, I64 as BigInt64Array). */
export function tensorFrom(dtype: Dtype, shape: readonly number[], data: ArrayBufferView): SafeTensor {
  const size = DTYPE_BYTES[dtype];
  if (size === undefined) throw new TxError('E_DTYPE', `safetensors: unknown dtype ${String(dtype)}`);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new TxError('E_SHAPE', `safetensors: bad shape [${shape.join(', ')}]`);
  const bytes = numel(shape) * size;
  if (data.byteLength !== bytes) throw new TxError('E_SHAPE', `safetensors: ${dtype}[${shape.join(', ')}] needs ${bytes} bytes, got ${data.byteLength}`);
  return { dtype, shape: [...shape], data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Typed view of a tensor's data (copied first when its bytes are not aligned for the type). */
export function tensorView(t: SafeTensor): TypedArray {
  const C = VIEW[t.dtype];
  const n = t.data.byteLength / C.BYTES_PER_ELEMENT;
  let d = t.data;
  if (d.byteOffset % C.BYTES_PER_ELEMENT !== 0) {
    // An explicit copy: Buffer#slice would return a view at the same offset.
    d = new Uint8Array(d.byteLength);
    d.set(t.data);
  }
  return new C(d.buffer as ArrayBuffer, d.byteOffset, n);
}

export interface SafetensorsEntry {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

type Entry = SafetensorsEntry;

function digest(entries: readonly Entry[], metadata: Record<string, string>, data: readonly Uint8Array[]): string {
  const h = checksumHash(entries, metadata);
  for (const d of data) h.update(d);
  return h.hex();
}

function entriesOf(tensors: TensorInput): Array<[string, SafeTensor]> {
  return tensors instanceof Map ? [...tensors] : Object.entries(tensors);
}

/** The bytes of a safetensors file: [length, header, data...] (not concatenated, to avoid a copy). */
export function encodeSafetensors(tensors: TensorInput, metadata: Record<string, string> = {}): Uint8Array[] {
  assertLittleEndian();
  const entries: Entry[] = [];
  const data: Uint8Array[] = [];
  let off = 0;
  for (const [name, t] of entriesOf(tensors)) {
    if (name === '__metadata__' || name.length === 0) throw new TxError('E_FORMAT', `safetensors: bad tensor name ${JSON.stringify(name)}`);
    const checked = tensorFrom(t.dtype, t.shape, t.data);
    entries.push({ name, dtype: t.dtype, shape: checked.shape, begin: off, end: off + checked.data.byteLength });
    data.push(checked.data);
    off += checked.data.byteLength;
  }
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TxError('E_FORMAT', `safetensors: metadata ${JSON.stringify(k)} must be a string`);
    if (k !== CHECKSUM_KEY) meta[k] = v;
  }
  meta[CHECKSUM_KEY] = digest(entries, meta, data);
  const header: Record<string, unknown> = { __metadata__: meta };
  for (const e of entries) header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad with spaces (allowed by the format) so the data starts 8-byte aligned: typed views
  // over a file read into an aligned buffer then need no copy.
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  if (pad > 0) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return [len, json, ...data];
}

function parseEntry(src: string, name: string, v: unknown, dataLen: number): Entry {
  const where = `${src} tensor ${JSON.stringify(name)}`.trim();
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fmt(where, 'expected {dtype, shape, data_offsets}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') throw fmt(where, `unknown field ${JSON.stringify(k)}`);
  if (typeof o.dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, o.dtype)) throw fmt(where, `unsupported dtype ${JSON.stringify(o.dtype)}`);
  const dtype = o.dtype as Dtype;
  if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw fmt(where, 'shape must be an array of non-negative integers');
  const shape = o.shape as number[];
  const offs = o.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((x) => Number.isSafeInteger(x) && (x as number) >= 0)) {
    throw fmt(where, 'data_offsets must be [begin, end] non-negative integers');
  }
  const [begin, end] = offs as [number, number];
  if (begin > end) throw fmt(where, `data_offsets [${begin}, ${end}] run backwards`);
  if (end > dataLen) throw fmt(where, `data_offsets [${begin}, ${end}] past the end of the data (${dataLen} bytes): file truncated?`);
  const want = numel(shape) * DTYPE_BYTES[dtype];
  if (end - begin !== want) throw fmt(where, `${dtype}[${shape.join(', ')}] needs ${want} bytes, data_offsets span ${end - begin}`);
  return { name, dtype, shape, begin, end };
}

/** A validated header: tensors in offset order, metadata (checksum entry included). */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
}

/** Header length from the first 8 bytes; E_FORMAT when over the limit or past the file's end. */
export function headerLength(first8: Uint8Array, fileBytes: number, src: string): number {
  if (fileBytes < 8) throw fmt(src, `file truncated: ${fileBytes} bytes, less than the 8-byte header length`);
  const n64 = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) throw fmt(src, `header length ${n64} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const n = Number(n64);
  if (8 + n > fileBytes) throw fmt(src, `file truncated: header says ${n} bytes, file has ${fileBytes - 8} after the length`);
  return n;
}

/** Parses the JSON header and checks every entry against the data length (no hole, no overlap, no tail). */
export function parseHeader(json: Uint8Array, dataLen: number, src: string): SafetensorsHeader {
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(json);
    if (!text.startsWith('{')) throw new Error('does not start with "{"');
    header = JSON.parse(text);
  } catch (e) {
    throw fmt(src, `header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fmt(src, 'header must be a JSON object');
  const entries: Entry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fmt(`${src} __metadata__`.trim(), 'must be an object of strings');
      for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw fmt(`${src} __metadata__`.trim(), `${JSON.stringify(k)} is not a string`);
      metadata = { ...(v as Record<string, string>) };
      continue;
    }
    entries.push(parseEntry(src, name, v, dataLen));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of entries) {
    const where = `${src} tensor ${JSON.stringify(e.name)}`.trim();
    if (e.begin < pos) throw fmt(where, `data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (ends at ${pos})`);
    if (e.begin > pos) throw fmt(where, `data_offsets [${e.begin}, ${e.end}] leave a hole after byte ${pos}`);
    pos = e.end;
  }
  if (pos !== dataLen) throw fmt(src, `${dataLen - pos} bytes after the last tensor (data should end at ${pos})`);
  return { entries, metadata };
}

/** Our checksum over an index and the data chunks (in offset order). */
export function checksumHash(entries: readonly SafetensorsEntry[], metadata: Record<string, string>): { update(d: Uint8Array): void; hex(): string } {
  const h = createHash('sha256');
  const meta = Object.keys(metadata).sort().map((k) => [k, metadata[k]]);
  h.update(JSON.stringify({ metadata: meta, tensors: entries.map((e) => [e.name, e.dtype, e.shape, [e.begin, e.end]]) }));
  h.update('\0');
  return { update: (d) => void h.update(d), hex: () => h.digest('hex') };
}

/** Parses and validates a whole file held in memory. Tensor data are views into `buf`. */
export function decodeSafetensors(buf: Uint8Array, opts: { source?: string } = {}): SafetensorsContent {
  assertLittleEndian();
  const src = opts.source ? `(${opts.source})` : '';
  const n = headerLength(buf.subarray(0, 8), buf.length, src);
  const dataLen = buf.length - 8 - n;
  const { entries, metadata } = parseHeader(buf.subarray(8, 8 + n), dataLen, src);

  const data = buf.subarray(8 + n);
  const stored = metadata[CHECKSUM_KEY];
  delete metadata[CHECKSUM_KEY];
  let checksum: SafetensorsContent['checksum'] = 'absent';
  if (stored !== undefined) {
    const got = digest(entries, metadata, [data]);
    if (got !== stored) throw fmt(src, `checksum mismatch (stored ${stored.slice(0, 16)}..., computed ${got.slice(0, 16)}...): the file is corrupt`);
    checksum = 'verified';
  }
  const tensors = new Map<string, SafeTensor>();
  // Keep the header's order (offset order here, which is how tools write them).
  for (const e of entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: data.subarray(e.begin, e.end) });
  return { tensors, metadata, checksum };
}

/** Writes atomically (temp file in the same directory, fsync, rename). */
export async function writeSafetensors(path: string, tensors: TensorInput, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(path: string): Promise<SafetensorsContent> {
  // A missing or unreadable file keeps Node's own error (ENOENT, EACCES): not a format issue.
  const buf = await readFile(path);
  // readFile's buffer may be a slice of a pooled one; copy to offset 0 so that the 8-byte
  // aligned data of our files gives aligned typed views.
  let own: Uint8Array = buf;
  if (buf.byteOffset % 8 !== 0) {
    own = new Uint8Array(buf.byteLength);
    own.set(buf);
  }
  return decodeSafetensors(own, { source: path });
}

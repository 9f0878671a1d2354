// safetensors read and written tensor by tensor through a file handle: a checkpoint of
// several GB never sits whole in memory. The header is read and checked (every entry in range,
// no hole, no overlap, the file's size matching) before any tensor data is read. Our SHA-256
// (safetensors.ts) is verified as the tensors stream past, in file order.
import { open, stat, type FileHandle } from 'node:fs/promises';

import { TxError } from '../errors.js';
import { writeAll, writeFileAtomicWith } from '../util/atomic-write.js';
import {
  CHECKSUM_KEY, DTYPE_BYTES, checksumHash, headerLength, numel, parseHeader, type Dtype, type SafetensorsEntry,
} from './safetensors.js';

export interface OpenedSafetensors {
  path: string;
  /** Tensors in file (offset) order. */
  entries: SafetensorsEntry[];
  byName: Map<string, SafetensorsEntry>;
  /** __metadata__ without our checksum. */
  metadata: Record<string, string>;
  checksum: 'present' | 'absent';
  close(): Promise<void>;
  /**
   * Reads every tensor in file order, calling `use` with its bytes (an 8-byte aligned buffer
   * of its own) for the names `want` accepts; the others are read only when the checksum
   * needs them. Verifies the checksum at the end (E_FORMAT naming the file on mismatch).
   */
  stream(want: (name: string) => boolean, use: (e: SafetensorsEntry, bytes: Uint8Array) => void | Promise<void>): Promise<void>;
}

function fmt(path: string, why: string): TxError {
  return new TxError('E_FORMAT', `safetensors (${path}): ${why}`);
}

async function readExactly(fh: FileHandle, into: Uint8Array, position: number, path: string, what: string): Promise<void> {
  let off = 0;
  while (off < into.length) {
    const { bytesRead } = await fh.read(into, off, into.length - off, position + off);
    if (bytesRead === 0) throw fmt(path, `${what}: file truncated at byte ${position + off}`);
    off += bytesRead;
  }
}

/** Opens and validates the header; the caller closes (stream() does not). Missing files keep Node's ENOENT. */
export async function openSafetensors(path: string): Promise<OpenedSafetensors> {
  const size = (await stat(path)).size;
  const fh = await open(path, 'r');
  try {
    const first = new Uint8Array(8);
    if (size >= 8) await readExactly(fh, first, 0, path, 'header length');
    const n = headerLength(first, size, `(${path})`);
    const json = new Uint8Array(n);
    await readExactly(fh, json, 8, path, 'header');
    const { entries, metadata } = parseHeader(json, size - 8 - n, `(${path})`);
    const stored = metadata[CHECKSUM_KEY];
    delete metadata[CHECKSUM_KEY];
    const base = 8 + n;
    const byName = new Map(entries.map((e) => [e.name, e]));
    const stream: OpenedSafetensors['stream'] = async (want, use) => {
      const h = stored === undefined ? undefined : checksumHash(entries, metadata);
      for (const e of entries) {
        const needed = want(e.name);
        if (!needed && h === undefined) continue;
        // An ArrayBuffer of its own: 8-byte aligned whatever the tensor's offset in the file.
        const bytes = new Uint8Array(new ArrayBuffer(e.end - e.begin));
        await readExactly(fh, bytes, base + e.begin, path, `tensor ${e.name}`);
        h?.update(bytes);
        if (needed) await use(e, bytes);
      }
      if (h !== undefined) {
        const got = h.hex();
        if (got !== stored) throw fmt(path, `checksum mismatch (stored ${stored!.slice(0, 16)}..., computed ${got.slice(0, 16)}...): the file is corrupt`);
      }
    };
    return { path, entries, byName, metadata, checksum: stored === undefined ? 'absent' : 'present', close: () => fh.close(), stream };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

export interface StreamedTensor {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** The tensor's bytes, asked for once, in order, while the file is written. */
  bytes: () => Uint8Array | Promise<Uint8Array>;
}

/**
 * Writes a safetensors file atomically from tensors produced one at a time. The header is
 * written first with a placeholder checksum of the same length, the data streamed and
 * hashed, then the header rewritten in place with the real checksum.
 */
export async function writeSafetensorsStream(path: string, tensors: readonly StreamedTensor[], metadata: Record<string, string> = {},
  opts: { checksum?: boolean } = {}): Promise<void> {
  const withSum = opts.checksum ?? true;  // false: a file as other tools write it (tests)
  const entries: SafetensorsEntry[] = [];
  let off = 0;
  for (const t of tensors) {
    const size = DTYPE_BYTES[t.dtype];
    if (size === undefined) throw new TxError('E_DTYPE', `safetensors: unknown dtype ${String(t.dtype)}`);
    const bytes = numel(t.shape) * size;
    entries.push({ name: t.name, dtype: t.dtype, shape: [...t.shape], begin: off, end: off + bytes });
    off += bytes;
  }
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (k !== CHECKSUM_KEY) meta[k] = v;
  const headerBytes = (sum: string): Uint8Array => {
    const header: Record<string, unknown> = { __metadata__: withSum ? { ...meta, [CHECKSUM_KEY]: sum } : meta };
    for (const e of entries) header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] };
    let json = Buffer.from(JSON.stringify(header), 'utf8');
    const pad = (8 - ((8 + json.length) % 8)) % 8;  // data 8-byte aligned, as encodeSafetensors
    if (pad > 0) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
    const out = Buffer.alloc(8 + json.length);
    out.writeBigUInt64LE(BigInt(json.length));
    json.copy(out, 8);
    return out;
  };
  const placeholder = headerBytes('0'.repeat(64));
  await writeFileAtomicWith(path, async (fh) => {
    await writeAll(fh, placeholder, 0);
    const h = checksumHash(entries, meta);
    let pos = placeholder.length;
    for (let i = 0; i < tensors.length; i++) {
      const b = await tensors[i]!.bytes();
      const e = entries[i]!;
      if (b.byteLength !== e.end - e.begin) throw new TxError('E_SHAPE', `safetensors: ${e.name} ${e.dtype}[${e.shape.join(', ')}] needs ${e.end - e.begin} bytes, got ${b.byteLength}`);
      h.update(b);
      await writeAll(fh, b, pos);
      pos += b.byteLength;
    }
    const final = headerBytes(h.hex());
    if (final.length !== placeholder.length) throw new TxError('E_STATE', 'safetensors: header length changed while writing');
    await writeAll(fh, final, 0);
  });
}

import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHECKSUM_KEY, bf16ToF32, decodeSafetensors, encodeSafetensors, f32ToBf16, readSafetensors, tensorFrom, tensorView, writeSafetensors,
} from '../../lib/model/index.js';
import { bf16Round } from '../../lib/model/bf16.js';
import { rng } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'tx-safetensors-'));
const E_FORMAT = (re: RegExp) => ({ name: 'TxError', code: 'E_FORMAT', message: re });

function sample() {
  const r = rng(42);
  const w = new Float32Array(6 * 5).map(() => (r() - 0.5) * 1e3);
  w[0] = -0; w[1] = Number.POSITIVE_INFINITY; w[2] = Number.NaN; w[3] = 1e-45; // bit patterns that must survive
  return {
    'model.embed_tokens.weight': tensorFrom('F32', [6, 5], w),
    'model.layers.0.self_attn.q_proj.weight': tensorFrom('BF16', [3, 2], f32ToBf16(Float32Array.of(1, -2.5, 3.14159, 1e30, -1e-30, 0.1))),
    'positions': tensorFrom('I32', [4], Int32Array.of(0, -1, 2147483647, -2147483648)),
    'mask': tensorFrom('U8', [2, 3], Uint8Array.of(0, 1, 255, 7, 8, 9)),
    'scalar': tensorFrom('F32', [], Float32Array.of(2)),
    'empty': tensorFrom('F32', [0, 4], new Float32Array(0)),
  };
}

t.test('round trip is bit-exact, atomic, 8-byte aligned', async (t) => {
  const path = join(dir, 'model.safetensors');
  const tensors = sample();
  await writeSafetensors(path, tensors, { format: 'pt', note: 'x' });
  t.same(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
  const back = await readSafetensors(path);
  t.equal(back.checksum, 'verified');
  t.same(back.metadata, { format: 'pt', note: 'x' });
  t.same([...back.tensors.keys()].sort(), Object.keys(tensors).sort());
  for (const [name, want] of Object.entries(tensors)) {
    const got = back.tensors.get(name)!;
    t.equal(got.dtype, want.dtype, name);
    t.same(got.shape, want.shape, name);
    t.equal(Buffer.compare(got.data, want.data), 0, `${name} bytes`);
  }
  const emb = tensorView(back.tensors.get('model.embed_tokens.weight')!) as Float32Array;
  t.ok(Object.is(emb[0], -0) && emb[1] === Infinity && Number.isNaN(emb[2]) && emb[3]! > 0);
  t.same(Array.from(tensorView(back.tensors.get('positions')!) as Int32Array), [0, -1, 2147483647, -2147483648]);
  const raw = readFileSync(path);
  t.equal((8 + Number(raw.readBigUInt64LE(0))) % 8, 0, 'data starts 8-byte aligned');
  // Overwrite in place: still atomic, the new content wins.
  await writeSafetensors(path, { a: tensorFrom('U8', [1], Uint8Array.of(5)) });
  t.same([...(await readSafetensors(path)).tensors.keys()], ['a']);
});

t.test('bf16 conversion rounds to nearest even', async (t) => {
  t.equal(bf16Round(1), 1);
  t.equal(bf16Round(1 + 2 ** -8), 1, 'tie to even (down)');
  t.equal(bf16Round(1 + 3 * 2 ** -8), 1 + 2 ** -6, 'tie to even (up)');
  t.ok(Number.isNaN(bf16Round(NaN)));
  t.equal(bf16Round(Infinity), Infinity);
  t.same(Array.from(bf16ToF32(f32ToBf16(Float32Array.of(0.5, -3)))), [0.5, -3]);
});

t.test('a file written by hand per the spec is read', async (t) => {
  // Header as PyTorch's safetensors writes it (no checksum), tensors out of header order,
  // padded with spaces.
  const header = '{"b":{"dtype":"I32","shape":[2],"data_offsets":[8,16]},"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}  ';
  const h = Buffer.from(header, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  const data = Buffer.alloc(16);
  data.writeFloatLE(1.5, 0); data.writeFloatLE(-2, 4); data.writeInt32LE(7, 8); data.writeInt32LE(-9, 12);
  const path = join(dir, 'hand.safetensors');
  writeFileSync(path, Buffer.concat([len, h, data]));
  const f = await readSafetensors(path);
  t.equal(f.checksum, 'absent');
  t.same(f.metadata, { format: 'pt' });
  t.same(Array.from(tensorView(f.tensors.get('a')!) as Float32Array), [1.5, -2]);
  t.same(f.tensors.get('a')!.shape, [1, 2]);
  t.same(Array.from(tensorView(f.tensors.get('b')!) as Int32Array), [7, -9], 'unaligned view is copied');
});

t.test('corrupt, truncated and malformed files are refused with TxError', async (t) => {
  const good = Buffer.concat(encodeSafetensors(sample(), { format: 'pt' }));
  const n = Number(good.readBigUInt64LE(0));
  const withHeader = (obj: unknown, data = Buffer.alloc(0)): Buffer => {
    const h = Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj));
    const l = Buffer.alloc(8);
    l.writeBigUInt64LE(BigInt(h.length));
    return Buffer.concat([l, h, data]);
  };
  const cases: Array<[string, Buffer, RegExp]> = [
    ['empty file', Buffer.alloc(0), /truncated/],
    ['truncated length', good.subarray(0, 5), /truncated/],
    ['truncated header', good.subarray(0, 8 + n - 3), /truncated/],
    ['truncated data', good.subarray(0, good.length - 1), /tensor ".*".*truncated|bytes after/],
    ['trailing bytes', Buffer.concat([good, Buffer.alloc(4)]), /4 bytes after the last tensor/],
    ['oversized header', (() => { const b = Buffer.from(good); b.writeBigUInt64LE(1n << 40n, 0); return b; })(), /exceeds the limit/],
    ['header length past the file', (() => { const b = Buffer.from(good); b.writeBigUInt64LE(BigInt(good.length), 0); return b; })(), /truncated/],
    ['flipped data byte', (() => { const b = Buffer.from(good); b[b.length - 20]! ^= 1; return b; })(), /checksum mismatch/],
    ['not JSON', withHeader('{"a": '), /not valid UTF-8 JSON/],
    ['not an object', withHeader('[]'), /not valid UTF-8 JSON|must be a JSON object/],
    ['bad UTF-8', withHeader('{"a":1}').fill(0xff, 9, 10), /not valid UTF-8 JSON/],
    ['unknown dtype', withHeader({ w: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, Buffer.alloc(1)), /tensor "w".*dtype/],
    ['bad shape', withHeader({ w: { dtype: 'U8', shape: [-1], data_offsets: [0, 1] } }, Buffer.alloc(1)), /tensor "w".*shape/],
    ['size mismatch', withHeader({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, Buffer.alloc(4)), /tensor "w".*needs 8 bytes/],
    ['offsets backwards', withHeader({ w: { dtype: 'U8', shape: [0], data_offsets: [4, 0] } }, Buffer.alloc(4)), /tensor "w".*backwards/],
    ['offsets past the end', withHeader({ w: { dtype: 'U8', shape: [8], data_offsets: [0, 8] } }, Buffer.alloc(4)), /tensor "w".*past the end/],
    ['overlap', withHeader({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, b: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, Buffer.alloc(4)), /tensor "b".*overlap/],
    ['hole', withHeader({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'U8', shape: [2], data_offsets: [3, 5] } }, Buffer.alloc(5)), /tensor "b".*hole/],
    ['extra field', withHeader({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1], x: 1 } }, Buffer.alloc(1)), /tensor "a".*unknown field/],
    ['metadata not strings', withHeader({ __metadata__: { a: 1 } }), /__metadata__/],
  ];
  // A header whose tensor table was edited (F32 -> I32, same size) is caught by the checksum.
  const edited = Buffer.from(good);
  const at = edited.indexOf('"dtype":"F32"');
  edited.write('"dtype":"I32"', at);
  cases.push(['edited dtype', edited, /checksum mismatch/]);
  for (const [name, buf, re] of cases) {
    t.throws(() => decodeSafetensors(buf), E_FORMAT(re), name);
  }
  const path = join(dir, 'bad.safetensors');
  writeFileSync(path, good.subarray(0, good.length - 10));
  await t.rejects(readSafetensors(path), E_FORMAT(/bad\.safetensors/), 'the file name is in the message');
  await t.rejects(readSafetensors(join(dir, 'missing.safetensors')), { code: 'ENOENT' });
});

t.test('bad input to the writer', async (t) => {
  t.throws(() => tensorFrom('F32', [3], new Float32Array(2)), { name: 'TxError', code: 'E_SHAPE' });
  t.throws(() => tensorFrom('F32', [1.5], new Float32Array(2)), { name: 'TxError', code: 'E_SHAPE' });
  t.throws(() => tensorFrom('X' as never, [1], new Float32Array(1)), { name: 'TxError', code: 'E_DTYPE' });
  t.throws(() => encodeSafetensors({ __metadata__: tensorFrom('U8', [1], new Uint8Array(1)) }), { name: 'TxError', code: 'E_FORMAT' });
  t.throws(() => encodeSafetensors({}, { a: 1 as never }), { name: 'TxError', code: 'E_FORMAT' });
  // A caller-supplied checksum entry is replaced by the real one.
  const f = decodeSafetensors(Buffer.concat(encodeSafetensors({}, { [CHECKSUM_KEY]: 'bogus' })));
  t.equal(f.checksum, 'verified');
  t.same(f.metadata, {});
  await t.rejects(writeSafetensors(join(dir, 'no-such-dir', 'x.safetensors'), {}), { code: 'ENOENT' });
});

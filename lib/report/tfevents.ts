// TensorBoard event files written directly (no TensorFlow, no Python): a file of TFRecords,
// each an `Event` protocol buffer (tensorflow/core/util/event.proto):
//   record = uint64 length (LE) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
//   Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5;
//           SessionLog session_log = 6; }
//   Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
//   SessionLog { SessionStatus status = 1; }  (START = 1)
// Only the fields written here are encoded, by hand: they are five wire-format rules.

import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { maskedCrc32c } from './crc32c.js';

export type Scalar = { tag: string; value: number };

// ---- protobuf wire format (the subset the Event message needs) ----
function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
function lengthDelimited(field: number, bytes: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...key(field, 2), ...varint(bytes.length)]), bytes]);
}
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}
function fixed64Double(field: number, x: number): Uint8Array {
  const b = new Uint8Array(9);
  b[0] = (field << 3) | 1;
  new DataView(b.buffer).setFloat64(1, x, true);
  return b;
}
function fixed32Float(field: number, x: number): Uint8Array {
  const b = new Uint8Array(5);
  b[0] = (field << 3) | 5;
  new DataView(b.buffer).setFloat32(1, x, true);
  return b;
}

export type EventBody = { fileVersion: string } | { scalars: readonly Scalar[] } | { sessionStart: true };

/** One serialized Event. */
export function encodeEvent(wallTime: number, step: number, body: EventBody): Uint8Array {
  const parts: Uint8Array[] = [fixed64Double(1, wallTime), Uint8Array.from([...key(2, 0), ...varint(step)])];
  if ('fileVersion' in body) parts.push(lengthDelimited(3, new TextEncoder().encode(body.fileVersion)));
  else if ('scalars' in body) {
    const values = body.scalars.map((s) => lengthDelimited(1, concat([lengthDelimited(1, new TextEncoder().encode(s.tag)), fixed32Float(2, s.value)])));
    parts.push(lengthDelimited(5, concat(values)));
  } else parts.push(lengthDelimited(6, Uint8Array.from([...key(1, 0), ...varint(1)])));
  return concat(parts);
}

/** One TFRecord around `data`. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const head = new Uint8Array(12);
  const view = new DataView(head.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(head.subarray(0, 8)), true);
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, maskedCrc32c(data), true);
  return concat([head, data, tail]);
}

let fileCounter = 0;

/**
 * An events file in `dir` (created if needed), named as TensorFlow names them so that
 * `tensorboard --logdir` finds it; it starts with the file_version event.
 */
export class EventFileWriter {
  readonly path: string;
  private fd: number;

  constructor(dir: string, private readonly now: () => number = () => Date.now() / 1000) {
    mkdirSync(dir, { recursive: true });
    // Seconds, host, pid and a counter: two writers in one second never share a file.
    this.path = join(dir, `events.out.tfevents.${Math.floor(this.now())}.${hostname()}.${process.pid}.${fileCounter++}`);
    this.fd = openSync(this.path, 'wx');
    this.write(0, { fileVersion: 'brain.Event:2' });
  }

  write(step: number, body: EventBody): void {
    if (this.fd < 0) return;
    const rec = tfRecord(encodeEvent(this.now(), step, body));
    let off = 0;
    while (off < rec.length) off += writeSync(this.fd, rec, off, rec.length - off);
  }

  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}

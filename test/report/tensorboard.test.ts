// The TensorBoard sink, read back by a decoder that shares no code with the writer: TFRecord
// framing with its own bitwise CRC-32C, and the Event protobuf decoded by protobufjs from
// the field numbers of TensorFlow's event.proto / summary.proto. A short training run with
// report.sinks ["jsonl", "tensorboard"] must yield every logged scalar of metrics.jsonl.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import t from 'tap';

import { TxError } from '../../lib/errors.js';
import { readMetrics, TensorBoardSink, type MetricsRecord } from '../../lib/report/index.js';
import { runTraining } from '../../lib/rl/index.js';
import { createPolicy } from '../helpers/table-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'tx-tb-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// The messages as TensorFlow defines them (only the fields a scalar log uses).
const root = protobuf.parse(`
syntax = "proto3";
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what { string file_version = 3; Summary summary = 5; SessionLog session_log = 6; }
}
message Summary {
  message Value { string tag = 1; oneof value { float simple_value = 2; } }
  repeated Value value = 1;
}
message SessionLog { enum SessionStatus { STATUS_UNSPECIFIED = 0; START = 1; STOP = 2; CHECKPOINT = 3; } SessionStatus status = 1; }
`).root;
const EventType = root.lookupType('Event');

// CRC-32C bit by bit (the writer uses a table), then TFRecord's mask.
function crc32cBitwise(data: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return ~c >>> 0;
}
const mask = (c: number) => (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;

type DecodedEvent = { wallTime: number; step: number; fileVersion?: string; scalars?: { tag: string; value: number }[]; sessionStatus?: number };

function decodeFile(path: string): DecodedEvent[] {
  const buf = readFileSync(path);
  const events: DecodedEvent[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new Error(`${path}: torn header at ${off}`);
    const len = Number(buf.readBigUInt64LE(off));
    if (buf.readUInt32LE(off + 8) !== mask(crc32cBitwise(buf.subarray(off, off + 8)))) throw new Error(`length CRC mismatch at ${off}`);
    const data = buf.subarray(off + 12, off + 12 + len);
    if (data.length !== len || off + 16 + len > buf.length) throw new Error(`torn record at ${off}`);
    if (buf.readUInt32LE(off + 12 + len) !== mask(crc32cBitwise(data))) throw new Error(`data CRC mismatch at ${off}`);
    off += 16 + len;
    const e = EventType.toObject(EventType.decode(data), { longs: Number, enums: Number }) as {
      wallTime: number; step?: number; fileVersion?: string; summary?: { value?: { tag: string; simpleValue: number }[] }; sessionLog?: { status?: number };
    };
    events.push({
      wallTime: e.wallTime, step: e.step ?? 0, fileVersion: e.fileVersion,
      scalars: e.summary?.value?.map((v) => ({ tag: v.tag, value: v.simpleValue })),
      sessionStatus: e.sessionLog === undefined ? undefined : (e.sessionLog.status ?? 0),
    });
  }
  return events;
}

/** What metrics.jsonl says TensorBoard must show: tag@step -> value (as float32). */
function expectedScalars(records: readonly MetricsRecord[]): Map<string, number> {
  const m = new Map<string, number>();
  const put = (tag: string, step: number, v: number) => m.set(`${tag}@${step}`, Math.fround(v));
  for (const r of records) {
    if (r.type === 'eval') {
      put('eval/accuracy', r.step, r.accuracy);
      for (const [split, s] of Object.entries(r.splits)) {
        put(`eval/${split}/accuracy`, r.step, s.accuracy);
        for (const [cat, a] of Object.entries(s.byCategory)) put(`eval/${split}/${cat}/accuracy`, r.step, a.accuracy);
      }
      continue;
    }
    for (const [k, v] of Object.entries(r)) {
      if (k === 'type' || k === 'step') continue;
      if (typeof v === 'number') put(`train/${k}`, r.step + 1, v);
      if (Array.isArray(v)) v.forEach((x, i) => put(`train/${k}/${i + 1}`, r.step + 1, x as number));
    }
  }
  return m;
}

t.test('a run with the tensorboard sink: every scalar of metrics.jsonl is in the events file', async (t) => {
  const out = join(dir, 'run');
  await runTraining({
    preset: 'toolexpander', out, policy: createPolicy, progress: false,
    overrides: {
      steps: 6, batchSize: 8, groupSize: 4, lr: 4, eval: { every: 3, size: 12 }, checkpoint: { every: 3 },
      data: { source: 'synthetic', trainSize: 40 }, report: { sinks: ['jsonl', 'tensorboard'] },
    },
  });
  const files = readdirSync(join(out, 'tensorboard'));
  t.equal(files.length, 1, 'one events file');
  t.match(files[0], /^events\.out\.tfevents\.\d+\./, 'named as TensorFlow names them (tensorboard --logdir finds it)');
  const events = decodeFile(join(out, 'tensorboard', files[0]!));
  t.equal(events[0]?.fileVersion, 'brain.Event:2', 'starts with the file_version event');
  const got = new Map<string, number>();
  for (const e of events) for (const s of e.scalars ?? []) got.set(`${s.tag}@${e.step}`, s.value);
  const records = readMetrics(join(out, 'metrics.jsonl'));
  const want = expectedScalars(records);
  t.ok(records.filter((r) => r.type === 'step').length === 6 && records.some((r) => r.type === 'eval'), 'steps and evaluations were logged');
  t.ok(want.size > 6 * 25, `${want.size} scalars expected`);
  const missing = [...want].filter(([k, v]) => !Object.is(got.get(k), v));
  t.same(missing.slice(0, 5), [], `every one of the ${want.size} scalars found with its value`);
  t.equal(got.size, want.size, 'and nothing else');
  t.ok(events.every((e) => e.wallTime > 1.6e9 && e.wallTime < 1e10), 'wall times in seconds since the epoch');
  t.match(readFileSync(join(out, 'config.json'), 'utf8'), /"sinks": \[\s*"jsonl",\s*"tensorboard"\s*\]/, 'the sinks are recorded in the run config');
});

t.test('a resumed sink marks the restart with a SessionLog START at the resume step', async (t) => {
  const sub = join(dir, 'resume');
  const sink = new TensorBoardSink(sub, { resumeStep: 9, now: () => 1_700_000_000.5 });
  sink.write({ type: 'eval', step: 12, accuracy: 0.25, splits: { test: { n: 4, correct: 1, accuracy: 0.25, byCategory: {} } } });
  sink.close();
  const events = decodeFile(sink.path);
  t.same(events.map((e) => [e.step, e.fileVersion ?? null, e.sessionStatus ?? null]), [[0, 'brain.Event:2', null], [9, null, 1], [12, null, null]]);
  t.same(events[2]?.scalars, [{ tag: 'eval/accuracy', value: 0.25 }, { tag: 'eval/test/accuracy', value: 0.25 }]);
  t.equal(events[1]?.wallTime, 1_700_000_000.5, 'wall time is a double');
});

t.test('report.sinks: jsonl must stay on, unknown sinks are refused', async (t) => {
  const run = (sinks: unknown) => runTraining({
    preset: 'grpo', out: join(dir, `bad-${String(sinks)}`), policy: createPolicy, progress: false,
    overrides: { steps: 1, report: { sinks } as never },
  });
  await t.rejects(run(['tensorboard']), new TxError('E_FORMAT', 'config: config.report.sinks must include "jsonl" (resume and report.html read metrics.jsonl)'));
  await t.rejects(run(['jsonl', 'wandb']), /config\.report\.sinks\.1 must be one of \["jsonl","tensorboard"\]/);
});

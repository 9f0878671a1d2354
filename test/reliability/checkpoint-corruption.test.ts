// A corrupt or truncated checkpoint is detected (checksums) with a clear TxError before a
// resume reads it: trainer state, policy files, the manifest and pointer themselves, and
// safetensors weights (their own SHA-256 in the header metadata).
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

import { readSafetensors, tensorFrom, writeSafetensors } from '../../lib/model/safetensors.js';
import { loadLatestCheckpoint, runTraining } from '../../lib/rl/index.js';
import { createPolicy } from '../helpers/table-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'tx-corrupt-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const flipByte = (path: string, at: (len: number) => number) => {
  const b = readFileSync(path);
  const i = at(b.length);
  b[i] = b[i]! ^ 0x20;
  writeFileSync(path, b);
};

t.test('trainer checkpoints: every kind of damage is a TxError naming the file', async (t) => {
  const run = join(dir, 'run');
  await runTraining({
    preset: 'grpo', out: run, policy: createPolicy, progress: false,
    overrides: { steps: 3, batchSize: 4, groupSize: 2, eval: { every: 0 }, checkpoint: { every: 3 }, data: { source: 'synthetic', trainSize: 20 } },
  });
  t.equal((await loadLatestCheckpoint(run)).state.step, 3, 'the intact checkpoint loads');
  const ck = join('checkpoints', 'step-000003');
  const cases: [string, (d: string) => void, RegExp][] = [
    ['bit flip in trainer-state.json', (d) => flipByte(join(d, ck, 'trainer-state.json'), (n) => n >> 1), /trainer-state\.json is corrupt/],
    ['truncated trainer-state.json', (d) => truncateSync(join(d, ck, 'trainer-state.json'), 40), /trainer-state\.json is corrupt/],
    ['truncated policy file', (d) => truncateSync(join(d, ck, 'table-policy.json'), 10), /table-policy\.json is corrupt/],
    ['bit flip in the policy file', (d) => flipByte(join(d, ck, 'table-policy.json'), (n) => n - 5), /table-policy\.json is corrupt/],
    ['missing policy file', (d) => unlinkSync(join(d, ck, 'table-policy.json')), /table-policy\.json is missing/],
    ['missing manifest', (d) => unlinkSync(join(d, ck, 'checksums.sha256')), /no checksums\.sha256/],
    ['garbled manifest', (d) => writeFileSync(join(d, ck, 'checksums.sha256'), 'hello world\n'), /not a "<sha256>  <file>" line/],
    ['manifest naming a path outside', (d) => writeFileSync(join(d, ck, 'checksums.sha256'), `${'0'.repeat(64)}  ../config.json\n`), /not a "<sha256>  <file>" line/],
    ['pointer escaping checkpoints/', (d) => writeFileSync(join(d, 'checkpoints', 'latest.json'), '{"step":3,"dir":"../../etc"}'), /dir must be "checkpoints\/step-NNNNNN"/],
    ['pointer that is not JSON', (d) => writeFileSync(join(d, 'checkpoints', 'latest.json'), '{"step":'), /cannot resume|latest\.json/],
    ['oversized pointer', (d) => writeFileSync(join(d, 'checkpoints', 'latest.json'), ' '.repeat(70_000)), /more than the 65536 allowed/],
  ];
  for (const [label, damage, message] of cases) {
    const copy = join(dir, label.replace(/\W+/g, '-'));
    cpSync(run, copy, { recursive: true });
    damage(copy);
    await t.rejects(runTraining({ resume: copy, policy: createPolicy, progress: false }), { name: 'TxError', message }, label);
  }
});

t.test('trainer state with the right checksum but the wrong shape is refused', async (t) => {
  const { validateTrainerState } = await import('../../lib/rl/checkpoint.js');
  const good = { version: 1, step: 2, rng: { scheme: 'counter', seed: 0 }, queue: { epoch: 0, pos: 0, order: ['a'] }, book: { levels: {}, deferred: [] }, lossWindow: [0.5], lr: 1, metricsBytes: 10 };
  t.ok(validateTrainerState(good, 'x'));
  for (const [field, value] of [['step', -1], ['step', 1.5], ['rng', null], ['queue', { epoch: 0, pos: 0, order: [1] }], ['lossWindow', [NaN]], ['lr', '1'], ['metricsBytes', -3], ['version', 2]] as const) {
    t.throws(() => validateTrainerState({ ...good, [field]: value }, 'x'), { name: 'TxError', code: 'E_FORMAT' }, `${field} = ${JSON.stringify(value)}`);
  }
});

t.test('safetensors weights: truncation and bit flips are caught by their checksum', async (t) => {
  const path = join(dir, 'w.safetensors');
  await writeSafetensors(path, { w: tensorFrom('F32', [4, 4], new Float32Array(16).map((_, i) => i)) });
  t.equal((await readSafetensors(path)).checksum, 'verified');
  const bytes = readFileSync(path);
  for (const [label, mutate] of [
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 7)],
    ['bit flip in the data', (b: Buffer) => { const c = Buffer.from(b); c[c.length - 3] = c[c.length - 3]! ^ 1; return c; }],
    ['truncated to the header length', (b: Buffer) => b.subarray(0, 5)],
  ] as const) {
    writeFileSync(path, mutate(bytes));
    await t.rejects(readSafetensors(path), { name: 'TxError', code: 'E_FORMAT' }, label);
  }
});

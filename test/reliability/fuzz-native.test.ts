// Boundary fuzzer: every exported native op, raw (native()) and through its TS wrapper,
// called with mutated arguments (fuzz/values.ts) in sync and async form. The process must
// never crash, sync forms throw only TxErrors with a known code, async forms never throw
// and reject only with such TxErrors.
//   TOOLEXPANDER_FUZZ_CASES   raw cases per op (default 10000, half sync, half async)
//   TOOLEXPANDER_FUZZ_SEED    seed (default: random, printed)
//   TOOLEXPANDER_HEAVY=1      10x the cases
import t from 'tap';

import { TX_ERROR_CODES, TxError } from '../../lib/errors.js';
import { native } from '../../lib/engine/native.js';
import { opSpecs, type OpSpec } from './fuzz/ops.js';
import { describeArgs, mutate, type Rng } from './fuzz/values.js';
import { rng } from '../helpers/random.js';

const heavy = process.env.TOOLEXPANDER_HEAVY === '1';
const RAW_CASES = Number(process.env.TOOLEXPANDER_FUZZ_CASES ?? 10_000) * (heavy ? 10 : 1);
const WRAPPER_CASES = Math.ceil(RAW_CASES / 5);
const SEED = Number(process.env.TOOLEXPANDER_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const BATCH = 64;  // async calls in flight at once

type Failure = { op: string; form: string; strategy: string; args: string; problem: string };

function problemWith(e: unknown): string | undefined {
  if (!(e instanceof TxError)) return `not a TxError: ${String((e as Error)?.name)}: ${String((e as Error)?.message ?? e)}`;
  if (!TX_ERROR_CODES.includes(e.code)) return `unknown code ${String(e.code)}`;
  return undefined;
}

type Counts = { cases: number; ok: number; rejected: number; codes: Record<string, number> };

async function fuzzForm(
  op: string, form: string, fn: (...a: unknown[]) => unknown, isAsync: boolean, construct: boolean,
  valid: (r: Rng) => unknown[], cases: number, r: Rng, proto: object, failures: Failure[],
): Promise<Counts> {
  const counts: Counts = { cases: 0, ok: 0, rejected: 0, codes: {} };
  const note = (e: unknown, strategy: string, args: unknown[]) => {
    counts.rejected++;
    const p = problemWith(e);
    if (p !== undefined) failures.push({ op, form, strategy, args: describeArgs(args), problem: p });
    else counts.codes[(e as TxError).code] = (counts.codes[(e as TxError).code] ?? 0) + 1;
  };
  let pending: Promise<void>[] = [];
  for (let i = 0; i < cases; i++) {
    const { args, strategy } = mutate(valid(r), r, proto);
    counts.cases++;
    if (!isAsync) {
      try {
        if (construct) Reflect.construct(fn, args);
        else fn(...args);
        counts.ok++;
      } catch (e) {
        note(e, strategy, args);
      }
      continue;
    }
    let p: unknown;
    try {
      p = fn(...args);
    } catch (e) {
      failures.push({ op, form, strategy, args: describeArgs(args), problem: `async form threw synchronously: ${String((e as Error)?.message ?? e)}` });
      continue;
    }
    if (!(p instanceof Promise)) {
      failures.push({ op, form, strategy, args: describeArgs(args), problem: 'async form returned no Promise' });
      continue;
    }
    pending.push(p.then(() => { counts.ok++; }, (e: unknown) => note(e, strategy, args)));
    if (pending.length >= BATCH) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  return counts;
}

t.test(`boundary fuzz of every native op (seed ${SEED})`, async (t) => {
  const addon = native();
  const threads = addon.devices().cpu.threads;
  t.teardown(() => { addon.setThreads(threads); });
  const proto = addon.DeviceBuffer.prototype as object;
  const specs: OpSpec[] = opSpecs(addon);
  const failures: Failure[] = [];
  const t0 = performance.now();
  for (const spec of specs) {
    const r = rng(SEED ^ [...spec.name].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 7));
    const parts: [string, Counts][] = [];
    const { raw, wrapper } = spec;
    const rawSync = raw.async ? RAW_CASES / 2 : RAW_CASES;
    if (raw.sync) parts.push(['raw sync', await fuzzForm(spec.name, 'raw sync', raw.sync, false, raw.construct === true, raw.valid, rawSync, r, proto, failures)]);
    if (raw.async) parts.push(['raw async', await fuzzForm(spec.name, 'raw async', raw.async, true, false, raw.valid, RAW_CASES / 2, r, proto, failures)]);
    if (wrapper) {
      parts.push(['wrapper sync', await fuzzForm(spec.name, 'wrapper sync', wrapper.sync, false, false, wrapper.valid, WRAPPER_CASES / 2, r, proto, failures)]);
      parts.push(['wrapper async', await fuzzForm(spec.name, 'wrapper async', wrapper.async, true, false, wrapper.valid, WRAPPER_CASES / 2, r, proto, failures)]);
    }
    const total = parts.reduce((s, [, c]) => s + c.cases, 0);
    const ok = parts.reduce((s, [, c]) => s + c.ok, 0);
    const codes: Record<string, number> = {};
    for (const [, c] of parts) for (const [k, v] of Object.entries(c.codes)) codes[k] = (codes[k] ?? 0) + v;
    t.comment(`fuzz ${spec.name.padEnd(24)} ${String(total).padStart(6)} cases (${parts.map(([f, c]) => `${f} ${c.cases}`).join(', ')}): ` +
      `${ok} ran, rejected ${Object.entries(codes).map(([k, v]) => `${k} ${v}`).join(' ')}`);
    t.ok(total >= Math.min(RAW_CASES, 10_000), `${spec.name}: ${total} cases`);
  }
  t.comment(`fuzz total ${((performance.now() - t0) / 1000).toFixed(1)} s, seed ${SEED}`);
  for (const f of failures.slice(0, 15)) t.comment(`FAIL ${f.op} [${f.form}, ${f.strategy}] ${f.problem}\n    args: ${f.args}`);
  t.equal(failures.length, 0, `every rejection is a TxError with a known code (${failures.length} not)`);
});

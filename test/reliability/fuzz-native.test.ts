// Boundary fuzzer: every exported native op, raw (native()) and through its TS wrapper,
// and the native PolicyModel (constructor, every method, use after dispose), called with
// mutated arguments (fuzz/values.ts) in sync and async form. The process must never
// crash; sync forms throw only TxErrors with a known code, async forms never throw and
// reject only with such TxErrors; an argument error names an argument; the unmutated
// ('valid') calls succeed.
//   TOOLEXPANDER_FUZZ_CASES   raw cases per op (default 10000, split over its forms)
//   TOOLEXPANDER_FUZZ_SEED    seed (default: random, printed)
//   TOOLEXPANDER_FUZZ_ONLY    a substring: fuzz only the ops whose name contains it
//   TOOLEXPANDER_HEAVY=1      10x the cases
import t from 'tap';

import { TX_ERROR_CODES, TxError } from '../../lib/errors.js';
import { native, type NativePolicyModel } from '../../lib/engine/native.js';
import { modelOpSpecs } from './fuzz/model-ops.js';
import { opSpecs, type OpSpec } from './fuzz/ops.js';
import { lifecycle, policySpecs } from './fuzz/policy.js';
import { describeArgs, mutate, type Rng, type Strategy } from './fuzz/values.js';
import { rng } from '../helpers/random.js';

const heavy = process.env.TOOLEXPANDER_HEAVY === '1';
const RAW_CASES = Number(process.env.TOOLEXPANDER_FUZZ_CASES ?? 10_000) * (heavy ? 10 : 1);
const WRAPPER_CASES = Math.ceil(RAW_CASES / 5);
const SEED = Number(process.env.TOOLEXPANDER_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ONLY = process.env.TOOLEXPANDER_FUZZ_ONLY ?? '';
const BATCH = 64;  // async calls in flight at once
// Argument errors (as opposed to state, device or memory errors) must say which argument.
const ARGUMENT_CODES = new Set(['E_SHAPE', 'E_DTYPE', 'E_RANGE']);

type Failure = { op: string; form: string; strategy: string; args: string; problem: string };
type Counts = { cases: number; ok: number; rejected: number; codes: Record<string, number> };
type Form = { label: string; fn: (...a: unknown[]) => unknown; isAsync: boolean; construct: boolean; valid: (r: Rng) => unknown[]; cases: number };

function problemWith(e: unknown, spec: OpSpec, strategy: Strategy): string | undefined {
  if (!(e instanceof TxError)) return `not a TxError: ${String((e as Error)?.name)}: ${String((e as Error)?.message ?? e)}`;
  if (!TX_ERROR_CODES.includes(e.code)) return `unknown code ${String(e.code)}`;
  if (strategy === 'valid' && !spec.validMayFail) return `valid call rejected: ${e.code} ${e.message}`;
  if (spec.names && ARGUMENT_CODES.has(e.code) && !spec.names.some((n) => e.message.includes(n))) {
    return `${e.code} names no argument: ${e.message}`;
  }
  return undefined;
}

async function fuzzForm(spec: OpSpec, form: Form, r: Rng, proto: object, failures: Failure[]): Promise<Counts> {
  const counts: Counts = { cases: 0, ok: 0, rejected: 0, codes: {} };
  const fail = (strategy: string, args: unknown[], problem: string) =>
    failures.push({ op: spec.name, form: form.label, strategy, args: describeArgs(args), problem });
  const note = (e: unknown, strategy: Strategy, args: unknown[]) => {
    counts.rejected++;
    const p = problemWith(e, spec, strategy);
    if (p !== undefined) fail(strategy, args, p);
    else counts.codes[(e as TxError).code] = (counts.codes[(e as TxError).code] ?? 0) + 1;
  };
  let pending: Promise<void>[] = [];
  for (let i = 0; i < form.cases; i++) {
    const { args, strategy } = mutate(form.valid(r), r, proto);
    counts.cases++;
    if (!form.isAsync) {
      try {
        if (form.construct) {
          // Not spec.dispose?.(Reflect.construct(...)): an absent dispose would skip the construction.
          const made: unknown = Reflect.construct(form.fn, args);
          spec.dispose?.(made);
        } else {
          form.fn(...args);
        }
        counts.ok++;
      } catch (e) {
        note(e, strategy, args);
      }
      continue;
    }
    let p: unknown;
    try {
      p = form.fn(...args);
    } catch (e) {
      fail(strategy, args, `async form threw synchronously: ${String((e as Error)?.message ?? e)}`);
      continue;
    }
    if (!(p instanceof Promise)) {
      fail(strategy, args, 'async form returned no Promise');
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

/** The forms of one spec and the cases each gets: RAW_CASES over the raw forms, WRAPPER_CASES over the wrappers. */
function formsOf(spec: OpSpec): Form[] {
  const { raw, wrapper } = spec;
  const rawForms = [raw.sync && 'raw sync', raw.async && 'raw async'].filter(Boolean).length;
  const forms: Form[] = [];
  const add = (label: string, fn: ((...a: unknown[]) => unknown) | undefined, isAsync: boolean, valid: (r: Rng) => unknown[], cases: number) => {
    if (fn) forms.push({ label, fn, isAsync, construct: !isAsync && raw.construct === true && label.startsWith('raw'), valid, cases });
  };
  add('raw sync', raw.sync, false, raw.valid, RAW_CASES / rawForms);
  add('raw async', raw.async, true, raw.valid, RAW_CASES / rawForms);
  if (wrapper) {
    add('wrapper sync', wrapper.sync, false, wrapper.valid, WRAPPER_CASES / 2);
    add('wrapper async', wrapper.async, true, wrapper.valid, WRAPPER_CASES / 2);
  }
  return forms;
}

const seedOf = (name: string) => SEED ^ [...name].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 7);

t.test(`boundary fuzz of every native op and the PolicyModel (seed ${SEED})`, async (t) => {
  const addon = native();
  const threads = addon.devices().cpu.threads;
  const models: NativePolicyModel[] = [];
  t.teardown(() => {
    addon.setThreads(threads);
    for (const m of models) m.dispose();
  });
  const proto = addon.DeviceBuffer.prototype as object;
  const specs: OpSpec[] = [...opSpecs(addon), ...modelOpSpecs(addon), ...policySpecs(addon, models)].filter((s) => s.name.includes(ONLY));
  const failures: Failure[] = [];
  const t0 = performance.now();
  for (const spec of specs) {
    const r = rng(seedOf(spec.name));
    const t1 = performance.now();
    const parts: [string, Counts][] = [];
    for (const form of formsOf(spec)) parts.push([form.label, await fuzzForm(spec, form, r, proto, failures)]);
    const total = parts.reduce((s, [, c]) => s + c.cases, 0);
    const ok = parts.reduce((s, [, c]) => s + c.ok, 0);
    const codes: Record<string, number> = {};
    for (const [, c] of parts) for (const [k, v] of Object.entries(c.codes)) codes[k] = (codes[k] ?? 0) + v;
    t.comment(`fuzz ${spec.name.padEnd(30)} ${String(total).padStart(6)} cases (${parts.map(([f, c]) => `${f} ${c.cases}`).join(', ')}): ` +
      `${ok} ran, rejected ${Object.entries(codes).map(([k, v]) => `${k} ${v}`).join(' ')}; ${((performance.now() - t1) / 1000).toFixed(2)} s`);
    t.ok(total >= Math.min(RAW_CASES, 10_000), `${spec.name}: ${total} cases`);
  }
  if ('PolicyModel (lifecycle)'.includes(ONLY)) {
    const t1 = performance.now();
    const problems: string[] = [];
    const c = await lifecycle(addon, rng(seedOf('lifecycle')), RAW_CASES, problems);
    t.comment(`fuzz ${'PolicyModel (lifecycle)'.padEnd(30)} ${String(c.cases).padStart(6)} cases: ${c.stateErrors} E_STATE after dispose, ` +
      `${c.settledAfterDispose} jobs settled after their model was disposed; ${((performance.now() - t1) / 1000).toFixed(2)} s`);
    for (const p of problems.slice(0, 10)) t.comment(`FAIL lifecycle ${p}`);
    t.equal(problems.length, 0, 'use after dispose: E_STATE everywhere; dispose while a job runs: the job settles');
    t.ok(c.cases >= Math.min(RAW_CASES, 10_000), `lifecycle: ${c.cases} cases`);
  }
  t.comment(`fuzz total ${((performance.now() - t0) / 1000).toFixed(1)} s, seed ${SEED}`);
  for (const f of failures.slice(0, 15)) t.comment(`FAIL ${f.op} [${f.form}, ${f.strategy}] ${f.problem}\n    args: ${f.args}`);
  t.equal(failures.length, 0, `every rejection is a TxError with a known code, naming an argument; valid calls succeed (${failures.length} not)`);
});

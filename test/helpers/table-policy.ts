// TablePolicy: a TEST POLICY, not a language model. It implements the Policy contract over
// a fixed set of candidate completions per task, so the trainers can be tested end to end
// (and learn for real) on a branch where the native TinyPolicy is not available.
//
// - Candidates of a task: its gold completion, a gold completion whose think carries a
//   Self-Exemplifying example (when one can be built), and systematic wrong variants (one
//   argument value changed, the wrong shape of answer, the think block missing). A rollout
//   is one candidate: `tokens` = [candidate index], `logp` = [its log-probability].
// - Parameters: one logit per (task query, candidate), lazily initialised from the seed
//   (correct candidates start at goldMean + goldSpread * z with z ~ N(0, 1) per query, so a
//   share of prompts starts hard), plus one logit per (tools of the answer, candidate kind)
//   shared by every query that calls the same tools, starting at 0: that shared part is
//   what lets training on train prompts move accuracy on held-out prompts. Demonstrations in the prompt add demoBoost per demo to
//   the correct candidates' logits: demos make hard prompts solvable, and the update lands
//   on the shared per-query logits, so it transfers to the plain prompt.
// - trainStep: the native grpoLoss on the per-token log-probs, then its gradient through
//   the softmax into the logits, plain SGD. Deterministic for a seed; save/load is JSON
//   (float64 round-trips exactly through JSON), so resume is bit-exact.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { goldCalls } from '../../lib/data/gold.js';
import type { Call, Task } from '../../lib/data/types.js';
import { hashString, stream } from '../../lib/util/prng.js';
import { grpoLoss, type GrpoConfig } from '../../lib/engine/grpo_loss.js';
import { writeFileAtomic } from '../../lib/util/atomic-write.js';
import type { GenerateOptions, Policy, Rollout, StepStats, TrainBatch } from '../../lib/model/policy.js';
import { validateArgs } from '../../lib/reward/schema-cache.js';
import { goldThink, renderCompletion } from '../../lib/toolexpander/prompt.js';
import { setThink } from '../../lib/toolexpander/sft.js';

export type TablePolicyOptions = {
  seed: number;
  /** Logit added to each correct candidate per demonstration in the prompt (default 2.5). */
  demoBoost?: number;
  /** Initial logit of the correct candidates (mean and spread over queries; wrong ones start near 0). */
  goldMean?: number;
  goldSpread?: number;
};

const KINDS = ['gold', 'set', 'altered', 'shape', 'nothink', 'nocall'] as const;
type Kind = (typeof KINDS)[number];
type Candidate = { text: string; correct: boolean; kind: number };
type Entry = { cands: Candidate[]; shared: string };

const USER = '<|im_start|>user\n';
const END = '<|im_end|>';
const ASSISTANT = '<|im_start|>assistant\n';

/** The task's own query: the last user turn of the prompt. */
export function lastUserTurn(prompt: string): string {
  const at = prompt.lastIndexOf(USER);
  if (at < 0) return prompt;
  const end = prompt.indexOf(END, at);
  return prompt.slice(at + USER.length, end < 0 ? undefined : end);
}

/** Demonstrations in the prompt: closed assistant turns before the final open one. */
export function demoCount(prompt: string): number {
  return Math.max(0, prompt.split(ASSISTANT).length - 2);
}

function mutate(v: unknown, schema: Record<string, unknown> | undefined): unknown {
  const en = schema?.['enum'];
  if (Array.isArray(en) && en.length > 1) return en[(en.indexOf(v) + 1) % en.length];
  if (typeof v === 'number') return v + 1;
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'string') return `${v}x`;
  if (Array.isArray(v)) return v.length > 1 ? v.slice().reverse() : [...v, ...v];
  return v;
}

/** The first call with one argument changed, keeping it schema-valid when possible. */
function alteredCalls(task: Task, calls: readonly Call[]): Call[] | undefined {
  const c = calls[0];
  if (c === undefined) return undefined;
  const tool = task.tools.find((t) => t.name === c.name);
  const props = (tool?.parameters['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [k, v] of Object.entries(c.arguments)) {
    const args = { ...c.arguments, [k]: mutate(v, props[k]) };
    if (JSON.stringify(args[k]) === JSON.stringify(v)) continue;
    if (tool === undefined || validateArgs(tool.parameters, args)) return [{ name: c.name, arguments: args }, ...calls.slice(1)];
  }
  return undefined;
}

function lastUser(task: Task): string {
  for (let i = task.messages.length - 1; i >= 0; i--) if (task.messages[i]?.role === 'user') return task.messages[i]?.content ?? '';
  return '';
}

export function candidatesOf(task: Task): Candidate[] {
  const gold = goldCalls(task);
  const c = (text: string, correct: boolean, kind: Kind): Candidate => ({ text, correct, kind: KINDS.indexOf(kind) });
  const out: Candidate[] = [c(renderCompletion(gold, goldThink(gold)), true, 'gold')];
  const altered = alteredCalls(task, gold);
  if (altered !== undefined) {
    out.push(c(renderCompletion(gold, setThink(`${lastUser(task)} (variant)`, altered, gold)), true, 'set'));
    out.push(c(renderCompletion(altered, goldThink(altered)), false, 'altered'));
  }
  if (gold.length > 0) {
    out.push(c(renderCompletion([], goldThink([])), false, 'shape'));
  } else {
    const t = task.tools[0];
    if (t !== undefined) out.push(c(renderCompletion([{ name: t.name, arguments: {} }], `Call ${t.name}.`), false, 'shape'));
  }
  out.push(c(`<tool_call>${JSON.stringify(gold)}</tool_call>`, false, 'nothink'));
  out.push(c(`<think>${goldThink(gold)}</think>`, false, 'nocall'));
  return out;
}

/** Queries that call the same tools share this key (irrelevance tasks share 'none'). */
function sharedKey(task: Task): string {
  const names = [...new Set(goldCalls(task).map((x) => x.name))].sort();
  return names.length === 0 ? 'none' : names.join('+');
}

function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export class TablePolicy implements Policy {
  readonly opts: Required<TablePolicyOptions>;
  private readonly byQuery = new Map<string, Entry>();
  private readonly logits = new Map<string, Float64Array>();
  steps = 0;

  constructor(tasks: readonly Task[], opts: TablePolicyOptions) {
    this.opts = { demoBoost: 2.5, goldMean: -1.5, goldSpread: 1.5, ...opts };
    for (const t of tasks) {
      const q = lastUser(t);
      if (!this.byQuery.has(q)) this.byQuery.set(q, { cands: candidatesOf(t), shared: sharedKey(t) });
    }
  }

  static async load(dir: string, tasks: readonly Task[]): Promise<TablePolicy> {
    const s = JSON.parse(readFileSync(join(dir, 'table-policy.json'), 'utf8')) as
      { opts: Required<TablePolicyOptions>; steps: number; logits: [string, number[]][] };
    const p = new TablePolicy(tasks, s.opts);
    p.steps = s.steps;
    for (const [k, v] of s.logits) p.logits.set(k, Float64Array.from(v));
    return p;
  }

  async save(dir: string): Promise<void> {
    const logits = [...this.logits.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, Array.from(v)]);
    await writeFileAtomic(join(dir, 'table-policy.json'), [Buffer.from(JSON.stringify({ opts: this.opts, steps: this.steps, logits }))]);
  }

  /** A stable digest of all parameters (for comparing final states). */
  fingerprint(): string {
    const keys = [...this.logits.keys()].sort();
    let h = 0;
    for (const k of keys) for (const x of this.logits.get(k) ?? []) h = hashString(`${h}:${k}:${x}`);
    return `${keys.length}:${h}`;
  }

  private entry(query: string): Entry {
    return this.byQuery.get(query) ?? { cands: [{ text: '<tool_call>[]</tool_call>', correct: false, kind: KINDS.indexOf('shape') }], shared: 'unknown' };
  }

  /** Per-query logits ('q|' keys) and shared per-tools logits ('s|' keys), created on first use. */
  private params(key: string, init: () => Float64Array): Float64Array {
    let l = this.logits.get(key);
    if (l === undefined) {
      l = init();
      this.logits.set(key, l);
    }
    return l;
  }

  private queryParams(query: string): Float64Array {
    return this.params(`q|${query}`, () => {
      const r = stream(this.opts.seed, 'table-init', query);
      const gold = this.opts.goldMean + this.opts.goldSpread * normal(r);
      return Float64Array.from(this.entry(query).cands, (c) => (c.correct ? gold : 0.3 * normal(r)));
    });
  }

  private sharedParams(query: string): Float64Array {
    return this.params(`s|${this.entry(query).shared}`, () => new Float64Array(KINDS.length));
  }

  /** Probabilities of the candidates for a rendered prompt. */
  probs(prompt: string): { query: string; p: Float64Array; cands: Candidate[] } {
    const query = lastUserTurn(prompt);
    const { cands } = this.entry(query);
    const base = this.queryParams(query);
    const shared = this.sharedParams(query);
    const boost = this.opts.demoBoost * demoCount(prompt);
    const z = Array.from(base, (x, i) => x + (shared[cands[i]?.kind ?? 0] ?? 0) + (cands[i]?.correct ? boost : 0));
    const m = Math.max(...z);
    const e = z.map((x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    return { query, p: Float64Array.from(e, (x) => x / s), cands };
  }

  async generate(prompts: string[], opts: GenerateOptions): Promise<Rollout[][]> {
    return prompts.map((prompt) => {
      const { p, cands } = this.probs(prompt);
      const greedy = opts.temperature === 0 || opts.topK === 1;
      const r = stream(opts.seed >>> 0, 'table-sample', prompt);
      return Array.from({ length: opts.n }, () => {
        let c = 0;
        if (greedy) {
          for (let i = 1; i < p.length; i++) if ((p[i] ?? 0) > (p[c] ?? 0)) c = i;
        } else {
          let u = r();
          for (c = 0; c < p.length - 1; c++) { u -= p[c] ?? 0; if (u < 0) break; }
        }
        return { text: cands[c]?.text ?? '', tokens: Int32Array.of(c), logp: Float32Array.of(Math.log(p[c] ?? 0)) };
      });
    });
  }

  async logprobs(items: { prompt: string; completion: Int32Array }[]): Promise<Float32Array[]> {
    return items.map(({ prompt, completion }) => {
      const { p } = this.probs(prompt);
      return Float32Array.from(completion, (c) => Math.log(p[c] ?? 0));
    });
  }

  async trainStep(batch: TrainBatch, loss: GrpoConfig, lr: number): Promise<StepStats> {
    const seqs = batch.sequences;
    const n = seqs.length;
    const dists = seqs.map((s) => this.probs(s.prompt));
    const logp = Float32Array.from(seqs, (s, i) => Math.log(dists[i]?.p[s.completion[0] ?? 0] ?? 0));
    const withRef = seqs.every((s) => s.refLogp !== undefined);
    const r = await grpoLoss({
      logp,
      oldLogp: Float32Array.from(seqs, (s) => s.oldLogp[0] ?? 0),
      refLogp: withRef && (loss.klCoef ?? 0) > 0 ? Float32Array.from(seqs, (s) => s.refLogp?.[0] ?? 0) : undefined,
      advantages: Float32Array.from(seqs, (s) => s.advantage),
      mask: new Uint8Array(n).fill(1),
      seqOffsets: Int32Array.from({ length: n + 1 }, (_, i) => i),
    }, loss);
    // d loss / d logit_j = gradLogp * (1[j = c] - p_j), summed per query and per shared key.
    const grads = new Map<string, Float64Array>();
    const acc = (key: string, len: number) => {
      const g = grads.get(key) ?? new Float64Array(len);
      grads.set(key, g);
      return g;
    };
    let entropy = 0;
    seqs.forEach((s, i) => {
      const d = dists[i];
      if (d === undefined) return;
      const gq = acc(`q|${d.query}`, d.p.length);
      const gs = acc(`s|${this.entry(d.query).shared}`, KINDS.length);
      const c = s.completion[0] ?? 0;
      const gl = r.gradLogp[i] ?? 0;
      for (let j = 0; j < d.p.length; j++) {
        const x = gl * ((j === c ? 1 : 0) - (d.p[j] ?? 0));
        gq[j] = (gq[j] ?? 0) + x;
        const k = d.cands[j]?.kind ?? 0;
        gs[k] = (gs[k] ?? 0) + x;
      }
      for (const q of d.p) if (q > 0) entropy -= q * Math.log(q);
    });
    let norm2 = 0;
    for (const g of grads.values()) for (const x of g) norm2 += x * x;
    for (const [key, g] of [...grads.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const l = this.logits.get(key);
      if (l === undefined) continue;
      for (let j = 0; j < l.length; j++) l[j] = (l[j] ?? 0) - lr * (g[j] ?? 0);
    }
    this.steps++;
    return {
      loss: r.loss, gradNorm: Math.sqrt(norm2), entropy: n === 0 ? 0 : entropy / n,
      clipFracHigh: r.stats.clipFracHigh, clipFracLow: r.stats.clipFracLow, ratioMean: r.stats.ratioMean,
      approxKl: r.stats.approxKl, tokens: r.stats.tokens,
    };
  }
}

/** The factory of the `--policy` hook: `toolexpander train --policy test/helpers/table-policy.ts`. */
export async function createPolicy(ctx: { config: { seed: number }; tasks: readonly Task[]; resumeFrom?: string }) {
  const policy = ctx.resumeFrom !== undefined ? await TablePolicy.load(ctx.resumeFrom, ctx.tasks) : new TablePolicy(ctx.tasks, { seed: ctx.config.seed });
  // The reference is the initial policy: same seed, untrained.
  return { policy, reference: new TablePolicy(ctx.tasks, { seed: ctx.config.seed }), name: 'table (test policy)' };
}

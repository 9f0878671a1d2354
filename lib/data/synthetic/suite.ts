// syntheticSuite: the seeded task suite of docs/method.md section 9. Four splits:
//   train          seen APIs, seen templates, train values
//   test           seen APIs, seen templates, held-out values  (the main accuracy)
//   testTemplates  seen APIs, held-out templates, held-out values
//   testUnseenApis held-out APIs (never in train, not even as a distractor), held-out values
// Every task draws from its own PRNG stream (seed, split, index), so a split's tasks do not
// depend on the other splits' sizes.

import type { Call, Task, Tool } from '../types.js';
import { domainValues, splitDomains, type DomainName } from './domains.js';
import { FRESH_DOMAINS } from './fresh-values.js';
import { randomPools } from './random-values.js';
import { CATALOGUE } from './catalogue.js';
import { pick, sample, shuffled, stream, weighted, type Rng } from '../../util/prng.js';
import { drawCall, poolsOf, toolOf, type Pools } from './render.js';
import type { ApiSpec } from './spec.js';

export const CATEGORIES = ['simple', 'multiple', 'parallel', 'irrelevance'] as const;
export type Category = (typeof CATEGORIES)[number];
export type SplitName = 'train' | 'test' | 'testTemplates' | 'testUnseenApis';

export type SyntheticOptions = {
  seed: number;
  trainSize?: number;
  /**
   * Index of the first train task (default 0). Task i draws from its own PRNG stream, so
   * `trainFrom: 4000` gives tasks whose streams a 4000-task split (the SFT set) never used.
   */
  trainFrom?: number;
  /**
   * Where train tasks draw their values: 'train' (default; the SFT warm start's values) or
   * 'fresh' (fresh-values.ts: in neither the train nor the held-out side of any domain), or
   * 'random' (random-values.ts: generated, hundreds per domain, disjoint from all the others;
   * what the SFT warm start mixes in so that it learns to copy values).
   */
  trainValues?: 'train' | 'fresh' | 'random';
  /** Generated values per domain with trainValues 'random' (default RANDOM_POOL_SIZE). */
  randomPoolSize?: number;
  testSize?: number;
  testTemplatesSize?: number;
  testUnseenApisSize?: number;
  /** APIs held out of train entirely, for testUnseenApis (default 6). */
  unseenApis?: number;
  /** Share of each category in every split (normalised; default 0.3/0.3/0.2/0.2). */
  mix?: Partial<Record<Category, number>>;
};

export type SuiteInfo = {
  seed: number;
  apis: string[];
  seenApis: string[];
  unseenApis: string[];
  /** API name -> the template only testTemplates uses. */
  heldOutTemplates: Record<string, string>;
};

export type SyntheticSuite = {
  train: Task[];
  test: Task[];
  testTemplates: Task[];
  testUnseenApis: Task[];
  info: SuiteInfo;
};

export const DEFAULT_MIX: Readonly<Record<Category, number>> = { simple: 0.3, multiple: 0.3, parallel: 0.2, irrelevance: 0.2 };

// Preambles and sign-offs lengthen some queries without adding values (never numbers).
const PREFIXES = ['Hi!', 'Quick question.', 'Hey, I need some help.', 'Hello there.',
  'I am organising a few things for next week and could use a hand with this.',
  'Sorry to bother you again, but there is one more thing on my list.'];
const SUFFIXES = ['Thanks!', 'Cheers.', 'Thank you so much.', 'That would be great, thanks in advance.'];
const JOINERS = [' ', ' Also, ', ' And ', ' Then ', ' After that, '];

type Ctx = {
  /** APIs the answer calls may use. */
  answerApis: readonly ApiSpec[];
  /** APIs that may be offered besides the answer's. */
  offerApis: readonly ApiSpec[];
  templates: (api: ApiSpec) => readonly string[];
  pools: Pools;
};

type Part = { call: Call; text: string; template: string; synonyms: number; decimals: number };

function drawPart(api: ApiSpec, ctx: Ctx, r: Rng): Part {
  const template = pick(r, ctx.templates(api));
  return { ...drawCall(api, template, ctx.pools, r), template: `${api.name}#${api.templates.indexOf(template)}` };
}

function shareParam(a: ApiSpec, b: ApiSpec): boolean {
  return Object.keys(a.params).some((p) => p in b.params);
}

/** Distractors: half the time similar ones (same topic or a shared parameter name), which are harder. */
function distractors(r: Rng, answer: readonly ApiSpec[], ctx: Ctx, n: number): ApiSpec[] {
  const names = new Set(answer.map((a) => a.name));
  const others = ctx.offerApis.filter((a) => !names.has(a.name));
  const similar = others.filter((o) => answer.some((a) => a.group === o.group || shareParam(a, o)));
  const source = r() < 0.5 && similar.length >= n ? similar : others;
  return sample(r, source, n);
}

function joinSentences(r: Rng, texts: readonly string[]): string {
  let out = texts[0] ?? '';
  for (const t of texts.slice(1)) {
    const j = pick(r, JOINERS);
    // Lower-case the next sentence after a joiner word, unless it starts with a value or "I".
    const lower = j !== ' ' && !/^(I\b|[^A-Za-z])/.test(t) && !/^[A-Z][a-z]*[A-Z]/.test(t);
    out += j + (lower ? t.charAt(0).toLowerCase() + t.slice(1) : t);
  }
  return out;
}

function decorate(r: Rng, text: string): string {
  let out = text;
  if (r() < 0.3) out = `${pick(r, PREFIXES)} ${out}`;
  if (r() < 0.2) out = `${out} ${pick(r, SUFFIXES)}`;
  return out;
}

function makeTask(id: string, split: SplitName, category: Category, ctx: Ctx, r: Rng): Task {
  let answerApis: ApiSpec[];
  let offered: ApiSpec[];
  let parts: Part[];
  if (category === 'irrelevance') {
    const asked = pick(r, ctx.answerApis);
    parts = [drawPart(asked, ctx, r)];
    const unrelated = ctx.offerApis.filter((a) => a.group !== asked.group && a.generic !== true);
    offered = sample(r, unrelated, 1 + weighted(r, [0.4, 0.4, 0.2]));
    answerApis = [];
  } else if (category === 'parallel') {
    const n = r() < 0.7 ? 2 : 3;
    const same = r() < 0.4;
    const apis: ApiSpec[] = same ? new Array<ApiSpec>(n).fill(pick(r, ctx.answerApis)) : sample(r, ctx.answerApis, n);
    parts = [];
    const seen = new Set<string>();
    for (const api of apis) {
      // Repeated calls must differ, or the multiset answer would hold a duplicate.
      for (let tries = 0; tries < 20; tries++) {
        const part = drawPart(api, ctx, r);
        const key = JSON.stringify(part.call);
        if (!seen.has(key)) {
          seen.add(key);
          parts.push(part);
          break;
        }
      }
    }
    answerApis = [...new Map(apis.map((a) => [a.name, a])).values()];
    offered = [...answerApis, ...(r() < 0.5 ? distractors(r, answerApis, ctx, 1) : [])];
  } else {
    const api = pick(r, ctx.answerApis);
    parts = [drawPart(api, ctx, r)];
    answerApis = [api];
    offered = category === 'multiple' ? [api, ...distractors(r, answerApis, ctx, 1 + weighted(r, [0.45, 0.35, 0.2]))] : [api];
  }
  const tools: Tool[] = shuffled(r, offered).map(toolOf);
  const content = decorate(r, joinSentences(r, parts.map((p) => p.text)));
  const answer = category === 'irrelevance' ? [] : parts.map((p) => p.call);
  const args = answer.reduce((n, c) => n + Object.keys(c.arguments).length, 0);
  const features = {
    calls: answer.length, tools: tools.length, args,
    synonyms: parts.reduce((n, p) => n + p.synonyms, 0), decimals: parts.reduce((n, p) => n + p.decimals, 0),
    words: content.split(/\s+/).length,
  };
  return {
    id, tools, messages: [{ role: 'user', content }], answer,
    meta: {
      source: 'synthetic', category, split,
      apis: parts.map((p) => p.call.name), templates: parts.map((p) => p.template), features,
    },
  };
}

/** Exact per-category counts for n tasks (largest remainders), in a shuffled order. */
function categoryPlan(r: Rng, n: number, mix: Record<Category, number>): Category[] {
  const total = CATEGORIES.reduce((s, c) => s + mix[c], 0);
  const exact = CATEGORIES.map((c) => (n * mix[c]) / total);
  const counts = exact.map(Math.floor);
  const order = CATEGORIES.map((_, i) => i).sort((a, b) => (exact[b]! - counts[b]!) - (exact[a]! - counts[a]!) || a - b);
  const missing = n - counts.reduce((s, x) => s + x, 0);  // fixed before the loop raises counts
  for (let k = 0; k < missing; k++) counts[order[k]!]!++;
  const plan: Category[] = [];
  CATEGORIES.forEach((c, i) => { for (let k = 0; k < counts[i]!; k++) plan.push(c); });
  return shuffled(r, plan);
}

const TYPES = ['string', 'integer', 'number', 'boolean', 'enum', 'array'] as const;

function typesOf(apis: readonly ApiSpec[]): Set<string> {
  const s = new Set<string>();
  for (const a of apis) for (const p of Object.values(a.params)) s.add(p.type);
  return s;
}

/** Held-out APIs: a seeded draw, redrawn until train still covers every argument type. */
function chooseUnseen(seed: number, n: number): Set<string> {
  const r = stream(seed, 'unseen-apis');
  for (;;) {
    const unseen = new Set(sample(r, CATALOGUE, n).map((a) => a.name));
    const seen = CATALOGUE.filter((a) => !unseen.has(a.name));
    if (TYPES.every((t) => typesOf(seen).has(t))) return unseen;
  }
}

export function syntheticSuite(opts: SyntheticOptions): SyntheticSuite {
  const seed = opts.seed >>> 0;
  const mix = { ...DEFAULT_MIX, ...opts.mix };
  const unseen = chooseUnseen(seed, Math.max(1, Math.min(opts.unseenApis ?? 6, CATALOGUE.length - 4)));
  const seen = CATALOGUE.filter((a) => !unseen.has(a.name));
  const unseenApis = CATALOGUE.filter((a) => unseen.has(a.name));
  const heldOut: Record<string, string> = {};
  for (const a of CATALOGUE) heldOut[a.name] = pick(stream(seed, 'template', a.name), a.templates);
  const seenTemplates = (a: ApiSpec) => a.templates.filter((t) => t !== heldOut[a.name]);
  const domains = splitDomains(seed);
  const trainPools = opts.trainValues === 'fresh'
    ? Object.fromEntries((Object.keys(FRESH_DOMAINS) as DomainName[]).map((n) => [n, domainValues(FRESH_DOMAINS[n])])) as unknown as Pools
    : opts.trainValues === 'random' ? randomPools(seed, opts.randomPoolSize) : poolsOf(domains, 'train');
  const testPools = poolsOf(domains, 'test');

  const build = (split: SplitName, n: number, ctx: Ctx, from = 0): Task[] => {
    // The category plan is drawn for indices 0..from+n-1, so an offset slice is exactly
    // the tail of the longer split.
    const plan = categoryPlan(stream(seed, split, 'plan'), from + n, mix).slice(from);
    return plan.map((cat, k) => {
      const i = from + k;
      return makeTask(`${split}-${String(i).padStart(5, '0')}`, split, cat, ctx, stream(seed, split, i));
    });
  };
  return {
    train: build('train', opts.trainSize ?? 2000, { answerApis: seen, offerApis: seen, templates: seenTemplates, pools: trainPools }, opts.trainFrom ?? 0),
    test: build('test', opts.testSize ?? 400, { answerApis: seen, offerApis: seen, templates: seenTemplates, pools: testPools }),
    testTemplates: build('testTemplates', opts.testTemplatesSize ?? 300,
      { answerApis: seen, offerApis: seen, templates: (a) => [heldOut[a.name] as string], pools: testPools }),
    testUnseenApis: build('testUnseenApis', opts.testUnseenApisSize ?? 300,
      { answerApis: unseenApis, offerApis: CATALOGUE, templates: (a) => a.templates, pools: testPools }),
    info: {
      seed, apis: CATALOGUE.map((a) => a.name), seenApis: seen.map((a) => a.name), unseenApis: unseenApis.map((a) => a.name),
      heldOutTemplates: heldOut,
    },
  };
}

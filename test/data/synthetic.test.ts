import t from 'tap';
import { createHash } from 'node:crypto';
import {
  CATALOGUE, CATEGORIES, DEFAULT_MIX, mulberry32, splitDomains, stream, syntheticSuite, validateTask,
  type Call, type DomainName, type Task,
} from '../../lib/data/index.js';
import { slotsOf } from '../../lib/data/synthetic/render.js';
import { scoreRollout } from '../../lib/reward/index.js';
import { render } from '../fixtures/render.js';

const SEED = 7;
const suite = syntheticSuite({ seed: SEED });
const SPLITS = ['train', 'test', 'testTemplates', 'testUnseenApis'] as const;
const calls = (task: Task): Call[] => task.answer as Call[];
const meta = (task: Task, k: string): unknown => (task.meta ?? {})[k];

t.test('counts', async (t) => {
  for (const s of SPLITS) {
    const by: Record<string, number> = {};
    for (const task of suite[s]) by[String(meta(task, 'category'))] = (by[String(meta(task, 'category'))] ?? 0) + 1;
    t.comment(`${s}: ${suite[s].length} tasks ${JSON.stringify(by)}`);
  }
  const templates = CATALOGUE.reduce((n, a) => n + a.templates.length, 0);
  t.comment(`APIs: ${CATALOGUE.length} (${suite.info.seenApis.length} seen, unseen: ${suite.info.unseenApis.join(', ')}); templates: ${templates} (${CATALOGUE.length} held out)`);
  const f = suite.train.map((task) => meta(task, 'features') as Record<string, number>);
  const share = (p: (x: Record<string, number>) => boolean) => (f.filter(p).length / f.length).toFixed(2);
  t.comment(`train difficulty: decimals ${share((x) => x['decimals']! > 0)}, synonyms ${share((x) => x['synonyms']! > 0)}, `
    + `distractor tools ${share((x) => x['tools']! > x['calls']!)}, >= 20 words ${share((x) => x['words']! >= 20)}, <= 8 words ${share((x) => x['words']! <= 8)}`);
  t.ok(Number(share((x) => x['decimals']! > 0)) > 0.1 && Number(share((x) => x['synonyms']! > 0)) > 0.2, 'difficulty spread');
  t.ok(Number(share((x) => x['words']! >= 20)) > 0.1 && Number(share((x) => x['words']! <= 8)) > 0.1, 'short and long queries');
});

t.test('deterministic for a seed, different across seeds', async (t) => {
  const opts = { trainSize: 300, testSize: 60, testTemplatesSize: 40, testUnseenApisSize: 40 };
  const a = syntheticSuite({ seed: 3, ...opts });
  // JSON text comparison: tap's deep diff of two large unequal objects is very slow.
  t.ok(JSON.stringify(syntheticSuite({ seed: 3, ...opts })) === JSON.stringify(a), 'same seed, same suite');
  const other = syntheticSuite({ seed: 4, ...opts });
  t.ok(JSON.stringify(other.train) !== JSON.stringify(a.train), 'another seed, another train split');
  t.ok(JSON.stringify(other.test) !== JSON.stringify(a.test), 'and another test split');
  // Each task has its own stream: one split's size does not move another split's tasks.
  const b = syntheticSuite({ seed: 3, ...opts, trainSize: 50 });
  t.ok(JSON.stringify(b.test) === JSON.stringify(a.test), 'test does not depend on trainSize');
});

t.test('pinned values: the same on every platform', async (t) => {
  const r = mulberry32(42);
  t.same([r(), r(), r()], [0.6011037519201636, 0.44829055899754167, 0.8524657934904099], 'mulberry32 reference values');
  const s = stream(7, 'a', 3);
  t.same([s(), s()], [0.8625364932231605, 0.8610249611083418]);
  // The default suite for seed 1. A change to the catalogue, the domains or the generator
  // changes it (and with it SFT data and shipped checkpoints): update the hash on purpose.
  const hash = createHash('sha256').update(JSON.stringify(syntheticSuite({ seed: 1 }))).digest('hex');
  t.equal(hash, '2b432dc32b23b8a6754c4e225e7419f1f77912b83c39b7351120e81269e8f609');
});

t.test('every task validates', async (t) => {
  let n = 0;
  for (const s of SPLITS) for (const task of suite[s]) { validateTask(task); n++; }
  t.pass(`${n} tasks valid`);
  const ids = SPLITS.flatMap((s) => suite[s].map((x) => x.id));
  t.equal(new Set(ids).size, ids.length, 'ids unique across splits');
});

function perturb(task: Task): Call[] {
  const gold = calls(task);
  if (gold.length === 0) {
    const tool = task.tools[0]!;
    return [{ name: tool.name, arguments: {} }];
  }
  const [first, ...rest] = gold as [Call, ...Call[]];
  const args = { ...first.arguments };
  const k = Object.keys(args)[0]!;
  const v = args[k];
  if (typeof v === 'string') args[k] = `${v}x`;
  else if (typeof v === 'number') args[k] = v + 1;
  else if (typeof v === 'boolean') args[k] = !v;
  else if (Array.isArray(v)) args[k] = v.slice().reverse();
  return [{ name: first.name, arguments: args }, ...rest];
}

t.test('gold answers score 1, perturbed ones 0 (exact matcher)', async (t) => {
  let bad = 0;
  let n = 0;
  for (const s of SPLITS) {
    for (const task of suite[s]) {
      n++;
      const good = scoreRollout(render(calls(task)), task, { matcher: 'exact' });
      const wrong = scoreRollout(render(perturb(task)), task, { matcher: 'exact' });
      if (good.reward !== 1 || !good.schemaValid || wrong.base !== 0) {
        bad++;
        if (bad < 5) t.fail(`${task.id}: gold ${JSON.stringify(good)} perturbed ${JSON.stringify(wrong)}`);
      }
      if (calls(task).length > 1) {
        // A parallel answer is a multiset: order is free, a missing call is wrong.
        if (scoreRollout(render(calls(task).slice().reverse()), task).reward !== 1) bad++;
        if (scoreRollout(render(calls(task).slice(1)), task).reward !== 0) bad++;
      }
    }
  }
  t.equal(bad, 0, `${n} tasks`);
});

/** (api, param) -> domain, for every domain-valued parameter. */
function domainOf(api: string, param: string): DomainName | undefined {
  const p = CATALOGUE.find((a) => a.name === api)?.params[param];
  return p !== undefined && p.type !== 'enum' && p.type !== 'boolean' ? p.domain : undefined;
}

function domainValuesIn(tasks: readonly Task[]): Map<DomainName, Set<unknown>> {
  const out = new Map<DomainName, Set<unknown>>();
  for (const task of tasks) {
    for (const c of calls(task)) {
      for (const [k, v] of Object.entries(c.arguments)) {
        const d = domainOf(c.name, k);
        if (d === undefined) continue;
        const set = out.get(d) ?? new Set();
        out.set(d, set);
        for (const x of Array.isArray(v) ? v : [v]) set.add(x);
      }
    }
  }
  return out;
}

t.test('splits are disjoint: values, templates, APIs', async (t) => {
  const domains = splitDomains(SEED);
  const train = domainValuesIn(suite.train);
  for (const s of ['test', 'testTemplates', 'testUnseenApis'] as const) {
    let checked = 0;
    let clashes = 0;
    for (const [d, values] of domainValuesIn(suite[s])) {
      const held = new Set<unknown>(domains[d].test);
      for (const v of values) {
        checked++;
        if (train.get(d)?.has(v) || !held.has(v)) clashes++;
      }
    }
    t.equal(clashes, 0, `${s}: ${checked} distinct values, none seen in train`);
  }
  for (const [d, { train: tr, test: te }] of Object.entries(domains)) {
    if (te.some((v) => tr.includes(v))) t.fail(`domain ${d} split overlaps`);
  }
  // Every test call carries at least one held-out value to copy (no test task can equal a train task).
  const bare = suite.test.flatMap(calls).filter((c) => Object.keys(c.arguments).every((k) => domainOf(c.name, k) === undefined));
  t.same(bare, [], 'every test call has a domain value');

  const tpl = (tasks: readonly Task[]) => new Set(tasks.flatMap((x) => meta(x, 'templates') as string[]));
  const trainT = tpl(suite.train);
  const heldOut = new Set(Object.entries(suite.info.heldOutTemplates).map(([api, tp]) => {
    const a = CATALOGUE.find((x) => x.name === api)!;
    return `${api}#${a.templates.indexOf(tp)}`;
  }));
  t.ok([...tpl(suite.test)].every((x) => trainT.has(x) && !heldOut.has(x)), 'test uses seen templates only');
  t.ok([...tpl(suite.testTemplates)].every((x) => heldOut.has(x) && !trainT.has(x)), 'testTemplates uses held-out templates only');
  t.ok([...trainT].every((x) => !heldOut.has(x)), 'train never uses a held-out template');
  t.ok(tpl(suite.testTemplates).size >= 20, `testTemplates covers ${tpl(suite.testTemplates).size} held-out templates`);

  const unseen = new Set(suite.info.unseenApis);
  t.ok(suite.train.every((x) => x.tools.every((tool) => !unseen.has(tool.name))), 'unseen APIs never offered in train');
  t.ok(suite.test.every((x) => x.tools.every((tool) => !unseen.has(tool.name))), 'nor in test');
  t.ok(suite.testUnseenApis.every((x) => calls(x).every((c) => unseen.has(c.name))), 'testUnseenApis answers call unseen APIs only');
  t.ok(suite.testUnseenApis.filter((x) => meta(x, 'category') === 'irrelevance')
    .every((x) => (meta(x, 'apis') as string[]).every((a) => unseen.has(a))), 'its irrelevance queries ask for unseen APIs');
});

t.test('category proportions', async (t) => {
  const total = Object.values(DEFAULT_MIX).reduce((a, b) => a + b, 0);
  for (const s of SPLITS) {
    const n = suite[s].length;
    for (const c of CATEGORIES) {
      const k = suite[s].filter((x) => meta(x, 'category') === c).length;
      t.ok(Math.abs(k - (n * DEFAULT_MIX[c]) / total) <= 1, `${s} ${c}: ${k}/${n}`);
    }
    const par = suite[s].filter((x) => meta(x, 'category') === 'parallel');
    t.ok(par.every((x) => calls(x).length >= 2 && calls(x).length <= 3), `${s} parallel: 2-3 calls`);
    t.ok(par.some((x) => calls(x).length === 3), `${s} parallel: some with 3 calls`);
    t.ok(suite[s].filter((x) => meta(x, 'category') === 'multiple').every((x) => x.tools.length >= 2 && calls(x).length === 1), `${s} multiple: one call among several tools`);
    t.ok(suite[s].filter((x) => meta(x, 'category') === 'simple').every((x) => x.tools.length === 1 && calls(x).length === 1), `${s} simple`);
    const irr = suite[s].filter((x) => meta(x, 'category') === 'irrelevance');
    t.ok(irr.every((x) => calls(x).length === 0 && (meta(x, 'apis') as string[]).every((a) => x.tools.every((tool) => tool.name !== a))),
      `${s} irrelevance: [] and the asked API is not offered`);
    const group = (name: string) => CATALOGUE.find((a) => a.name === name)!;
    t.ok(irr.every((x) => x.tools.every((tool) => !group(tool.name).generic && (meta(x, 'apis') as string[]).every((a) => group(a).group !== group(tool.name).group))),
      `${s} irrelevance: offers only other topics, never a generic search tool`);
  }
  const mixed = syntheticSuite({ seed: 1, trainSize: 100, testSize: 0, testTemplatesSize: 0, testUnseenApisSize: 0, mix: { simple: 1, multiple: 0, parallel: 0, irrelevance: 1 } });
  t.equal(mixed.train.filter((x) => meta(x, 'category') === 'simple').length, 50, 'custom mix');
});

t.test('catalogue: >= 30 APIs, all argument types, well-formed templates', async (t) => {
  t.ok(CATALOGUE.length >= 30, `${CATALOGUE.length} APIs`);
  t.equal(new Set(CATALOGUE.map((a) => a.name)).size, CATALOGUE.length, 'names unique');
  const schemaTypes = new Set<string>();
  for (const task of suite.train) {
    for (const tool of task.tools) {
      for (const p of Object.values(tool.parameters['properties'] as Record<string, Record<string, unknown>>)) {
        schemaTypes.add(Array.isArray(p['enum']) ? 'enum' : String(p['type']));
      }
    }
  }
  t.same([...schemaTypes].sort(), ['array', 'boolean', 'enum', 'integer', 'number', 'string'], 'train covers every argument type');
  const valueTypes = new Set<string>();
  for (const task of suite.train) for (const c of calls(task)) for (const v of Object.values(c.arguments)) valueTypes.add(Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'int' : typeof v);
  t.same([...valueTypes].sort(), ['array', 'boolean', 'int', 'number', 'string'], 'answers carry every value type');
  for (const api of CATALOGUE) {
    t.ok(api.templates.length >= 4, `${api.name}: ${api.templates.length} templates`);
    for (const tp of api.templates) {
      const slots = slotsOf(tp);
      if (!slots.every((s) => s in api.params)) t.fail(`${api.name}: "${tp}" names an unknown slot`);
      if (!api.required.every((r) => slots.includes(r))) t.fail(`${api.name}: "${tp}" misses a required slot`);
      if (new Set(slots).size !== slots.length) t.fail(`${api.name}: "${tp}" repeats a slot`);
      if (!/[.?!]"?$/.test(tp)) t.fail(`${api.name}: "${tp}" does not end a sentence`);
    }
  }
});

t.test('every split has exactly the size asked for (category remainders included)', async (t) => {
  for (let n = 1; n <= 30; n++) {
    const s = syntheticSuite({ seed: 9, trainSize: n, testSize: n, testTemplatesSize: n, testUnseenApisSize: n });
    for (const split of ['train', 'test', 'testTemplates', 'testUnseenApis'] as const) {
      if (s[split].length !== n) t.fail(`${split} of size ${n} has ${s[split].length} tasks`);
    }
  }
  t.pass('sizes 1..30');
});

import { DOMAINS, domainValues } from '../../lib/data/synthetic/domains.js';
import { FRESH_DOMAINS } from '../../lib/data/synthetic/fresh-values.js';

t.test('fresh RL stream: trainFrom offsets the task streams, trainValues fresh shares no domain value with SFT or held-out', async (t) => {
  const base = syntheticSuite({ seed: 0, trainSize: 300, testSize: 200, testTemplatesSize: 200, testUnseenApisSize: 200 });
  const fresh = syntheticSuite({ seed: 0, trainSize: 300, trainFrom: 4000, trainValues: 'fresh', testSize: 200, testTemplatesSize: 200, testUnseenApisSize: 200 });
  t.equal(fresh.train[0]?.id, 'train-04000');
  t.equal(fresh.train.length, 300);
  t.same(fresh.test, base.test, 'held-out splits do not depend on the train options');
  const offsetOnly = syntheticSuite({ seed: 0, trainSize: 300, trainFrom: 4000, testSize: 1, testTemplatesSize: 1, testUnseenApisSize: 1 });
  t.notSame(offsetOnly.train.map((x) => x.messages), base.train.map((x) => x.messages), 'other tasks than indices 0..');
  const domainValuesOf = (tasks: typeof base.train) => {
    const out = new Set<string>();
    for (const task of tasks) for (const c of task.answer as Call[]) for (const [k, v] of Object.entries(c.arguments)) {
      const tool = task.tools.find((x) => x.name === c.name);
      const schema = (tool?.parameters as { properties: Record<string, { enum?: unknown[]; type?: string }> }).properties[k];
      if (schema?.enum !== undefined || schema?.type === 'boolean') continue;  // enums and booleans are the schema's own
      for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') out.add(x);
    }
    return out;
  };
  const freshVals = domainValuesOf(fresh.train);
  const seen = new Set([...domainValuesOf(base.train), ...domainValuesOf(base.test), ...domainValuesOf(base.testTemplates), ...domainValuesOf(base.testUnseenApis)]);
  t.ok(freshVals.size > 100, `${freshVals.size} distinct fresh string values in the tasks`);
  // Like splitDomains' train/held-out split, disjointness is per domain: two fresh tags,
  // 'work' and 'taxes', are also values of the folder domain (as 'travel' and 'music' are
  // both tags and folders in the original domains).
  t.same([...freshVals].filter((v) => seen.has(v)).sort(), ['taxes', 'work'].filter((v) => freshVals.has(v)).sort(),
    'no other string value shared with the SFT-side train values or any held-out split');
  for (const [name, d] of Object.entries(FRESH_DOMAINS)) {
    const orig = new Set(domainValues(DOMAINS[name as keyof typeof DOMAINS]));
    const f = domainValues(d);
    t.ok(f.length >= 4, `${name}: ${f.length} fresh values`);
    t.same(f.filter((v) => orig.has(v)), [], `${name}: none in the original domain, train or held-out side`);
  }
});

import { RANDOM_POOL_SIZE, randomPools } from '../../lib/data/synthetic/random-values.js';

t.test('random values: hundreds per domain, seeded, disjoint from the train, held-out and fresh values of every domain', async (t) => {
  const a = randomPools(0);
  t.same(randomPools(0), a, 'deterministic for a seed');
  t.notSame(randomPools(1).city, a.city, 'another seed, other values');
  const split = splitDomains(0);
  for (const name of Object.keys(DOMAINS) as (keyof typeof DOMAINS)[]) {
    const pool = a[name];
    t.equal(new Set(pool).size, pool.length, `${name}: no value twice`);
    t.ok(pool.length >= RANDOM_POOL_SIZE * 0.9, `${name}: ${pool.length} values`);
    const taken = new Set([...split[name].train, ...split[name].test, ...domainValues(FRESH_DOMAINS[name])]);
    t.same(pool.filter((v) => taken.has(v)), [], `${name}: none is a train, held-out or fresh value`);
    const kind = DOMAINS[name].kind;
    t.ok(pool.every((v) => (kind === 'string' ? typeof v === 'string' : typeof v === 'number')), `${name}: values of the domain's kind`);
  }
  // The look of the domain is kept: letters stay letters of the same class and case.
  t.ok(a.city.every((v) => /^[A-Z][a-z]+$/.test(String(v))), 'cities stay capitalised words');
  t.ok(a.email.every((v) => String(v).includes('@')), 'emails keep their @');
  const suite = syntheticSuite({ seed: 0, trainSize: 200, trainValues: 'random', testSize: 1, testTemplatesSize: 1, testUnseenApisSize: 1 });
  const base = syntheticSuite({ seed: 0, trainSize: 200, testSize: 1, testTemplatesSize: 1, testUnseenApisSize: 1 });
  // Same streams: the same category and first API per task (a parallel task redraws a
  // repeated call, and how often depends on the pool, so later parts may differ).
  const shape = (x: (typeof base.train)[number]) => [x.meta?.['category'], (x.meta?.['apis'] as string[])[0]];
  t.same(suite.train.map(shape), base.train.map(shape), 'same tasks (streams), other values');
  t.notSame(suite.train.map((x) => x.answer), base.train.map((x) => x.answer));
});

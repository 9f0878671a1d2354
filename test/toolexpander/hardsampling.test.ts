// Hard-sampling rounds against a scripted policy: each task needs a given number of
// demonstrations in its prompt before the policy answers it correctly.
import t from 'tap';

import { goldCalls } from '../../lib/data/gold.js';
import { syntheticSuite } from '../../lib/data/synthetic/suite.js';
import type { Task } from '../../lib/data/types.js';
import type { GenerateOptions, Rollout } from '../../lib/model/policy.js';
import { scoreRollout } from '../../lib/reward/score.js';
import {
  createDemoPool, emptyBook, goldCompletion, startLevel, type LevelBook,
} from '../../lib/toolexpander/index.js';
import { generationSeed, sampleGroups, type SamplingContext } from '../../lib/toolexpander/groups.js';
import { hardSampleRounds } from '../../lib/toolexpander/hardsampling.js';
import { defaultRender } from '../../lib/rl/trainer.js';
import { demoCount, lastUserTurn } from '../helpers/table-policy.js';

const suite = syntheticSuite({ seed: 3, trainSize: 120, testSize: 4, testTemplatesSize: 4, testUnseenApisSize: 4 });
const pool = createDemoPool(suite.train);
const tasks = suite.train.filter((x) => goldCalls(x).length > 0).slice(0, 6);
const query = (task: Task) => task.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';

/** needs[i]: demos task i needs to be solved (Infinity: never). Records every prompt. */
function scripted(needs: readonly number[]) {
  const byQuery = new Map(tasks.map((task, i) => [query(task), { task, need: needs[i] ?? 0 }]));
  const prompts: string[] = [];
  const calls: number[] = [];
  return {
    prompts, calls,
    async generate(ps: string[], opts: GenerateOptions): Promise<Rollout[][]> {
      calls.push(ps.length);
      prompts.push(...ps);
      return ps.map((p) => {
        const e = byQuery.get(lastUserTurn(p));
        const ok = e !== undefined && demoCount(p) >= e.need;
        const text = ok && e ? goldCompletion(e.task) : '<think>?</think><tool_call>[]</tool_call>';
        return Array.from({ length: opts.n }, () => ({ text, tokens: Int32Array.of(0), logp: Float32Array.of(0) }));
      });
    },
  };
}

function ctxFor(policy: ReturnType<typeof scripted>, step = 0): SamplingContext {
  return {
    policy, pool, render: defaultRender, score: (text, task) => scoreRollout(text, task),
    generation: { temperature: 1, maxTokens: 64 }, groupSize: 4, seed: 11, step,
  };
}

const cfg = { shots: [1, 2], maxExtraRollouts: 1000 };

async function step(needs: number[], book: LevelBook, opts = cfg, stepNo = 0) {
  const policy = scripted(needs);
  const ctx = ctxFor(policy, stepNo);
  const first = await sampleGroups(ctx, tasks, tasks.map((x) => startLevel(book, x.id)), 0, opts);
  const r = await hardSampleRounds(ctx, first, book, opts);
  return { ...r, first, policy };
}

t.test('rounds: solved at round k replaces the sample, still hard is deferred', async (t) => {
  const needs = [0, 1, 2, Infinity, 0, 1];
  const r = await step(needs, emptyBook());
  t.equal(r.stats.hard, 4, 'four groups hard before resampling');
  t.same(r.stats.resolvedPerRound, [2, 1], 'two solved with 1 demo, one with 2');
  t.equal(r.stats.deferred, 1);
  t.equal(r.stats.extraRollouts, (4 + 2) * 4, 'round 1: 4 groups, round 2: 2 groups');
  t.same(r.policy.calls, [6, 4, 2], 'one generate call per round');
  t.equal(r.groups[0], r.first[0], 'not hard: the original group stays');
  for (const i of [1, 5]) {
    t.equal(r.groups[i]?.level, 1);
    t.equal(r.groups[i]?.demoIds.length, 1);
    t.ok(r.groups[i]?.scores.every((s) => s.base === 1), 'the solved round is what the loss sees');
    t.equal(demoCount(r.groups[i]?.prompt ?? ''), 1, 'its prompt carries the demo');
  }
  t.equal(r.groups[2]?.level, 2);
  t.equal(r.groups[2]?.demoIds.length, 2);
  t.equal(r.groups[3], null, 'never solved: deferred, no gradient');
  t.same(r.book.deferred, [tasks[3]?.id], 're-queued for the next epoch');
  t.same(tasks.map((x) => startLevel(r.book, x.id)), [0, 0, 1, 2, 0, 0], 'next visit: solved at L starts at L-1; deferred at the top level');
});

t.test('levels fade over visits as the policy improves', async (t) => {
  let book = emptyBook();
  const levels: number[] = [];
  // The policy needs 2 demos for task 2 on the first visit, then none.
  for (const [i, needs] of [[0, 0, 2, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]].entries()) {
    levels.push(startLevel(book, tasks[2]?.id ?? ''));
    book = (await step(needs, book, cfg, i)).book;
  }
  levels.push(startLevel(book, tasks[2]?.id ?? ''));
  t.same(levels, [0, 1, 0, 0], 'solved at 2 -> starts at 1 -> solved at 1 -> starts at 0');
});

t.test('the extra-rollout budget caps the rounds', async (t) => {
  const needs = [1, 1, 1, 1, 1, 1];
  const r = await step(needs, emptyBook(), { shots: [1, 2], maxExtraRollouts: 9 });
  t.equal(r.stats.extraRollouts, 8, 'two groups of 4 fit in 9');
  t.same(r.stats.resolvedPerRound, [2, 0]);
  t.equal(r.stats.deferred, 4, 'the others are deferred at level 0');
  t.same(tasks.map((x) => startLevel(r.book, x.id)), [0, 0, 0, 0, 0, 0], 'budget-deferred prompts keep level 0');
  const none = await step(needs, emptyBook(), { shots: [1, 2], maxExtraRollouts: 0 });
  t.equal(none.stats.extraRollouts, 0);
  t.equal(none.stats.deferred, 6);
});

t.test('no leakage: demos are never the task, its answer never appears in its prompt', async (t) => {
  const r = await step([2, 2, 2, 2, 2, 2], emptyBook());
  t.equal(r.stats.resolvedPerRound[1], 6);
  let checked = 0;
  for (const p of r.policy.prompts) {
    const task = tasks.find((x) => query(x) === lastUserTurn(p));
    if (task === undefined) continue;
    for (const c of goldCalls(task)) t.notOk(p.includes(JSON.stringify(c)), `${task.id}: gold call not in the prompt`);
    checked++;
  }
  t.equal(checked, 6 * 3);
  for (const g of r.groups) t.notOk(g?.demoIds.includes(g.task.id), 'a task is not its own demo');
});

t.test('generation seeds differ per step and round, and are reproducible', async (t) => {
  t.equal(generationSeed(1, 2, 0), generationSeed(1, 2, 0));
  const seeds = new Set([0, 1, 2].flatMap((s) => [0, 1, 2].map((r) => generationSeed(1, s, r))));
  t.equal(seeds.size, 9);
  const a = await step([0, 1, 2, Infinity, 0, 1], emptyBook());
  const b = await step([0, 1, 2, Infinity, 0, 1], emptyBook());
  t.same(a.policy.prompts, b.policy.prompts, 'same demos, same prompts');
});

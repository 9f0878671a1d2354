// The trainer's samplers behind one interface: which one a config gets, and what each does
// with a step's first groups (against a scripted policy; hard sampling's rounds themselves
// are tested in test/toolexpander/hardsampling.test.ts).
import t from 'tap';

import { syntheticSuite } from '../../lib/data/synthetic/suite.js';
import type { Task } from '../../lib/data/types.js';
import type { GenerateOptions, Rollout } from '../../lib/model/policy.js';
import { scoreRollout } from '../../lib/reward/score.js';
import { dynamicSampler, hardSampler, noSampler, PRESET_NAMES, resolveTrainConfig, samplerFor, type SamplerContext } from '../../lib/rl/index.js';
import { createDemoPool, emptyBook, goldCompletion, sampleGroups, type Group } from '../../lib/toolexpander/index.js';
import { defaultRender } from '../../lib/rl/trainer.js';
import { lastUserTurn } from '../helpers/table-policy.js';

const suite = syntheticSuite({ seed: 5, trainSize: 40, testSize: 2, testTemplatesSize: 2, testUnseenApisSize: 2 });
const tasks = suite.train;

/** Solves a task when `solved(task)`, else answers wrongly; `mixed` tasks get one right rollout of G. */
function scripted(solved: (task: Task) => boolean, mixed: (task: Task) => boolean = () => false) {
  const byQuery = new Map(tasks.map((task) => [lastUserTurn(defaultRender(task, [])), task]));
  const calls: { prompts: number; seed: number }[] = [];
  return {
    calls,
    async generate(ps: string[], opts: GenerateOptions): Promise<Rollout[][]> {
      calls.push({ prompts: ps.length, seed: opts.seed ?? -1 });
      return ps.map((p) => {
        const task = byQuery.get(lastUserTurn(p));
        const good = task === undefined ? '' : goldCompletion(task);
        return Array.from({ length: opts.n }, (_, j) => {
          const ok = task !== undefined && (solved(task) || (mixed(task) && j === 0));
          return { text: ok ? good : 'no answer', tokens: Int32Array.of(0), logp: Float32Array.of(0) };
        });
      });
    },
  };
}

function context(policy: ReturnType<typeof scripted>, queue: Task[]): SamplerContext {
  return {
    policy, pool: createDemoPool(tasks), render: defaultRender, score: (text, task) => scoreRollout(text, task),
    generation: { temperature: 1, maxTokens: 64 }, groupSize: 4, seed: 3, step: 0, book: emptyBook(),
    draw: (n) => queue.splice(0, n),
  };
}

t.test('samplerFor: hard sampling for the toolexpander presets, dynamic sampling for dapo-filter, none otherwise', async (t) => {
  const want: Record<string, string> = {
    grpo: 'none', toolexpander: 'hard', 'toolexpander-no-set': 'hard', 'toolexpander-no-hs': 'none', 'dapo-filter': 'dynamic', 'toolexpander-transfer': 'hard',
  };
  for (const p of PRESET_NAMES) t.equal(samplerFor(resolveTrainConfig(p)).name, want[p], p);
  const both = resolveTrainConfig('grpo', { hardSampling: { enabled: true }, dynamicSampling: { enabled: true } });
  t.equal(samplerFor(both).name, 'hard', 'both enabled: hard sampling');
});

t.test('none: every first group, nothing spent', async (t) => {
  const policy = scripted(() => false);
  const ctx = context(policy, []);
  const first = await sampleGroups(ctx, tasks.slice(0, 3), [0, 0, 0], 0, { shots: [1, 2] });
  const r = await noSampler(2).resample(first, ctx);
  t.same(r.groups, first);
  t.same({ ...r, groups: [] }, { groups: [], resolvedPerRound: [0, 0], deferred: 0, extraRollouts: 0, extraPrompts: 0 });
  t.equal(noSampler(2).startLevel({ levels: { [tasks[0]!.id]: 2 }, deferred: [] }, tasks[0]!.id), 0, 'always the plain prompt');
});

t.test('dynamic: zero-variance groups dropped, the batch refilled from the queue within the budget', async (t) => {
  // Even-numbered tasks have a reward spread, odd ones are all wrong (zero variance).
  const spread = new Set(tasks.filter((_, i) => i % 2 === 0).map((x) => x.id));
  const policy = scripted(() => false, (task) => spread.has(task.id));
  const queue = tasks.slice(4);
  const ctx = context(policy, queue);
  const first = await sampleGroups(ctx, tasks.slice(0, 4), [0, 0, 0, 0], 0, { shots: [1, 2] });
  const r = await dynamicSampler({ batchSize: 4, maxExtraRollouts: 12, rounds: 2 }).resample(first, ctx);
  // Kept 2 of 4; round 1 draws 2 (1 kept), round 2 draws 1 (kept): 3 prompts, 12 rollouts, budget spent.
  t.same(r.groups.map((g: Group) => g.task.id), [tasks[0]!.id, tasks[2]!.id, tasks[4]!.id, tasks[6]!.id]);
  t.equal(r.extraPrompts, 3);
  t.equal(r.extraRollouts, 12);
  t.same(r.resolvedPerRound, [0, 0]);
  t.equal(r.deferred, 0);
  t.same(policy.calls.slice(1).map((c) => c.prompts), [2, 1], 'one generate call per refill round');
  t.equal(queue.length, tasks.length - 7, 'the refills came from the queue');
  t.ok(r.groups.slice(2).every((g: Group) => g.level === 0 && g.demoIds.length === 0), 'refills are plain prompts');
});

t.test('hard: the level book decides the start level and comes back updated', async (t) => {
  const policy = scripted((task) => task.id !== tasks[1]!.id);
  const ctx = context(policy, []);
  const s = hardSampler({ shots: [1, 2], maxExtraRollouts: 100 });
  const book = { levels: { [tasks[0]!.id]: 1 }, deferred: [] };
  t.equal(s.startLevel(book, tasks[0]!.id), 1);
  const first = await sampleGroups(ctx, tasks.slice(0, 2), [1, 0], 0, { shots: [1, 2] });
  const r = await s.resample(first, { ...ctx, book });
  t.equal(r.deferred, 1, 'the never-solved task is deferred');
  t.same(r.book?.deferred, [tasks[1]!.id]);
  t.equal(r.groups.length, 1);
  t.equal(r.extraPrompts, 0, 'hard sampling draws no prompts');
});

import t from 'tap';
import {
  afterGroup, clearDeferred, emptyBook, isHard, maxLevel, meanLevel, recordVisit, shotsAt, startLevel,
  type LevelBook, type RoundDecision,
} from '../../lib/toolexpander/index.js';
import { epochOrder } from '../../lib/rl/queue.js';

const cfg = { shots: [1, 2] };

t.test('hard: no rollout with base reward 1', async (t) => {
  t.ok(isHard([0, 0, 0]));
  t.notOk(isHard([0, 1, 0]));
  t.ok(isHard([{ base: 0 }, { base: 0 }]));
  t.notOk(isHard([{ base: 0 }, { base: 1 }]));
  t.ok(isHard([0.01, 0.01]), 'a SET bonus alone is not correct');
  t.notOk(isHard([1.01]), 'a reward of 1.01 is base 1 + bonus');
  t.ok(isHard([{ base: 0, reward: 0.01 } as { base: number }]));
  t.ok(isHard([]), 'an empty group has no correct rollout');
});

t.test('levels and shots', async (t) => {
  t.equal(maxLevel(cfg), 2);
  t.same([0, 1, 2, 3].map((l) => shotsAt(cfg, l)), [0, 1, 2, 2]);
  t.equal(startLevel(emptyBook(), 'x'), 0);
  t.equal(startLevel(emptyBook(), 'constructor'), 0, 'ids are data, not prototype keys');
});

t.test('a visit climbs while hard, stops when solved, defers at the top', async (t) => {
  t.same(afterGroup(0, false, cfg), { kind: 'solved', level: 0 });
  t.same(afterGroup(0, true, cfg), { kind: 'retry', level: 1 });
  t.same(afterGroup(1, true, cfg), { kind: 'retry', level: 2 });
  t.same(afterGroup(2, true, cfg), { kind: 'deferred', level: 2 });
  t.same(afterGroup(1, false, cfg), { kind: 'solved', level: 1 });
  t.same(afterGroup(0, true, cfg, { extraLeft: 7, groupSize: 8 }), { kind: 'deferred', level: 0 }, 'budget cannot pay another group');
  t.same(afterGroup(0, true, cfg, { extraLeft: 8, groupSize: 8 }), { kind: 'retry', level: 1 });
});

/** Run one visit against a scripted policy: hardAt(level) says whether the group is hard. */
function visit(book: LevelBook, id: string, hardAt: (level: number) => boolean): { book: LevelBook; end: RoundDecision; rounds: number } {
  let level = startLevel(book, id);
  let rounds = 0;
  for (;;) {
    const d = afterGroup(level, hardAt(level), cfg);
    if (d.kind === 'retry') { level = d.level; rounds++; continue; }
    return { book: recordVisit(book, id, d, cfg), end: d, rounds };
  }
}

t.test('demonstrations fade across epochs: solved at L -> next visit at L-1', async (t) => {
  // A prompt solvable only with two demos, then with one, then plain, as the policy learns.
  // Visit 3 starts plain (solved at 1 before) but still needs one demo: it climbs again.
  let book = emptyBook();
  const needs = [2, 1, 1, 0, 0];
  const ends: string[] = [];
  const starts: number[] = [];
  for (const need of needs) {
    starts.push(startLevel(book, 'p'));
    const r = visit(book, 'p', (l) => l < need);
    book = r.book;
    ends.push(`${r.end.kind}@${r.end.level}`);
  }
  t.same(starts, [0, 1, 0, 0, 0]);
  t.same(ends, ['solved@2', 'solved@1', 'solved@1', 'solved@0', 'solved@0']);
  t.same(book.levels, {}, 'level 0 is not stored');
});

t.test('still hard after R rounds: deferred, re-queued first next epoch, at its highest level', async (t) => {
  let book = emptyBook();
  const r = visit(book, 'q', () => true);
  t.same(r.end, { kind: 'deferred', level: 2 });
  t.equal(r.rounds, 2);
  book = r.book;
  t.equal(startLevel(book, 'q'), 2);
  t.same(book.deferred, ['q']);
  book = recordVisit(book, 'q', { kind: 'deferred', level: 2 }, cfg);
  t.same(book.deferred, ['q'], 'queued once');
  // The queue puts the deferred prompts first at the next epoch, then the book lets them go.
  const next = { order: epochOrder(book.deferred, ['a', 'b', 'q', 'c']), book: clearDeferred(book) };
  t.same(next.order, ['q', 'a', 'b', 'c']);
  t.same(next.book.deferred, []);
  t.equal(startLevel(next.book, 'q'), 2, 'keeps its level');
  t.same(epochOrder(['gone'], ['a']), ['a'], 'unknown ids are dropped');
  // Starting at the top level and still hard: deferred without extra rounds.
  const again = visit(next.book, 'q', () => true);
  t.equal(again.rounds, 0);
  t.same(again.end, { kind: 'deferred', level: 2 });
  // Solved at the top the next visit starts one lower.
  t.equal(startLevel(visit(next.book, 'q', () => false).book, 'q'), 1);
  // Budget stop at level 0: deferred at 0 (its highest tried).
  const cut = recordVisit(emptyBook(), 'z', afterGroup(0, true, cfg, { extraLeft: 0, groupSize: 4 }) as { kind: 'deferred'; level: number }, cfg);
  t.equal(startLevel(cut, 'z'), 0);
  t.same(cut.deferred, ['z']);
});

t.test('bookkeeping is pure and JSON round-trips', async (t) => {
  const a = emptyBook();
  const b = recordVisit(a, 'x', { kind: 'solved', level: 2 }, cfg);
  t.same(a, emptyBook(), 'input untouched');
  t.same(JSON.parse(JSON.stringify(b)), b);
  t.equal(meanLevel(b, ['x', 'y']), 0.5);
  t.equal(meanLevel(b, []), 0);
});

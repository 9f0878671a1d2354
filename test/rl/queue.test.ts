// The prompt queue: seeded epoch shuffles, re-queued ids first at the next epoch boundary.
import t from 'tap';

import { epochOrder, epochShuffle, initialQueue, takePrompts } from '../../lib/rl/queue.js';

const ids = ['a', 'b', 'c', 'd', 'e'];

t.test('draws walk the epoch order, then the next seeded shuffle', async (t) => {
  const q0 = initialQueue(7, ids);
  t.same(q0.order, epochShuffle(7, 0, ids));
  const one = takePrompts(q0, 3, 7, ids);
  t.same(one.ids, q0.order.slice(0, 3));
  t.equal(one.requeued, false, 'no epoch boundary crossed');
  const two = takePrompts(one.queue, 4, 7, ids);
  t.same(two.ids, [...q0.order.slice(3), ...epochShuffle(7, 1, ids).slice(0, 2)]);
  t.equal(two.queue.epoch, 1);
  t.equal(two.requeued, true);
  // Draws split anywhere give the same prompts as one draw.
  t.same([...one.ids, ...two.ids], takePrompts(q0, 7, 7, ids).ids);
});

t.test('re-queued ids lead the next epoch, once', async (t) => {
  const q = { ...initialQueue(7, ids), pos: ids.length };
  const r = takePrompts(q, 12, 7, ids, ['d', 'gone', 'b']);
  t.same(r.ids.slice(0, 5), epochOrder(['d', 'b'], epochShuffle(7, 1, ids)));
  t.same(r.ids.slice(0, 2), ['d', 'b'], 'in the order they were re-queued; unknown ids dropped');
  t.same(r.ids.slice(5, 10), epochShuffle(7, 2, ids), 'the second boundary of the same draw has nothing re-queued');
  t.equal(r.requeued, true);
  t.same(takePrompts(initialQueue(7, ids), 2, 7, ids, ['d']).ids, initialQueue(7, ids).order.slice(0, 2), 'no boundary: the list waits');
});

t.test('no ids: nothing drawn', async (t) => {
  t.same(takePrompts(initialQueue(1, []), 3, 1, [], ['x']), { ids: [], queue: initialQueue(1, []), requeued: false });
});

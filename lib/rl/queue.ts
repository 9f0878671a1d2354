// The order prompts are visited in: a seeded shuffle per epoch, with the prompts the caller
// re-queues (hard sampling's deferred ones, kept in the level book) moved to the front of
// the next epoch. The queue knows ids only, not why they come back. The whole state is
// plain JSON (epoch, position, this epoch's order), so a checkpoint stores it and a resumed
// run draws exactly the prompts the uninterrupted one would.

import { shuffled, stream } from '../util/prng.js';

export type QueueState = { epoch: number; pos: number; order: string[] };

export function epochShuffle(seed: number, epoch: number, ids: readonly string[]): string[] {
  return shuffled(stream(seed, 'epoch', epoch), ids);
}

export function initialQueue(seed: number, ids: readonly string[]): QueueState {
  return { epoch: 0, pos: 0, order: epochShuffle(seed, 0, ids) };
}

/**
 * An epoch's order: the re-queued ids first (those still in the epoch's shuffle, in the
 * order they were re-queued), then every other id in the shuffled order.
 */
export function epochOrder(requeue: readonly string[], shuffledIds: readonly string[]): string[] {
  const known = new Set(shuffledIds);
  const first = requeue.filter((id) => known.has(id));
  const firstSet = new Set(first);
  return [...first, ...shuffledIds.filter((id) => !firstSet.has(id))];
}

/**
 * The next `n` prompt ids, crossing into new epochs as needed. The first epoch boundary
 * crossed puts `requeue` in front of the new order; `requeued` says whether one was crossed
 * (the caller's list is then used up). Pure: returns the new state.
 */
export function takePrompts(q: QueueState, n: number, seed: number, ids: readonly string[], requeue: readonly string[] = []):
  { ids: string[]; queue: QueueState; requeued: boolean } {
  if (ids.length === 0) return { ids: [], queue: q, requeued: false };
  const out: string[] = [];
  let state = q;
  let front = requeue;
  let requeued = false;
  while (out.length < n) {
    if (state.pos >= state.order.length) {
      const epoch = state.epoch + 1;
      state = { epoch, pos: 0, order: epochOrder(front, epochShuffle(seed, epoch, ids)) };
      front = [];
      requeued = true;
    }
    const take = Math.min(n - out.length, state.order.length - state.pos);
    out.push(...state.order.slice(state.pos, state.pos + take));
    state = { ...state, pos: state.pos + take };
  }
  return { ids: out, queue: state, requeued };
}

// The order prompts are visited in: a seeded shuffle per epoch, with the prompts deferred
// by hard sampling in the last epoch moved to the front of the next (levels.ts nextEpoch).
// The whole state is plain JSON (epoch, position, this epoch's order), so a checkpoint
// stores it and a resumed run draws exactly the prompts the uninterrupted one would.

import { shuffled, stream } from '../util/prng.js';
import { emptyBook, nextEpoch, type LevelBook } from '../toolexpander/levels.js';

export type QueueState = { epoch: number; pos: number; order: string[] };

export function epochShuffle(seed: number, epoch: number, ids: readonly string[]): string[] {
  return shuffled(stream(seed, 'epoch', epoch), ids);
}

export function initialQueue(seed: number, ids: readonly string[]): QueueState {
  return { epoch: 0, pos: 0, order: epochShuffle(seed, 0, ids) };
}

/**
 * The next `n` prompt ids (crossing into new epochs as needed; an epoch boundary also
 * empties the book's deferred list into the new order). Pure: returns the new state.
 */
export function takePrompts(q: QueueState, book: LevelBook, n: number, seed: number, ids: readonly string[]):
  { ids: string[]; queue: QueueState; book: LevelBook } {
  if (ids.length === 0) return { ids: [], queue: q, book };
  const out: string[] = [];
  let state = q;
  let b = book ?? emptyBook();
  while (out.length < n) {
    if (state.pos >= state.order.length) {
      const epoch = state.epoch + 1;
      const next = nextEpoch(b, epochShuffle(seed, epoch, ids));
      b = next.book;
      state = { epoch, pos: 0, order: next.order };
    }
    const take = Math.min(n - out.length, state.order.length - state.pos);
    out.push(...state.order.slice(state.pos, state.pos + take));
    state = { ...state, pos: state.pos + take };
  }
  return { ids: out, queue: state, book: b };
}

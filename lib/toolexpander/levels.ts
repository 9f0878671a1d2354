// Demo levels and hard detection for Dynamic Multi-Round Hard Sampling (docs/method.md
// section 5). Level 0 is the plain prompt; level L >= 1 carries shots[L-1] demonstrations.
// A visit starts at the prompt's stored level; while its group is hard it climbs one level
// per round up to the top level; solved at L -> the next visit starts at L-1 (demos fade);
// still hard at the top -> deferred (no gradient) and re-queued at the top level.
// All state is plain JSON, so a checkpoint can store it and --resume continue bit-exactly.

/**
 * A rollout's score: an object with its base reward, or a reward r = r_base + bonus with
 * 0 <= bonus < 1 (the SET bonus), so r >= 1 exactly when r_base = 1.
 */
export type Scored = number | { readonly base: number };

function correct(s: Scored): boolean {
  return typeof s === 'number' ? s >= 1 : s.base === 1;
}

/** Hard: no rollout in the group is correct (base reward 1). An empty group is hard too. */
export function isHard(group: readonly Scored[]): boolean {
  for (const s of group) if (correct(s)) return false;
  return true;
}

export type LevelConfig = {
  /** Demonstrations per level: shots[L-1] at level L (default [1, 2]: two rounds). */
  shots: readonly number[];
};

export const DEFAULT_SHOTS: readonly number[] = [1, 2];

export function maxLevel(cfg: LevelConfig): number {
  return cfg.shots.length;
}

/** How many demonstrations a prompt at `level` carries. */
export function shotsAt(cfg: LevelConfig, level: number): number {
  if (level <= 0) return 0;
  return cfg.shots[Math.min(level, cfg.shots.length) - 1] ?? 0;
}

/** Per-prompt levels (absent = 0) and the prompts deferred since the last epoch boundary. */
export type LevelBook = {
  readonly levels: Readonly<Record<string, number>>;
  readonly deferred: readonly string[];
};

export function emptyBook(): LevelBook {
  return { levels: {}, deferred: [] };
}

/** The level the next visit of `id` starts at. */
export function startLevel(book: LevelBook, id: string): number {
  return Object.hasOwn(book.levels, id) ? (book.levels[id] ?? 0) : 0;
}

/** What one group's result means for the visit: stop (solved or out of levels) or climb. */
export type RoundDecision =
  | { kind: 'solved'; level: number }
  | { kind: 'retry'; level: number }
  | { kind: 'deferred'; level: number };

/**
 * After a group at `level` was scored: solved when not hard; otherwise the next level if
 * there is one and the extra-rollout budget still covers a group of `groupSize`; else
 * deferred at the highest level tried.
 */
export function afterGroup(level: number, hard: boolean, cfg: LevelConfig,
  budget: { extraLeft: number; groupSize: number } = { extraLeft: Infinity, groupSize: 0 }): RoundDecision {
  if (!hard) return { kind: 'solved', level };
  if (level < maxLevel(cfg) && budget.extraLeft >= budget.groupSize) return { kind: 'retry', level: level + 1 };
  return { kind: 'deferred', level };
}

/**
 * Record how a visit of `id` ended. Solved at L: the next visit starts at max(0, L-1).
 * Deferred: the next visit starts at the highest level tried (the top one, unless the
 * extra-rollout budget stopped the climb), and `id` is queued for the next epoch. A prompt stored at level 0 is dropped from `levels` (the default).
 */
export function recordVisit(book: LevelBook, id: string, end: { kind: 'solved' | 'deferred'; level: number }, cfg: LevelConfig): LevelBook {
  const next = end.kind === 'solved' ? Math.max(0, end.level - 1) : Math.min(end.level, maxLevel(cfg));
  const levels: Record<string, number> = { ...book.levels };
  if (next === 0) delete levels[id];
  else levels[id] = next;
  const deferred = end.kind === 'deferred' && !book.deferred.includes(id) ? [...book.deferred, id] : book.deferred.slice();
  return { levels, deferred };
}

/** Mean level over `ids` (a logged metric: it falls as demonstrations fade). */
export function meanLevel(book: LevelBook, ids: readonly string[]): number {
  if (ids.length === 0) return 0;
  let s = 0;
  for (const id of ids) s += startLevel(book, id);
  return s / ids.length;
}

/**
 * The book once the prompt queue has moved its deferred prompts to the front of a new
 * epoch (lib/rl/queue.ts): every level kept (re-queued prompts come back at their highest
 * level), the deferred list empty.
 */
export function clearDeferred(book: LevelBook): LevelBook {
  return { levels: { ...book.levels }, deferred: [] };
}

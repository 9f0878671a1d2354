import type { Call } from '../data/types.js';

export type FormatMode = 'strict' | 'tool-n1';
export type MatcherName = 'exact' | 'bfcl' | 'api-bank';
export type SetGate = 'correct' | 'format' | 'always';

/** Why a rollout did not score: format failures first, then match failures. */
export type ParseFailReason = 'no_tool_call' | 'bad_json' | 'bad_item' | 'missing_think';
export type MatchFailReason = 'wrong_name' | 'wrong_args' | 'extra_call' | 'missing_call';
export type Reason = 'ok' | ParseFailReason | MatchFailReason;

export type ParsedCall = Call;

export type ParseResult =
  | { ok: true; calls: ParsedCall[]; think: string }
  | { ok: false; reason: ParseFailReason };

export type ParseOptions = { format?: FormatMode };

export type ScoreOptions = {
  matcher?: MatcherName;
  format?: FormatMode;
  /** Self-Exemplifying Thinking bonus (default 0.01). */
  setBonus?: number;
  /** When the bonus may be paid: r_base = 1 (default), format correct, or always. */
  setGate?: SetGate;
};

export type ScoreResult = {
  reward: number;
  base: 0 | 1;
  set: boolean;
  reason: Reason;
  schemaValid: boolean;
};

/** `detail`: the checker's own error type where it has one (BFCL's `error_type`). */
export type MatchResult = { ok: true } | { ok: false; reason: MatchFailReason; detail?: string };

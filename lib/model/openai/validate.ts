// Argument checks of OpenAIPolicy.generate and .logprobs, before anything is sent: a bad
// value is a TxError E_RANGE naming it, not a server 400 about a field the caller never set.

import { TxError } from '../../errors.js';
import type { GenerateOptions } from '../policy.js';

export type ScoreItem = { prompt: string; completion: Int32Array };

function fail(message: string): never {
  throw new TxError('E_RANGE', `OpenAIPolicy.${message}`);
}

function checkNumber(name: string, v: unknown, ok: (x: number) => boolean, what: string): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))) fail(`generate: opts.${name} must be ${what}, got ${String(v)}`);
}

export function checkGenerateArgs(prompts: unknown, opts: unknown): asserts opts is GenerateOptions {
  if (!Array.isArray(prompts) || prompts.some((p) => typeof p !== 'string')) fail('generate: prompts must be an array of strings');
  if (opts === null || typeof opts !== 'object') fail('generate: opts must be an object');
  const o = opts as Record<string, unknown>;
  const posInt = (x: number): boolean => Number.isInteger(x) && x >= 1;
  if (o['n'] === undefined) fail('generate: opts.n is required');
  if (o['maxTokens'] === undefined) fail('generate: opts.maxTokens is required');
  if (o['seed'] === undefined) fail('generate: opts.seed is required');
  checkNumber('n', o['n'], posInt, 'a positive integer');
  checkNumber('maxTokens', o['maxTokens'], posInt, 'a positive integer');
  checkNumber('seed', o['seed'], Number.isSafeInteger, 'an integer');
  checkNumber('temperature', o['temperature'], (x) => x >= 0, 'a number >= 0');
  checkNumber('topP', o['topP'], (x) => x > 0 && x <= 1, 'in (0, 1]');
  checkNumber('topK', o['topK'], (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0 (0: off)');
  const stop = o['stop'];
  if (stop !== undefined && (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string' || s === ''))) {
    fail('generate: opts.stop must be an array of non-empty strings');
  }
}

export function checkScoreItems(items: unknown): asserts items is ScoreItem[] {
  if (!Array.isArray(items)) fail('logprobs: items must be an array');
  items.forEach((it: unknown, i) => {
    const x = it as Partial<ScoreItem> | null;
    if (x === null || typeof x !== 'object' || typeof x.prompt !== 'string') fail(`logprobs: items[${i}].prompt must be a string`);
    if (!(x.completion instanceof Int32Array)) fail(`logprobs: items[${i}].completion must be an Int32Array of token ids`);
    if (x.completion.some((id) => id < 0)) fail(`logprobs: items[${i}].completion holds a negative token id`);
  });
}

// The /v1/completions wire format: request bodies for sampling and for scoring (echo), and
// the checks that turn a response into Rollouts. Any response that does not have the
// expected shape is a TxError E_FORMAT saying which field is wrong.

import { TxError } from '../../errors.js';
import type { GenerateOptions, Rollout } from '../policy.js';

export type WireOptions = { model: string; tokenIds: boolean; vendorExtensions: boolean; extraBody: Record<string, unknown> };

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function formatError(where: string, message: string): TxError {
  return new TxError('E_FORMAT', `${where}: ${message}`);
}

/** The body of one sampling request: `n` completions of one prompt (a rendered ChatML string). */
export function completionRequest(prompt: string, g: GenerateOptions, w: WireOptions): Json {
  const body: Json = { model: w.model, prompt, n: g.n, max_tokens: g.maxTokens, seed: g.seed, logprobs: 1 };
  if (g.temperature !== undefined) body['temperature'] = g.temperature;
  if (g.topP !== undefined) body['top_p'] = g.topP;
  if (w.vendorExtensions && g.topK !== undefined && g.topK > 0) body['top_k'] = g.topK;  // 0 = off: omitted
  if (g.stop !== undefined && g.stop.length > 0) {
    body['stop'] = g.stop;
    // The Policy contract keeps the stop string in the text; OpenAI's default cuts it.
    if (w.vendorExtensions) Object.assign(body, { include_stop_str_in_output: true, no_stop_trim: true });
  }
  if (w.tokenIds) body['return_tokens_as_token_ids'] = true;
  return { ...body, ...w.extraBody };
}

/**
 * The body that scores `ids` (prompt then completion token ids): echo the prompt with its
 * log-probs and generate a single token (vLLM turns max_tokens 0 into 1 anyway; some
 * versions reject 0).
 */
export function scoringRequest(ids: readonly number[], w: WireOptions): Json {
  return { model: w.model, prompt: ids, echo: true, max_tokens: 1, temperature: 0, logprobs: 1, n: 1, ...w.extraBody };
}

const TOKEN_ID = /^token_id:(\d+)$/;

/** vLLM's `return_tokens_as_token_ids` writes each token as "token_id:123". */
export function parseTokenIds(tokens: unknown, where: string): Int32Array {
  if (!Array.isArray(tokens)) throw formatError(where, 'logprobs.tokens is missing: the server ignored return_tokens_as_token_ids (a vLLM option)');
  const ids = new Int32Array(tokens.length);
  tokens.forEach((t, i) => {
    const m = typeof t === 'string' ? TOKEN_ID.exec(t) : null;
    if (m === null || Number(m[1]) > 0x7fffffff) throw formatError(where, `logprobs.tokens[${i}] is ${JSON.stringify(t)}, not "token_id:<id>"`);
    ids[i] = Number(m[1]);
  });
  return ids;
}

/** token_logprobs as f32; null (vLLM's value for a sequence's first prompt token) becomes NaN. */
export function parseLogprobs(values: unknown, where: string): Float32Array {
  if (!Array.isArray(values)) throw formatError(where, 'logprobs.token_logprobs is not an array');
  return Float32Array.from(values, (v, i) => {
    if (v === null) return NaN;
    if (typeof v !== 'number') throw formatError(where, `logprobs.token_logprobs[${i}] is ${JSON.stringify(v)}, not a number`);
    return v;
  });
}

function choicesOf(body: unknown, n: number, where: string): Json[] {
  if (!isObject(body) || !Array.isArray(body['choices'])) throw formatError(where, 'the response has no choices array');
  const choices = body['choices'] as unknown[];
  if (choices.length !== n) throw formatError(where, `${choices.length} choices for n = ${n}`);
  // Servers may answer choices out of order: `index` says which sample each one is.
  const byIndex: Json[] = new Array<Json>(n);
  choices.forEach((c, k) => {
    const index = isObject(c) ? c['index'] ?? k : undefined;
    if (!isObject(c) || typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= n || byIndex[index] !== undefined) {
      throw formatError(where, `choices[${k}] is not a choice with a distinct index in [0, ${n})`);
    }
    byIndex[index] = c;
  });
  return byIndex;
}

function rolloutOf(c: Json, tokenIds: boolean, where: string): Rollout {
  if (typeof c['text'] !== 'string') throw formatError(where, 'choice.text is not a string');
  const lp = c['logprobs'];
  if (lp === null || lp === undefined) {
    if (tokenIds) throw formatError(where, 'choice.logprobs is missing: no token ids to return');
    return { text: c['text'], tokens: new Int32Array(0), logp: new Float32Array(0) };
  }
  if (!isObject(lp)) throw formatError(where, 'choice.logprobs is not an object');
  const logp = parseLogprobs(lp['token_logprobs'], where);
  const tokens = tokenIds ? parseTokenIds(lp['tokens'], where) : new Int32Array(0);
  if (tokenIds && tokens.length !== logp.length) throw formatError(where, `${tokens.length} tokens but ${logp.length} token_logprobs`);
  return { text: c['text'], tokens, logp };
}

/** The `n` samples of one prompt, in sample-index order. */
export function parseCompletion(body: unknown, n: number, tokenIds: boolean, where: string): Rollout[] {
  return choicesOf(body, n, where).map((c) => rolloutOf(c, tokenIds, where));
}

/**
 * The log-probs of positions [from, to) of an echoed prompt. A server that answered without
 * echoing the prompt's log-probs cannot score: E_STATE, since the request was understood.
 */
export function parseEchoLogprobs(body: unknown, from: number, to: number, where: string): Float32Array {
  const [c] = choicesOf(body, 1, where);
  const lp = c!['logprobs'];
  const all = isObject(lp) ? parseLogprobs(lp['token_logprobs'], where) : new Float32Array(0);
  if (all.length < to) {
    throw new TxError('E_STATE', `${where}: the server returned ${all.length} log-probs for a ${to}-token prompt; it does not echo prompt log-probs (vLLM does with echo=true, logprobs=1)`);
  }
  return all.slice(from, to);
}

/** The ids of vLLM's POST /tokenize answer {tokens: number[]}. */
export function parseTokenizeResponse(body: unknown, where: string): number[] {
  const tokens = isObject(body) ? body['tokens'] : undefined;
  if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t) && (t as number) >= 0)) {
    throw formatError(where, 'the /tokenize answer has no tokens array of ids');
  }
  return tokens as number[];
}

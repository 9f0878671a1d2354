// The options of OpenAIPolicy and their validation. Every bad value is a TxError E_RANGE
// that names the option, raised in the constructor rather than at the first request.

import { TxError } from '../../errors.js';

/** The subset of the fetch API the client uses (the global fetch, undici's, or a test double). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Turns a prompt into the token ids the server would use (logprobs needs them). */
export type PromptTokenizer = (prompt: string) => ArrayLike<number> | Promise<ArrayLike<number>>;

export interface OpenAIPolicyOptions {
  /**
   * Server root, e.g. http://127.0.0.1:8000. A trailing `/v1` (the OpenAI SDK convention) is
   * accepted and dropped. Several servers of the same model: an array, or one string with
   * the URLs separated by commas; requests are spread over them (openai/pool.ts).
   */
  baseUrl: string | readonly string[];
  /** The served model name (vLLM's --served-model-name). */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`; empty means none. */
  apiKey?: string;
  /** Per attempt, covering the response body too (default 60000). */
  timeoutMs?: number;
  /** Extra attempts after a network error, a timeout, HTTP 408, 429 or 5xx (default 3). */
  retries?: number;
  /** First backoff delay; doubles per attempt, jittered to 50-100% (default 500). */
  retryBaseMs?: number;
  /** Cap on one backoff delay, Retry-After included (default 30000). */
  retryMaxMs?: number;
  /** Requests in flight at most, over all calls of this policy (default 8 per server). */
  concurrency?: number;
  /** Several servers: how often a server taken out is probed with GET /health (default 500). */
  healthIntervalMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Default: the global fetch (undici). */
  fetch?: FetchLike;
  /**
   * Ask for token ids (vLLM's `return_tokens_as_token_ids`) so Rollout.tokens holds ids and
   * logprobs() can score the rollouts again (default false: tokens is empty).
   */
  tokenIds?: boolean;
  /**
   * Send the vLLM/SGLang fields `top_k`, `include_stop_str_in_output` and `no_stop_trim`
   * (default true; set false for a server that rejects unknown fields: top_k is then dropped
   * and stop strings are cut from the text by the server).
   */
  vendorExtensions?: boolean;
  /** Merged into every completion request body (last, so it overrides). */
  extraBody?: Record<string, unknown>;
  /** Prompt -> token ids for logprobs(); default: the server's POST /tokenize (vLLM). */
  tokenize?: PromptTokenizer;
}

export type ResolvedOptions = Required<Omit<OpenAIPolicyOptions, 'apiKey' | 'tokenize' | 'extraBody' | 'baseUrl'>>
  & { baseUrl: string; baseUrls: string[]; tokenize?: PromptTokenizer; extraBody: Record<string, unknown> };

const MAX_TIMER_MS = 2 ** 31 - 1;  // setTimeout's limit: above it the timer fires at once

function fail(message: string): never {
  throw new TxError('E_RANGE', `OpenAIPolicy: ${message}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intIn(name: string, v: unknown, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  return v;
}

function msIn(name: string, v: unknown, def: number, min: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > MAX_TIMER_MS) fail(`${name} must be a number of milliseconds in [${min}, ${MAX_TIMER_MS}], got ${String(v)}`);
  return v;
}

function boolOr(name: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') fail(`${name} must be a boolean, got ${String(v)}`);
  return v;
}

/** `http://h:8000/v1/` -> `http://h:8000`: request paths are appended to this. */
export function normalizeBaseUrl(v: unknown): string {
  let url: URL;
  try {
    if (typeof v !== 'string') throw new Error('not a string');
    url = new URL(v);
  } catch {
    fail(`baseUrl must be an http(s) URL, got ${JSON.stringify(v)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`baseUrl must be an http(s) URL, got ${JSON.stringify(v)}`);
  if (url.search !== '' || url.hash !== '') fail(`baseUrl must have no query or fragment, got ${JSON.stringify(v)}`);
  return url.href.replace(/\/+$/, '').replace(/\/v1$/, '');
}

function headersOf(v: unknown, apiKey: unknown): Record<string, string> {
  if (v !== undefined && !isPlainObject(v)) fail('headers must be an object of strings');
  const out: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  for (const [k, val] of Object.entries(v ?? {})) {
    if (typeof val !== 'string') fail(`headers.${k} must be a string`);
    out[k.toLowerCase()] = val;
  }
  if (apiKey !== undefined && typeof apiKey !== 'string') fail('apiKey must be a string');
  if (apiKey) out['authorization'] = `Bearer ${apiKey}`;
  return out;
}

export function resolveOptions(o: OpenAIPolicyOptions): ResolvedOptions {
  if (!isPlainObject(o)) fail('options must be an object');
  const list = typeof o.baseUrl === 'string' ? o.baseUrl.split(',').map((u) => u.trim()) : o.baseUrl;
  if (!Array.isArray(list) || list.length === 0) fail(`baseUrl must be an http(s) URL or a list of them, got ${JSON.stringify(o.baseUrl)}`);
  const baseUrls = list.map((u) => normalizeBaseUrl(u));
  const dup = baseUrls.find((u, i) => baseUrls.indexOf(u) !== i);
  if (dup !== undefined) fail(`baseUrl lists ${dup} twice`);
  const baseUrl = baseUrls[0]!;
  if (typeof o.model !== 'string' || o.model.trim() === '') fail(`model must be a non-empty string, got ${JSON.stringify(o.model)}`);
  const timeoutMs = msIn('timeoutMs', o.timeoutMs, 60_000, 1);
  const retryBaseMs = msIn('retryBaseMs', o.retryBaseMs, 500, 0);
  const retryMaxMs = msIn('retryMaxMs', o.retryMaxMs, 30_000, 0);
  if (retryMaxMs < retryBaseMs) fail(`retryMaxMs (${retryMaxMs}) must be at least retryBaseMs (${retryBaseMs})`);
  const fetchFn = o.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') fail('fetch must be a function (Node 20 has a global fetch)');
  if (o.tokenize !== undefined && typeof o.tokenize !== 'function') fail('tokenize must be a function');
  if (o.extraBody !== undefined && !isPlainObject(o.extraBody)) fail('extraBody must be an object');
  return {
    baseUrl, baseUrls, model: o.model, timeoutMs, retryBaseMs, retryMaxMs,
    retries: intIn('retries', o.retries, 3, 0, 20),
    concurrency: intIn('concurrency', o.concurrency, 8 * baseUrls.length, 1, 1024),
    healthIntervalMs: msIn('healthIntervalMs', o.healthIntervalMs, 500, 1),
    headers: headersOf(o.headers, o.apiKey),
    fetch: fetchFn,
    tokenIds: boolOr('tokenIds', o.tokenIds, false),
    vendorExtensions: boolOr('vendorExtensions', o.vendorExtensions, true),
    extraBody: o.extraBody ?? {},
    ...(o.tokenize === undefined ? {} : { tokenize: o.tokenize }),
  };
}

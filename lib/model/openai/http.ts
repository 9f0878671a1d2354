// POST JSON with a timeout per attempt and retries: the transport of OpenAIPolicy.
// Errors: HTTP 4xx other than 408/429 -> HttpError (E_STATE) at once; network errors,
// timeouts, 408/429/5xx -> retried, then HttpError (E_STATE) saying what the last attempt
// got; a 2xx body that is not JSON -> TxError E_FORMAT (retrying would get the same).

import { TxError } from '../../errors.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter, type BackoffOptions } from './backoff.js';
import type { FetchLike } from './options.js';

export type HttpClientOptions = BackoffOptions & {
  timeoutMs: number;
  retries: number;
  headers: Record<string, string>;
  fetch: FetchLike;
};

/** A request that failed for good; `status` is the last HTTP status, undefined for network errors and timeouts. */
export class HttpError extends TxError {
  constructor(message: string, readonly status?: number) {
    super('E_STATE', message);
  }
}

type Attempt =
  | { ok: true; json: unknown }
  | { ok: false; reason: string; status?: number; retryAfterMs?: number };

const SNIPPET = 300;

function snippet(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > SNIPPET ? `${t.slice(0, SNIPPET)}...` : t;
}

/** The server's error text: OpenAI's {error: {message}}, vLLM's {message}, FastAPI's {detail}, or the raw body. */
export function serverMessage(text: string): string {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const err = j['error'];
    if (typeof err === 'object' && err !== null && typeof (err as Record<string, unknown>)['message'] === 'string') return (err as { message: string }).message;
    for (const k of ['error', 'message', 'detail']) if (typeof j[k] === 'string') return j[k] as string;
    if (j['detail'] !== undefined) return JSON.stringify(j['detail']);
  } catch {
    // not JSON: show the text itself
  }
  return snippet(text) || '(empty body)';
}

function networkReason(e: unknown): string {
  const err = e as Error & { cause?: { message?: string; code?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return `network error: ${err.message}${cause ? ` (${cause})` : ''}`;
}

export class HttpClient {
  constructor(private readonly o: HttpClientOptions, private readonly sleep: (ms: number) => Promise<void> = defaultSleep) {}

  async postJson(url: string, body: unknown): Promise<unknown> {
    const payload = JSON.stringify(body);
    let last: Attempt & { ok: false } = { ok: false, reason: 'no attempt' };
    for (let attempt = 0; attempt <= this.o.retries; attempt++) {
      const r = await this.attempt(url, payload);
      if (r.ok) return r.json;
      last = r;
      if (attempt < this.o.retries) await this.sleep(backoffDelay(attempt, this.o, r.retryAfterMs));
    }
    const tries = this.o.retries + 1;
    throw new HttpError(`POST ${url}: ${last.reason} (${tries} attempt${tries === 1 ? '' : 's'})`, last.status);
  }

  // One request. The timer runs until the body is read: a server can stall after the headers.
  private async attempt(url: string, payload: string): Promise<Attempt> {
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, this.o.timeoutMs);
    const timeoutReason = `no answer within ${this.o.timeoutMs} ms (timeoutMs)`;
    try {
      let res: Response, text: string;
      try {
        res = await this.o.fetch(url, { method: 'POST', headers: this.o.headers, body: payload, signal: ctrl.signal });
        text = await res.text();
      } catch (e) {
        return { ok: false, reason: timedOut ? timeoutReason : networkReason(e) };
      }
      if (res.ok) {
        try {
          return { ok: true, json: JSON.parse(text) as unknown };
        } catch {
          throw new TxError('E_FORMAT', `POST ${url}: HTTP ${res.status} with a body that is not JSON: ${snippet(text) || '(empty)'}`);
        }
      }
      const reason = `HTTP ${res.status} ${serverMessage(text)}`;
      if (!isRetryableStatus(res.status)) throw new HttpError(`POST ${url}: ${reason}`, res.status);
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      return { ok: false, reason, status: res.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

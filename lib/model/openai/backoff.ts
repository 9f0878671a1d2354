// When to try a failed request again: exponential backoff with bounded jitter, and the
// server's Retry-After when it sends one.

/** HTTP statuses worth another attempt: the server was busy or failed, not the request. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 10.2.3);
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export type BackoffOptions = { retryBaseMs: number; retryMaxMs: number };

/**
 * Delay before attempt `attempt + 1` (attempt counts from 0): base * 2^attempt, capped,
 * times a jitter in [0.5, 1) so that clients failing together do not retry together. A
 * Retry-After is a floor (the server asked for it) but is capped too, so that a server
 * cannot park the client for hours.
 */
export function backoffDelay(attempt: number, o: BackoffOptions, retryAfterMs?: number, random: () => number = Math.random): number {
  const exp = Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** attempt);
  const jittered = exp * (0.5 + 0.5 * random());
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, o.retryMaxMs));
}

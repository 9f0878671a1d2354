// A pool of OpenAI-compatible servers serving the same model, the way verl and OpenRLHF
// spread generation over many vLLM / SGLang engines. Each request goes to the healthy server
// with the least outstanding work (requested tokens in flight; ties to the lower index). A
// request that fails on a server for a reason another server may not share (network error,
// timeout, HTTP 408 / 429 / 5xx) is sent again to another server; the failing server is taken
// out and probed with GET /health until it answers 200, then taken back in. A request ends
// exactly once: with the first server answer it gets, or with an error when every attempt
// failed. With one server the pool is that server, retried with backoff (http.ts).
import { backoffDelay, isRetryableStatus, type BackoffOptions } from './backoff.js';
import { HttpClient, HttpError } from './http.js';
import type { FetchLike } from './options.js';

export interface ServerStats {
  url: string;
  healthy: boolean;
  /** Work units (requested tokens) in flight now. */
  outstanding: number;
  /** Attempts sent, answered, failed; times taken out; requests it answered after another server failed them. */
  sent: number;
  answered: number;
  failed: number;
  takenOut: number;
  failedOver: number;
}

export interface PoolOptions extends BackoffOptions {
  timeoutMs: number;
  /** Extra rounds over the pool (each round may try every server) before a request fails. */
  retries: number;
  headers: Record<string, string>;
  fetch: FetchLike;
  /** Probe period of a server taken out (default 500 ms). */
  healthIntervalMs?: number;
  /** Health path (vLLM and SGLang: /health). */
  healthPath?: string;
}

interface Server {
  url: string;
  client: HttpClient;
  stats: ServerStats;
  probing: boolean;
}

function retryable(e: unknown): boolean {
  return e instanceof HttpError && (e.status === undefined || isRetryableStatus(e.status));
}

export class ServerPool {
  private readonly servers: Server[];
  private readonly waiters: (() => void)[] = [];
  private closed = false;

  constructor(urls: readonly string[], private readonly o: PoolOptions, private readonly sleep: (ms: number) => Promise<void> = defaultSleep) {
    const single = urls.length === 1;
    this.servers = urls.map((url) => ({
      url,
      // One server: retried in place with backoff. Several: one attempt each, failover here.
      client: new HttpClient({ ...o, retries: single ? o.retries : 0 }, sleep),
      stats: { url, healthy: true, outstanding: 0, sent: 0, answered: 0, failed: 0, takenOut: 0, failedOver: 0 },
      probing: false,
    }));
  }

  get size(): number {
    return this.servers.length;
  }

  stats(): ServerStats[] {
    return this.servers.map((s) => ({ ...s.stats }));
  }

  /** Stops the health probes (requests still in flight finish). */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
  }

  /** POST `path` with `body` on one server of the pool; `work` weighs the request for balancing. */
  async post(path: string, body: unknown, work = 1): Promise<unknown> {
    if (this.servers.length === 1) return this.once(this.servers[0]!, path, body, work);
    const tried = new Set<Server>();
    let failedBefore = false;
    let last: unknown;
    const budget = (this.o.retries + 1) * this.servers.length;
    for (let attempt = 0; attempt < budget; attempt++) {
      const s = this.pickNow(tried) ?? await this.pick(tried, attempt);
      try {
        const json = await this.once(s, path, body, work);
        if (failedBefore) s.stats.failedOver++;
        return json;
      } catch (e) {
        if (!retryable(e)) throw e;
        last = e;
        failedBefore = true;
        tried.add(s);
        this.takeOut(s);
        if (tried.size >= this.servers.length) tried.clear();  // a new round over the pool
      }
    }
    const m = last instanceof Error ? last.message : String(last);
    throw new HttpError(`every server of the pool failed this request (${budget} attempts over ${this.servers.length} servers); last: ${m}`,
      last instanceof HttpError ? last.status : undefined);
  }

  private async once(s: Server, path: string, body: unknown, work: number): Promise<unknown> {
    s.stats.outstanding += work;
    s.stats.sent++;
    try {
      const json = await s.client.postJson(`${s.url}${path}`, body);
      s.stats.answered++;
      return json;
    } catch (e) {
      s.stats.failed++;
      throw e;
    } finally {
      s.stats.outstanding -= work;
    }
  }

  // The healthy server with the least outstanding work, preferring ones this request has not
  // failed on. Synchronous when one is healthy, so that the caller counts its work on the
  // server before the next request picks. When none is healthy: waits for a probe to bring
  // one back or a backoff delay, then tries the least loaded anyway (the attempt budget ends it).
  private pickNow(tried: ReadonlySet<Server>): Server | undefined {
    let best: Server | undefined, again: Server | undefined;
    for (const s of this.servers) {
      if (!s.stats.healthy) continue;
      if (!tried.has(s) && (best === undefined || s.stats.outstanding < best.stats.outstanding)) best = s;
      if (again === undefined || s.stats.outstanding < again.stats.outstanding) again = s;
    }
    return best ?? again;
  }

  private async pick(tried: ReadonlySet<Server>, attempt: number): Promise<Server> {
    const now = this.pickNow(tried);
    if (now !== undefined) return now;
    if (!this.closed) await Promise.race([new Promise<void>((r) => this.waiters.push(r)), this.sleep(backoffDelay(Math.min(attempt, 6), this.o))]);
    return this.pickNow(tried) ?? this.servers.reduce((a, s) => (s.stats.outstanding < a.stats.outstanding ? s : a));
  }

  private takeOut(s: Server): void {
    if (!s.stats.healthy) return;
    s.stats.healthy = false;
    s.stats.takenOut++;
    if (!s.probing) void this.probe(s);
  }

  private async probe(s: Server): Promise<void> {
    s.probing = true;
    const every = this.o.healthIntervalMs ?? 500;
    try {
      while (!this.closed && !s.stats.healthy) {
        await delay(every);
        if (this.closed) break;
        const ctrl = new AbortController();
        const timer = setTimeout(() => ctrl.abort(), Math.min(this.o.timeoutMs, 5000));
        try {
          const res = await this.o.fetch(`${s.url}${this.o.healthPath ?? '/health'}`, { method: 'GET', headers: this.o.headers, signal: ctrl.signal });
          await res.arrayBuffer().catch(() => undefined);
          if (res.status === 200) {
            s.stats.healthy = true;
            for (const w of this.waiters.splice(0)) w();
          }
        } catch {
          // still down
        } finally {
          clearTimeout(timer);
        }
      }
    } finally {
      s.probing = false;
    }
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Probe timers do not keep the process alive.
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

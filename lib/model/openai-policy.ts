// OpenAIPolicy: the Policy of a model served by an OpenAI-compatible completion server
// (vLLM, SGLang), so that `toolexpander eval` and the reward side run against a real model.
// Prompts are rendered ChatML strings already, hence the *completions* endpoint (a chat
// endpoint would apply the template a second time). A served model is not trained here:
// no trainStep, no save. Several servers of one model (a list of base URLs) form a pool:
// least outstanding work, failover, health checks, per-server counts (openai/pool.ts).
//
// What a Rollout holds:
// - text: the completion as the server decoded it; with stop strings, the matching stop
//   string stays at the end (the Policy contract) when vendorExtensions is on.
// - logp: choices[].logprobs.token_logprobs as f32, one per completion token: the server's
//   log-prob of each sampled token. vLLM reports the model's own distribution by default
//   (before temperature / top-p / top-k), the same quantity logprobs() scores; a null
//   becomes NaN; empty when the server sent no logprobs.
// - tokens: empty (Int32Array(0)) unless `tokenIds: true`, when they are the sampled ids
//   from vLLM's "token_id:<id>" strings. The server's token strings are not ids, and
//   re-tokenizing the text would not give the sampled sequence back.

import { TxError } from '../errors.js';
import { completionRequest, parseCompletion, parseEchoLogprobs, parseTokenizeResponse, scoringRequest, type WireOptions } from './openai/completions.js';
import { isRetryableStatus } from './openai/backoff.js';
import { HttpError } from './openai/http.js';
import { Limiter } from './openai/limiter.js';
import { ServerPool, type ServerStats } from './openai/pool.js';
import { resolveOptions, type OpenAIPolicyOptions, type ResolvedOptions } from './openai/options.js';
import { checkGenerateArgs, checkScoreItems, type ScoreItem } from './openai/validate.js';
import type { GenerateOptions, Policy, Rollout } from './policy.js';

export type { OpenAIPolicyOptions, FetchLike, PromptTokenizer } from './openai/options.js';
export type { ServerStats } from './openai/pool.js';

export class OpenAIPolicy implements Policy {
  // Private: the headers hold the API key.
  private readonly options: Readonly<ResolvedOptions>;
  private readonly pool: ServerPool;
  private readonly limiter: Limiter;
  private readonly wire: WireOptions;

  constructor(opts: OpenAIPolicyOptions) {
    this.options = resolveOptions(opts);
    const o = this.options;
    this.pool = new ServerPool(o.baseUrls, o);
    this.limiter = new Limiter(o.concurrency);
    this.wire = { model: o.model, tokenIds: o.tokenIds, vendorExtensions: o.vendorExtensions, extraBody: o.extraBody };
  }

  /**
   * One request per prompt with `n` samples and the same seed, so a prompt's rollouts do not
   * depend on the rest of the batch (when the server honours `seed`: vLLM does per request).
   */
  async generate(prompts: string[], opts: GenerateOptions): Promise<Rollout[][]> {
    checkGenerateArgs(prompts, opts);
    const work = opts.n * opts.maxTokens;
    return Promise.all(prompts.map((prompt, i) => this.limiter.run(async () => {
      const body = await this.pool.post('/v1/completions', completionRequest(prompt, opts, this.wire), work);
      return parseCompletion(body, opts.n, this.options.tokenIds, `POST ${this.where('/v1/completions')} (prompt ${i})`);
    })));
  }

  /** Per-server counts (sent, answered, failed, taken out, failed over) and health. */
  serverStats(): ServerStats[] {
    return this.pool.stats();
  }

  /** Stops the health probes of a pool. */
  close(): void {
    this.pool.close();
  }

  private where(path: string): string {
    return this.pool.size === 1 ? `${this.options.baseUrl}${path}` : `${path} (pool of ${this.pool.size})`;
  }

  /**
   * Log-probs of completion token ids after each prompt: the prompt's ids (the `tokenize`
   * option, or the server's POST /tokenize) followed by the completion's go to
   * /v1/completions as a token-id prompt with echo=true, logprobs=1, and the completion's
   * positions are read back. vLLM supports this; a server that does not gets E_STATE.
   */
  async logprobs(items: { prompt: string; completion: Int32Array }[]): Promise<Float32Array[]> {
    checkScoreItems(items);
    return Promise.all(items.map((item, i) => item.completion.length === 0
      ? Promise.resolve(new Float32Array(0))
      : this.limiter.run(() => this.score(item, i))));
  }

  private async score(item: ScoreItem, i: number): Promise<Float32Array> {
    const promptIds = Array.from(await this.promptIds(item.prompt));
    const ids = [...promptIds, ...item.completion];
    const url = this.where('/v1/completions');
    let body: unknown;
    try {
      body = await this.pool.post('/v1/completions', scoringRequest(ids, this.wire), ids.length);
    } catch (e) {
      if (e instanceof HttpError && e.status !== undefined && !isRetryableStatus(e.status)) {
        throw new TxError('E_STATE', `OpenAIPolicy.logprobs: the server does not score token-id prompts with echo=true (vLLM does): ${e.message}`);
      }
      throw e;
    }
    return parseEchoLogprobs(body, promptIds.length, ids.length, `POST ${url} (item ${i})`);
  }

  private async promptIds(prompt: string): Promise<ArrayLike<number>> {
    if (this.options.tokenize !== undefined) return this.options.tokenize(prompt);
    const url = this.where('/tokenize');
    try {
      return parseTokenizeResponse(await this.pool.post('/tokenize', { model: this.options.model, prompt }), `POST ${url}`);
    } catch (e) {
      if (e instanceof HttpError && (e.status === 404 || e.status === 405)) {
        throw new TxError('E_STATE', `OpenAIPolicy.logprobs needs the prompt's token ids: the server has no POST /tokenize (vLLM has); pass the tokenize option. ${e.message}`);
      }
      throw e;
    }
  }
}

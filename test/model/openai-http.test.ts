// OpenAIPolicy's transport against a local server that misbehaves on purpose: retries after
// 500 and 429 (Retry-After honoured), 4xx fails fast, timeouts (no answer, or a body that
// never ends) within the configured time, bodies that are not JSON, refused connections.
import { createServer } from 'node:net';
import t from 'tap';

import { OpenAIPolicy, type OpenAIPolicyOptions } from '../../lib/index.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from '../../lib/model/openai/backoff.js';
import { serverMessage } from '../../lib/model/openai/http.js';
import { startFakeServer } from '../helpers/fake-openai-server.js';

const server = await startFakeServer();
t.teardown(() => server.close());
t.beforeEach(() => server.reset());

const policy = (o: Partial<OpenAIPolicyOptions> = {}) => new OpenAIPolicy({ baseUrl: server.url, model: 'fake', retryBaseMs: 1, retryMaxMs: 5000, ...o });
const GEN = { n: 2, temperature: 1, maxTokens: 6, seed: 7 };
const completions = () => server.requests.filter((r) => r.path === '/v1/completions').length;

t.test('500, then an answer: retried and succeeds', async (t) => {
  server.route = (_req, nth) => (nth === 1 ? { status: 500, json: { error: { message: 'engine crashed' } } } : undefined);
  const out = await policy().generate(['p'], GEN);
  t.equal(out[0]!.length, 2);
  t.equal(completions(), 2, 'two requests');
  t.same(server.requests[1]!.body, server.requests[0]!.body, 'the same request again');
});

t.test('429 with Retry-After: waits that long, then succeeds', async (t) => {
  server.route = (_req, nth) => (nth === 1 ? { status: 429, headers: { 'retry-after': '1' }, json: { message: 'slow down' } } : undefined);
  const t0 = performance.now();
  await policy().generate(['p'], GEN);
  const ms = performance.now() - t0;
  t.ok(ms >= 950, `waited ${ms.toFixed(0)} ms for Retry-After: 1`);
  t.equal(completions(), 2);
});

t.test('408 and 503 are retried up to `retries`, then E_STATE with the last status and message', async (t) => {
  server.route = (_req, nth) => ({ status: nth === 1 ? 408 : 503, json: { message: `busy ${nth}` } });
  await t.rejects(policy({ retries: 2 }).generate(['p'], GEN), { code: 'E_STATE', message: /\/v1\/completions: HTTP 503 busy 3 \(3 attempts\)/ });
  t.equal(completions(), 3);
});

t.test('400 fails fast: E_STATE with the status and the server message, no retry', async (t) => {
  server.route = () => ({ status: 400, json: { object: 'error', message: "This model's maximum context length is 4096 tokens" } });
  const t0 = performance.now();
  await t.rejects(policy({ retryBaseMs: 1000 }).generate(['p'], GEN), { code: 'E_STATE', message: /HTTP 400 This model's maximum context length is 4096 tokens/ });
  t.equal(completions(), 1, 'one request');
  t.ok(performance.now() - t0 < 900, 'no backoff');
  server.route = () => ({ status: 401, raw: 'Unauthorized: bad key' });
  await t.rejects(policy().generate(['p'], GEN), { code: 'E_STATE', message: /HTTP 401 Unauthorized: bad key/ });
  server.route = () => ({ status: 404, raw: '' });
  await t.rejects(policy().generate(['p'], GEN), { code: 'E_STATE', message: /HTTP 404 \(empty body\)/ });
});

t.test('a server that never answers: timeout error within the configured time', async (t) => {
  server.route = () => ({ hang: true });
  const t0 = performance.now();
  await t.rejects(policy({ timeoutMs: 150, retries: 1 }).generate(['p'], GEN), { code: 'E_STATE', message: /no answer within 150 ms \(timeoutMs\) \(2 attempts\)/ });
  const ms = performance.now() - t0;
  t.ok(ms >= 280 && ms < 3000, `gave up after ${ms.toFixed(0)} ms (2 x 150 ms + backoff)`);
  t.equal(completions(), 2, 'the timeout was retried');
});

t.test('a body that never ends is a timeout too', async (t) => {
  server.route = () => ({ hangBody: true });
  await t.rejects(policy({ timeoutMs: 150, retries: 0 }).generate(['p'], GEN), { code: 'E_STATE', message: /no answer within 150 ms \(timeoutMs\) \(1 attempt\)/ });
});

t.test('a 200 whose body is not JSON: E_FORMAT, no retry', async (t) => {
  server.route = () => ({ raw: '<html>gateway</html>' });
  await t.rejects(policy().generate(['p'], GEN), { code: 'E_FORMAT', message: /not JSON: <html>gateway<\/html>/ });
  t.equal(completions(), 1);
  server.route = () => ({ raw: '' });
  await t.rejects(policy().generate(['p'], GEN), { code: 'E_FORMAT', message: /not JSON: \(empty\)/ });
});

t.test('connection refused: retried, then E_STATE naming the network error', async (t) => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const calls: string[] = [];
  const counting: typeof fetch = (url, init) => { calls.push(String(url)); return fetch(url, init); };
  await t.rejects(new OpenAIPolicy({ baseUrl: `http://127.0.0.1:${port}`, model: 'm', retries: 2, retryBaseMs: 1, fetch: counting }).generate(['p'], GEN),
    { code: 'E_STATE', message: /network error: fetch failed \(ECONNREFUSED\) \(3 attempts\)/ });
  t.equal(calls.length, 3, 'through the injected fetch');
});

t.test('backoff and Retry-After arithmetic', async (t) => {
  const o = { retryBaseMs: 100, retryMaxMs: 1000 };
  t.equal(backoffDelay(0, o, undefined, () => 0), 50, 'jitter floor: half');
  t.equal(backoffDelay(2, o, undefined, () => 0.5), 300, 'doubles per attempt');
  t.equal(backoffDelay(10, o, undefined, () => 1), 1000, 'capped');
  t.equal(backoffDelay(0, o, 700, () => 0), 700, 'Retry-After is a floor');
  t.equal(backoffDelay(0, o, 60_000, () => 0), 1000, 'Retry-After is capped by retryMaxMs');
  t.equal(parseRetryAfter('2'), 2000);
  t.equal(parseRetryAfter('0.5'), 500);
  t.equal(parseRetryAfter(null), undefined);
  t.equal(parseRetryAfter(' '), undefined);
  t.equal(parseRetryAfter('soon'), undefined);
  t.equal(parseRetryAfter(new Date(10_000).toUTCString(), 7_000), 3000, 'an HTTP date');
  t.equal(parseRetryAfter(new Date(1_000).toUTCString(), 7_000), 0, 'a past date');
  t.same([400, 404, 408, 429, 500, 503].map(isRetryableStatus), [false, false, true, true, true, true]);
  t.equal(serverMessage('{"detail": [{"msg": "field required"}]}'), '[{"msg":"field required"}]', "FastAPI's validation detail");
  t.equal(serverMessage('{"error": "plain"}'), 'plain');
  t.equal(serverMessage(`x${' y'.repeat(400)}`).length, 303, 'long bodies are cut');
});

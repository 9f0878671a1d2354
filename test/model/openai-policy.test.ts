// OpenAIPolicy against a local vLLM-like server (test/helpers/fake-openai-server.ts):
// option checks, the request body, samples per prompt in order, stop strings, max_tokens,
// logp, token ids, seed determinism, the concurrency bound, and logprobs via echo.
import t from 'tap';

import { OpenAIPolicy, TxError, type OpenAIPolicyOptions, type Rollout } from '../../lib/index.js';
import { fakeLogp, fakeSample, fakeTokenize, startFakeServer } from '../helpers/fake-openai-server.js';
import { expectTxError } from '../helpers/expect-error.js';

const server = await startFakeServer();
t.teardown(() => server.close());
t.beforeEach(() => server.reset());

const policy = (o: Partial<OpenAIPolicyOptions> = {}) => new OpenAIPolicy({ baseUrl: server.url, model: 'fake-7b', retryBaseMs: 1, ...o });
const first = (out: Rollout[][]): Rollout => out[0]![0]!;
const GEN = { n: 3, temperature: 0.7, topP: 0.9, topK: 20, maxTokens: 8, seed: 42 };

t.test('options are checked in the constructor, naming the option', async (t) => {
  const base = { baseUrl: 'http://127.0.0.1:1', model: 'm' };
  const bad: [Record<string, unknown>, string][] = [
    [{ baseUrl: 'not a url' }, 'baseUrl'], [{ baseUrl: 'ftp://x' }, 'baseUrl'], [{ baseUrl: 'http://x/?q=1' }, 'baseUrl'],
    [{ baseUrl: 3 }, 'baseUrl'], [{ model: '' }, 'model'], [{ model: '  ' }, 'model'], [{ timeoutMs: -1 }, 'timeoutMs'],
    [{ timeoutMs: 0 }, 'timeoutMs'], [{ timeoutMs: 2 ** 40 }, 'timeoutMs'], [{ retries: 1.5 }, 'retries'], [{ retries: -1 }, 'retries'],
    [{ concurrency: 0 }, 'concurrency'], [{ retryBaseMs: 100, retryMaxMs: 10 }, 'retryMaxMs'], [{ headers: { a: 1 } }, 'headers.a'],
    [{ headers: [] }, 'headers'], [{ apiKey: 5 }, 'apiKey'], [{ fetch: 'x' }, 'fetch'], [{ tokenIds: 'yes' }, 'tokenIds'],
    [{ tokenize: 1 }, 'tokenize'], [{ extraBody: [] }, 'extraBody'],
  ];
  for (const [over, name] of bad) {
    expectTxError(t, () => new OpenAIPolicy({ ...base, ...over } as unknown as OpenAIPolicyOptions), 'E_RANGE', name, JSON.stringify(over));
  }
  expectTxError(t, () => new OpenAIPolicy(null as unknown as OpenAIPolicyOptions), 'E_RANGE', 'options', 'null options');
});

t.test('generate: one request per prompt with the sampling fields, n samples in index order', async (t) => {
  // The server answers choices in reverse: `index` must put them back.
  server.route = (req) => {
    if (req.path !== '/v1/completions') return undefined;
    const n = Number(req.body['n']);
    return { json: { choices: Array.from({ length: n }, (_, j) => fakeSample(req.body, n - 1 - j)) } };
  };
  const p = policy({ baseUrl: `${server.url}/v1/`, apiKey: 'sk-test', headers: { 'X-Trace': 'abc' } });
  const prompts = ['<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n', 'second prompt'];
  const out = await p.generate(prompts, { ...GEN, stop: ['</tool_call>'] });
  t.equal(server.requests.length, 2, 'one request per prompt');
  const req = server.requests.find((r) => r.body['prompt'] === prompts[1])!;
  t.equal(req.path, '/v1/completions', 'a trailing /v1 in baseUrl is not doubled');
  t.same(req.body, {
    model: 'fake-7b', prompt: prompts[1], n: 3, max_tokens: 8, seed: 42, logprobs: 1, temperature: 0.7, top_p: 0.9, top_k: 20,
    stop: ['</tool_call>'], include_stop_str_in_output: true, no_stop_trim: true,
  });
  t.equal(req.headers['authorization'], 'Bearer sk-test');
  t.equal(req.headers['x-trace'], 'abc');
  t.equal(out.length, 2);
  out.forEach((samples, i) => {
    t.equal(samples.length, 3, `prompt ${i}: n samples`);
    samples.forEach((s, j) => {
      const want = fakeSample({ ...GEN, prompt: prompts[i], max_tokens: 8, top_p: 0.9, top_k: 20, stop: ['</tool_call>'] }, j);
      t.equal(s.text, want.text, `prompt ${i} sample ${j}: text in index order`);
      t.same(Array.from(s.logp), want.logprobs.token_logprobs.map((x) => Math.fround(x as number)), 'logp from token_logprobs');
      t.ok(s.tokens instanceof Int32Array && s.tokens.length === 0, 'no ids unless tokenIds');
    });
  });
  t.not(out[0]![0]!.text, out[0]![1]!.text, 'samples differ at temperature > 0');
});

t.test('generate: optional fields are omitted; top_k 0 means off', async (t) => {
  await policy().generate(['p'], { n: 1, maxTokens: 4, seed: 0, topK: 0, stop: [] });
  t.same(server.requests[0]!.body, { model: 'fake-7b', prompt: 'p', n: 1, max_tokens: 4, seed: 0, logprobs: 1 });
  server.reset();
  await policy({ vendorExtensions: false, extraBody: { logprobs: 2, user: 'u' } }).generate(['p'], { n: 1, maxTokens: 4, seed: 0, topK: 5, stop: ['x'] });
  t.same(server.requests[0]!.body, { model: 'fake-7b', prompt: 'p', n: 1, max_tokens: 4, seed: 0, logprobs: 2, stop: ['x'], user: 'u' },
    'no vendor fields; extraBody overrides');
  t.same(await policy().generate([], GEN), [], 'no prompts, no requests');
  t.equal(server.requests.length, 1);
});

t.test('generate: max_tokens bounds the completion; a stop string ends it and stays in the text', async (t) => {
  const p = policy();
  const long = first(await p.generate(['stop test'], { n: 1, temperature: 0, maxTokens: 12, seed: 1 }));
  t.equal(long.text.length, 12);
  const short = first(await p.generate(['stop test'], { n: 1, temperature: 0, maxTokens: 5, seed: 1 }));
  t.equal(short.text, long.text.slice(0, 5), 'max_tokens passed and honoured');
  t.equal(short.logp.length, 5, 'one logp per completion token');
  const stop = long.text.slice(6, 8);
  const cut = first(await p.generate(['stop test'], { n: 1, temperature: 0, maxTokens: 12, seed: 1, stop: [stop] }));
  t.ok(cut.text.endsWith(stop) && cut.text.length <= 8 && long.text.startsWith(cut.text), `cut after "${stop}": "${cut.text}"`);
  t.same(server.requests.at(-1)!.body['stop'], [stop]);
});

t.test('generate: same seed, same rollouts whatever the batch; another seed, others', async (t) => {
  const p = policy();
  const a = await p.generate(['x', 'y'], GEN);
  const b = await p.generate(['z', 'y', 'x'], GEN);
  t.same(b[2], a[0], 'prompt x');
  t.same(b[1], a[1], 'prompt y');
  const c = await p.generate(['x'], { ...GEN, seed: 43 });
  t.notSame(c[0]!.map((r) => r.text), a[0]!.map((r) => r.text), 'another seed');
  const g = await p.generate(['x'], { ...GEN, temperature: 0, topK: 1, n: 2 });
  t.equal(g[0]![0]!.text, g[0]![1]!.text, 'greedy samples agree');
});

t.test('generate: token ids (vLLM return_tokens_as_token_ids) and logprobs() gives the same logp back', async (t) => {
  const p = policy({ tokenIds: true });
  const prompt = 'score me';
  const [samples] = await p.generate([prompt], GEN) as [{ text: string; tokens: Int32Array; logp: Float32Array }[]];
  t.equal(server.requests[0]!.body['return_tokens_as_token_ids'], true);
  for (const s of samples) t.same(Array.from(s.tokens), fakeTokenize(s.text), 'ids from "token_id:N"');
  server.reset();
  const scored = await p.logprobs(samples.map((s) => ({ prompt, completion: s.tokens })));
  samples.forEach((s, j) => t.same(Array.from(scored[j]!), Array.from(s.logp), `sample ${j}: logprobs == generate logp`));
  const tok = server.requests.filter((r) => r.path === '/tokenize');
  t.equal(tok.length, 3, 'prompt ids from POST /tokenize');
  t.same(tok[0]!.body, { model: 'fake-7b', prompt });
  const echo = server.requests.find((r) => r.path === '/v1/completions')!;
  t.match(echo.body, { echo: true, logprobs: 1, max_tokens: 1, prompt: [...fakeTokenize(prompt), ...samples[0]!.tokens] });
  // With a local tokenizer: no /tokenize round trip; an empty completion needs no request.
  server.reset();
  const local = policy({ tokenize: fakeTokenize });
  const [again, empty] = await local.logprobs([{ prompt, completion: samples[0]!.tokens }, { prompt, completion: new Int32Array(0) }]);
  t.same(Array.from(again!), Array.from(samples[0]!.logp));
  t.equal(empty!.length, 0);
  t.same(server.requests.map((r) => r.path), ['/v1/completions']);
  t.same(Array.from((await local.logprobs([{ prompt: 'q', completion: Int32Array.of(98) }]))[0]!), [Math.fround(fakeLogp(98, 1))]);
});

t.test('logprobs: a server that cannot score says so (E_STATE)', async (t) => {
  const items = [{ prompt: 'p', completion: Int32Array.of(97, 98) }];
  server.route = (req) => (req.path === '/tokenize' ? { status: 404, json: { detail: 'Not Found' } } : undefined);
  await t.rejects(policy().logprobs(items), { code: 'E_STATE', message: /no POST \/tokenize.*pass the tokenize option.*HTTP 404 Not Found/ });
  server.route = () => ({ status: 400, json: { object: 'error', message: 'echo is not supported' } });
  await t.rejects(policy({ tokenize: fakeTokenize }).logprobs(items), { code: 'E_STATE', message: /does not score token-id prompts.*HTTP 400 echo is not supported/ });
  server.route = () => ({ json: { choices: [{ index: 0, text: 'a', logprobs: { token_logprobs: [-1] } }] } });
  await t.rejects(policy({ tokenize: fakeTokenize }).logprobs(items), { code: 'E_STATE', message: /returned 1 log-probs for a 3-token prompt/ });
  server.route = () => ({ json: { choices: [{ index: 0, text: 'a', logprobs: null }] } });
  await t.rejects(policy({ tokenize: fakeTokenize }).logprobs(items), { code: 'E_STATE', message: /does not echo prompt log-probs/ });
  server.route = (req) => (req.path === '/tokenize' ? { json: { tokens: ['a'] } } : undefined);
  await t.rejects(policy().logprobs(items), { code: 'E_FORMAT', message: /no tokens array of ids/ });
  server.route = () => ({ status: 503, json: { message: 'busy' } });
  await t.rejects(policy({ tokenize: fakeTokenize, retries: 0 }).logprobs(items), { code: 'E_STATE', message: /HTTP 503 busy \(1 attempt\)/ },
    'a server error is not reported as "cannot score"');
  await t.rejects(policy({ retries: 0 }).logprobs(items), { code: 'E_STATE', message: /\/tokenize: HTTP 503 busy/ });
});

t.test('arguments are checked before anything is sent', async (t) => {
  const p = policy();
  const bad: [unknown, unknown, string][] = [
    ['x', GEN, 'prompts'], [[1], GEN, 'prompts'], [['x'], null, 'opts'], [['x'], { ...GEN, n: 0 }, 'opts.n'],
    [['x'], { ...GEN, maxTokens: 1.5 }, 'opts.maxTokens'], [['x'], { ...GEN, seed: 0.5 }, 'opts.seed'],
    [['x'], { ...GEN, temperature: -1 }, 'opts.temperature'], [['x'], { ...GEN, topP: 0 }, 'opts.topP'], [['x'], { ...GEN, topK: -1 }, 'opts.topK'],
    [['x'], { ...GEN, stop: [''] }, 'opts.stop'], [['x'], { ...GEN, stop: 'x' }, 'opts.stop'], [['x'], { n: 1, seed: 1 }, 'opts.maxTokens'],
    [['x'], { maxTokens: 1, seed: 1 }, 'opts.n'], [['x'], { n: 1, maxTokens: 1 }, 'opts.seed'], [['x'], { ...GEN, n: '2' }, 'opts.n'],
  ];
  for (const [prompts, opts, name] of bad) {
    await t.rejects(p.generate(prompts as string[], opts as typeof GEN), { code: 'E_RANGE', message: new RegExp(name.replace('.', '\\.')) }, name);
  }
  const items: [unknown, string][] = [
    [null, 'items'], [[null], 'items\\[0\\]\\.prompt'], [[{ prompt: 'p', completion: [1] }], 'Int32Array'],
    [[{ prompt: 'p', completion: Int32Array.of(-1) }], 'negative'],
  ];
  for (const [it, name] of items) await t.rejects(p.logprobs(it as never), { code: 'E_RANGE', message: new RegExp(name) }, name);
  t.equal(server.requests.length, 0);
});

t.test('concurrency: at most `concurrency` requests in flight over concurrent calls', async (t) => {
  const slow = (ms: number) => (req: { body: Record<string, unknown> }) => ({ json: { choices: [fakeSample(req.body, 0)] }, delayMs: ms });
  server.route = slow(60);
  const p = policy({ concurrency: 3 });
  const prompts = Array.from({ length: 8 }, (_, i) => `prompt ${i}`);
  const [a, b] = await Promise.all([p.generate(prompts, { ...GEN, n: 1 }), p.generate(prompts.slice(0, 4), { ...GEN, n: 1 })]);
  t.equal(server.requests.length, 12);
  t.equal(server.maxInFlight, 3, 'the bound is reached and held');
  t.same(b, a.slice(0, 4), 'answers stay with their prompts');
  server.reset();
  server.route = slow(150);
  await policy({ concurrency: 8 }).generate(prompts, { ...GEN, n: 1 });
  t.ok(server.maxInFlight > 3 && server.maxInFlight <= 8, `default-sized bound: ${server.maxInFlight} in flight`);
});

t.test('responses of the wrong shape are E_FORMAT naming the field', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ nothing: 1 }, /no choices array/],
    [{ choices: [] }, /0 choices for n = 1/],
    [{ choices: [{ index: 3, text: 'a' }] }, /distinct index in \[0, 1\)/],
    [{ choices: ['a'] }, /choices\[0\] is not a choice/],
    [{ choices: [{ index: 0, text: 5 }] }, /choice\.text is not a string/],
    [{ choices: [{ index: 0, text: 'a', logprobs: 'x' }] }, /choice\.logprobs is not an object/],
    [{ choices: [{ index: 0, text: 'a', logprobs: { token_logprobs: 'x' } }] }, /token_logprobs is not an array/],
    [{ choices: [{ index: 0, text: 'a', logprobs: { token_logprobs: ['x'] } }] }, /token_logprobs\[0\] is "x"/],
  ];
  for (const [json, re] of cases) {
    server.route = () => ({ json });
    await t.rejects(policy().generate(['p'], { ...GEN, n: 1 }), { code: 'E_FORMAT', message: re }, re.source);
  }
  const ids: [unknown, RegExp][] = [
    [{ choices: [{ index: 0, text: 'a', logprobs: { token_logprobs: [-1] } }] }, /logprobs\.tokens is missing/],
    [{ choices: [{ index: 0, text: 'a', logprobs: { tokens: ['a'], token_logprobs: [-1] } }] }, /tokens\[0\] is "a", not "token_id:<id>"/],
    [{ choices: [{ index: 0, text: 'a', logprobs: { tokens: ['token_id:1', 'token_id:2'], token_logprobs: [-1] } }] }, /2 tokens but 1 token_logprobs/],
    [{ choices: [{ index: 0, text: 'a' }] }, /choice\.logprobs is missing/],
  ];
  for (const [json, re] of ids) {
    server.route = () => ({ json });
    await t.rejects(policy({ tokenIds: true }).generate(['p'], { ...GEN, n: 1 }), { code: 'E_FORMAT', message: re }, re.source);
  }
  // Without logprobs (a server that ignores the field) the text still comes back; a null logp is NaN.
  server.route = () => ({ json: { choices: [{ text: 'no index, no logprobs' }] } });
  const r = first(await policy().generate(['p'], { ...GEN, n: 1 }));
  t.same([r.text, r.logp.length], ['no index, no logprobs', 0]);
  server.route = () => ({ json: { choices: [{ index: 0, text: 'a', logprobs: { token_logprobs: [null] } }] } });
  const nan = first(await policy().generate(['p'], { ...GEN, n: 1 }));
  t.ok(Number.isNaN(nan.logp[0]));
  t.ok(TxError);
});

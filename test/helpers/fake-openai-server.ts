// A small OpenAI-compatible completion server on 127.0.0.1 for the OpenAIPolicy tests.
// By default it behaves like vLLM on a character-level model: token id = UTF-16 code unit,
// completions drawn from a hash of (prompt, seed, sample index) (greedy: of the prompt
// only), token_logprobs a fixed function of (token, position) so that scoring the same
// ids with echo gives the same numbers. A test can replace any answer with `route`
// (status, headers, raw bodies, delays, or no answer at all) and reads back every request.

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SeenRequest = { path: string; headers: IncomingMessage['headers']; body: Record<string, unknown> };

export type Reply = {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (overrides json). */
  raw?: string;
  delayMs?: number;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /** Send the headers, then never finish the body. */
  hangBody?: boolean;
};

/** Return undefined to get the default vLLM-like answer. `nth` counts requests from 1. */
export type Route = (req: SeenRequest, nth: number) => Reply | undefined;

export type FakeServer = {
  url: string;
  requests: SeenRequest[];
  maxInFlight: number;
  route: Route | undefined;
  reset(): void;
  close(): Promise<void>;
};

const ALPHABET = 'abcdefgh ';
const MAX_LEN = 12;

/** The fake model's log-prob of `token` at absolute position `pos` (0 = first prompt token). */
export function fakeLogp(token: number, pos: number): number {
  return -(((token * 31 + pos) % 13) + 1) / 16;
}

export function fakeTokenize(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0));
}

function hashInts(...parts: unknown[]): () => number {
  let state = createHash('sha256').update(JSON.stringify(parts)).digest().readUInt32LE(0);
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
}

type Choice = { index: number; text: string; logprobs: { tokens: string[]; token_logprobs: (number | null)[] }; finish_reason: string };

/** What the fake model samples for one prompt: vLLM-like, incl. stop strings and token ids. */
export function fakeSample(body: Record<string, unknown>, index: number): Choice {
  const prompt = body['prompt'] as string | number[];
  const promptIds = typeof prompt === 'string' ? fakeTokenize(prompt) : prompt;
  const greedy = body['temperature'] === 0 || body['top_k'] === 1;
  const next = hashInts(promptIds, greedy ? null : body['seed'], greedy ? 0 : index, greedy ? null : body['temperature']);
  const stops = (body['stop'] as string[] | undefined) ?? [];
  const keepStop = body['include_stop_str_in_output'] === true;
  const max = Math.min(Number(body['max_tokens'] ?? 16), MAX_LEN);
  let text = '';
  let finish = 'length';
  for (let i = 0; i < max; i++) {
    text += ALPHABET[next() % ALPHABET.length];
    const hit = stops.find((s) => text.endsWith(s));
    if (hit !== undefined) {
      finish = 'stop';
      if (!keepStop) text = text.slice(0, -hit.length);
      break;
    }
  }
  const ids = fakeTokenize(text);
  const asIds = body['return_tokens_as_token_ids'] === true;
  return {
    index, text, finish_reason: finish,
    logprobs: {
      tokens: ids.map((id) => (asIds ? `token_id:${id}` : String.fromCharCode(id))),
      token_logprobs: ids.map((id, i) => fakeLogp(id, promptIds.length + i)),
    },
  };
}

/** vLLM's echo=true answer for a token-id prompt: the prompt's log-probs (first null), then one generated token. */
function fakeEcho(body: Record<string, unknown>): unknown {
  const ids = body['prompt'] as number[];
  const gen = 'a'.charCodeAt(0);
  const lps = [...ids.map((id, i) => (i === 0 ? null : fakeLogp(id, i))), fakeLogp(gen, ids.length)];
  return { choices: [{ index: 0, text: 'a', logprobs: { tokens: [], token_logprobs: lps }, finish_reason: 'length' }] };
}

function defaultReply(req: SeenRequest): Reply {
  if (req.path === '/tokenize') return { json: { tokens: fakeTokenize(String(req.body['prompt'])), count: 0 } };
  if (req.path !== '/v1/completions') return { status: 404, json: { detail: 'Not Found' } };
  if (req.body['echo'] === true) return { json: fakeEcho(req.body) };
  const n = Number(req.body['n'] ?? 1);
  return { json: { id: 'cmpl-fake', object: 'text_completion', model: req.body['model'], choices: Array.from({ length: n }, (_, j) => fakeSample(req.body, j)) } };
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let s = '';
  for await (const chunk of req) s += String(chunk);
  return s === '' ? {} : JSON.parse(s) as Record<string, unknown>;
}

export async function startFakeServer(route?: Route): Promise<FakeServer> {
  let inFlight = 0;
  const fake: FakeServer = {
    url: '', requests: [], maxInFlight: 0, route,
    reset() { fake.requests.length = 0; fake.maxInFlight = 0; fake.route = undefined; },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const seen: SeenRequest = { path: req.url ?? '', headers: req.headers, body: await readBody(req) };
    fake.requests.push(seen);
    const reply = fake.route?.(seen, fake.requests.length) ?? defaultReply(seen);
    if (reply.hang) return;  // the socket stays open until the client gives up or close()
    inFlight++;
    fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
    if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs));
    inFlight--;
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    if (reply.hangBody) {
      res.write('{"choices": [');
      return;
    }
    res.end(reply.raw ?? JSON.stringify(reply.json ?? {}));
  };
  const server = createServer((req, res) => { void handle(req, res); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

// Fuzz: >= 100k random and grammar-mutated rollouts through scoreRollout; no exception,
// reward always in {0, 0.01, 1, 1.01}.
import t from 'tap';
import type { Call, Task } from '../../lib/data/index.js';
import { parseToolCalls, scoreRollout, type ScoreOptions } from '../../lib/reward/index.js';

t.setTimeout(120_000);

let seed = 0x9e3779b9;
function rand(): number {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const int = (n: number) => Math.floor(rand() * n);

const tools = [
  { name: 'convert', parameters: { type: 'object', properties: { amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } }, required: ['amount'] } },
  { name: 'search', parameters: { type: 'object', properties: { q: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['q'] } },
];
const A: Call = { name: 'convert', arguments: { amount: 5, from: 'USD', to: 'EUR' } };
const B: Call = { name: 'search', arguments: { q: 'naïve café ☕', tags: ['x', 'y'] } };
const tasks: Task[] = [
  { id: 'a', tools, messages: [{ role: 'user', content: 'q' }], answer: [A] },
  { id: 'ab', tools, messages: [{ role: 'user', content: 'q' }], answer: [A, B] },
  { id: 'none', tools, messages: [{ role: 'user', content: 'q' }], answer: [] },
  { id: 'bfcl', tools, messages: [{ role: 'user', content: 'q' }], answer: { format: 'bfcl', groundTruth: [{ convert: { amount: [5, 6], from: ['USD'], to: ['EUR', ''] } }] } },
];
const EX = '<example>q: 20 usd<tool_call>[{"name": "convert", "arguments": {"amount": 20, "from": "USD", "to": "EUR"}}]</tool_call></example><analysis>maps it</analysis>';

function valid(): string {
  const calls = pick([[A], [A, B], [B, A], [], [B]]);
  const think = pick(['plan', '', EX, `${EX} then`, 'x'.repeat(int(50))]);
  return `<think>${think}</think>${pick(['', '\n', ' '])}<tool_call>${pick([JSON.stringify(calls), JSON.stringify(calls[0] ?? []), JSON.stringify(calls, null, 2)])}</tool_call>`;
}

const TOKENS = ['<think>', '</think>', '<tool_call>', '</tool_call>', '<example>', '</example>', '<analysis>', '</analysis>',
  '<|im_start|>assistant', '[', ']', '{', '}', '"', ':', ',', '"name"', '"arguments"', '"convert"', '5', '5.0', 'null', 'true',
  '"__proto__"', '"constructor"', '\\', '\\u0000', '\ud800', '\u202e', '🙂', 'é', '\n', ' '];
const UNICODE = ['\u0000', '\ud800', '\udc00', '\u202e', '\ufeff', '🙂', '\u0301', '中', '\u2028'];

function mutate(s: string): string {
  const n = 1 + int(3);
  for (let k = 0; k < n; k++) {
    const i = int(s.length + 1);
    const j2 = Math.min(s.length, i + int(40));
    switch (int(8)) {
      case 0: s = s.slice(0, i); break; // cut
      case 1: s = s.slice(0, i) + s.slice(i, j2) + s.slice(i, j2) + s.slice(j2); break; // duplicate
      case 2: s = s.slice(0, i) + pick(TOKENS) + s.slice(i); break; // unbalance tags / inject syntax
      case 3: s = s.slice(0, i) + s.slice(j2); break; // delete
      case 4: s = s.slice(0, i) + pick(UNICODE) + s.slice(i); break; // unicode
      case 5: { const d = 1 + int(400); s = s.slice(0, i) + '['.repeat(d) + ']'.repeat(int(2) ? d : 0) + s.slice(i); break; } // nest deeply
      case 6: s = s.replace('"arguments": {', `"arguments": {"__proto__": {"x": 1}, `); break;
      default: s = s.slice(0, i) + String.fromCharCode(int(0x10000)) + s.slice(i + 1); break; // flip a char
    }
  }
  return s;
}

function random(): string {
  let s = '';
  const n = int(30);
  for (let i = 0; i < n; i++) s += int(3) ? pick(TOKENS) : String.fromCharCode(int(0x3000));
  return s;
}

const OPTS: ScoreOptions[] = [
  {}, { format: 'tool-n1' }, { matcher: 'bfcl' }, { matcher: 'api-bank' },
  { setGate: 'format' }, { setGate: 'always' }, { matcher: 'bfcl', format: 'tool-n1', setGate: 'always' },
];
const ALLOWED = new Set([0, 0.01, 1, 1.01]);

t.test('fuzz scoreRollout', async (t) => {
  const N = 120_000;
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).join();
  let thrown = 0;
  let badReward = 0;
  const rewards = new Map<number, number>();
  const reasons = new Map<string, number>();
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const kind = i % 3;
    const text = kind === 0 ? random() : kind === 1 ? mutate(valid()) : valid();
    const task = pick(tasks);
    const opts = pick(OPTS);
    try {
      const r = scoreRollout(text, task, opts);
      parseToolCalls(text, opts.format ? { format: opts.format } : {});
      if (!ALLOWED.has(r.reward)) badReward++;
      rewards.set(r.reward, (rewards.get(r.reward) ?? 0) + 1);
      reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
    } catch {
      thrown++;
    }
  }
  const ms = Date.now() - t0;
  t.comment(`fuzz: ${N} rollouts in ${ms} ms; rewards ${JSON.stringify(Object.fromEntries(rewards))}`);
  t.comment(`reasons ${JSON.stringify(Object.fromEntries(reasons))}`);
  t.equal(thrown, 0, 'no exception');
  t.equal(badReward, 0, 'reward always in {0, 0.01, 1, 1.01}');
  t.ok(N >= 100_000);
  t.equal(Object.getOwnPropertyNames(Object.prototype).join(), protoBefore, 'Object.prototype untouched');
  t.equal(({} as Record<string, unknown>)['x'], undefined);
  for (const v of [0, 0.01, 1, 1.01]) t.ok((rewards.get(v) ?? 0) > 0, `reward ${v} occurs`);
});

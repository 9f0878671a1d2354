import t from 'tap';
import {
  BpeTokenizer, bpeFromJson, bpeToJson, chatml, encodeChat, pretokenize, trainBpe, IM_END, IM_START, PAD,
} from '../../lib/model/tokenizer/index.js';
import { TxError } from '../../lib/errors.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
import { rng, randInt } from '../helpers/random.js';
import { APIS, prose, sample, systemPrompt, toolCorpus } from '../fixtures/tool-corpus.js';

const corpus = [...toolCorpus(400), prose(40000, 3)];
const tok = trainBpe(corpus, { vocabSize: 1024 });

/** A random well-formed string: ASCII, Latin, CJK, astral (emoji), combining marks, controls, whitespace. */
function randomText(r: () => number, len: number): string {
  const ranges: Array<[number, number]> = [[0x20, 0x7e], [0x0, 0x1f], [0xa0, 0x24f], [0x300, 0x36f], [0x4e00, 0x9fff],
    [0x1f300, 0x1faff], [0x10000, 0x10ffff], [0xe000, 0xfffd], [0x2000, 0x206f]];
  let s = '';
  for (let i = 0; i < len; i++) {
    const [lo, hi] = ranges[randInt(r, 0, ranges.length - 1)]!;
    let cp = randInt(r, lo, hi);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
    s += r() < 0.5 ? ' ' : '';
    s += String.fromCodePoint(cp);
  }
  return s;
}

t.test('pre-tokenizer tiles the text and keeps tool-call units together', async (t) => {
  t.same(pretokenize('{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}'),
    ['{"', 'name', '": "', 'get_weather', '", "', 'arguments', '": {"', 'city', '": "', 'Paris', '", "', 'days', '":', ' 3', '}}']);
  t.same(pretokenize('Hello  world\n\n  x\t'), ['Hello', ' ', ' world', '\n\n', ' ', ' x', '\t']);
  t.same(pretokenize(''), []);
  const r = rng(11);
  for (let k = 0; k < 200; k++) {
    const s = randomText(r, randInt(r, 0, 300)) + 'x'.repeat(randInt(r, 0, 300));
    const words = pretokenize(s);
    t.equal(words.join(''), s);
    if (words.some((w) => w.length === 0 || w.length > 128)) t.fail('empty or overlong word');
  }
});

t.test('round trip on random Unicode and on bytes-derived strings', async (t) => {
  const r = rng(7);
  let bad = 0;
  for (let k = 0; k < 500; k++) {
    const s = randomText(r, randInt(r, 0, 200));
    if (tok.decode(tok.encode(s)) !== s) bad++;
  }
  t.equal(bad, 0, 'random Unicode strings');
  bad = 0;
  for (let k = 0; k < 500; k++) {
    const bytes = new Uint8Array(randInt(r, 0, 300)).map(() => randInt(r, 0, 255));
    // Any byte string, decoded leniently, is a well-formed string (U+FFFD for bad sequences).
    const s = new TextDecoder().decode(bytes);
    if (tok.decode(tok.encode(s)) !== s) bad++;
    // And the byte tokens reproduce the bytes themselves.
    if (Buffer.compare(tok.decodeBytes(Array.from(bytes)), bytes) !== 0) bad++;
  }
  t.equal(bad, 0, 'bytes-derived strings');
  for (const s of corpus.slice(0, 20)) t.equal(tok.decode(tok.encode(s)), s);
  t.equal(tok.decode(tok.encode('x'.repeat(10000))), 'x'.repeat(10000));
  t.ok(tok.encode('get_weather').every((id) => id < tok.vocabSize));
});

t.test('training is deterministic and independent of corpus order', async (t) => {
  const a = trainBpe(corpus, { vocabSize: 700 });
  const b = trainBpe(corpus, { vocabSize: 700 });
  const shuffled = [...corpus].reverse();
  const c = trainBpe(shuffled, { vocabSize: 700 });
  t.same(bpeToJson(a), bpeToJson(b));
  t.same(bpeToJson(a), bpeToJson(c));
  t.equal(a.vocabSize, 700);
  // A smaller vocab is a prefix of a larger one.
  t.same(tok.merges.slice(0, 700 - 259), a.merges);
  // Stops early when no pair occurs twice.
  const tiny = trainBpe(['abcd'], { vocabSize: 5000 });
  t.equal(tiny.vocabSize, 259);
  t.equal(trainBpe(['abab abab'], { vocabSize: 5000, minFrequency: 2 }).decode(trainBpe(['abab abab'], { vocabSize: 5000 }).encode('abab')), 'abab');
  t.throws(() => trainBpe(corpus, { vocabSize: 100 }), { name: 'TxError', code: 'E_RANGE' });
  t.throws(() => trainBpe([42 as unknown as string], { vocabSize: 300 }), { name: 'TxError', code: 'E_FORMAT' });
});

t.test('special tokens', async (t) => {
  const start = tok.specialTokens.get(IM_START)!, end = tok.specialTokens.get(IM_END)!, pad = tok.specialTokens.get(PAD)!;
  t.same([start, end, pad], [256, 257, 258]);
  const text = `${IM_START}user\nhi${IM_END}${PAD}`;
  const asText = tok.encode(text);
  t.notOk(asText.some((id) => tok.isSpecial(id)), 'without allowSpecial they are plain text');
  t.equal(tok.decode(asText), text);
  const ids = tok.encode(text, { allowSpecial: true });
  t.equal(ids[0], start);
  t.equal(ids.filter((id) => tok.isSpecial(id)).length, 3);
  t.equal(tok.decode(ids), text);
  t.equal(tok.decode(ids, { skipSpecial: true }), 'user\nhi');
  // Merges never produce special ids, even on a corpus full of specials.
  for (const [a, b] of tok.merges) if (tok.isSpecial(a) || tok.isSpecial(b)) t.fail('merge over a special');
  t.throws(() => tok.decode([tok.vocabSize]), { name: 'TxError', code: 'E_RANGE' });
  t.throws(() => tok.decode([-1]), TxError);
});

t.test('ChatML', async (t) => {
  const msgs = [{ role: 'system', content: 'S' }, { role: 'user', content: 'say <|im_end|> please' }];
  const s = chatml(msgs);
  t.equal(s, '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nsay <|im_end|> please<|im_end|>\n<|im_start|>assistant\n');
  t.equal(chatml(msgs, { addGenerationPrompt: false }), '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nsay <|im_end|> please<|im_end|>\n');
  const ids = encodeChat(tok, msgs);
  t.equal(tok.decode(ids), s);
  // The im_end inside the content stays text: 2 turns + generation prompt = 3 starts, 2 ends.
  t.equal(ids.filter((id) => id === 256).length, 3);
  t.equal(ids.filter((id) => id === 257).length, 2);
  t.throws(() => chatml([{ role: '', content: 'x' }]), TxError);
  t.throws(() => chatml([{ role: 'user' } as never]), TxError);
  t.throws(() => encodeChat(new BpeTokenizer([], []), msgs), { name: 'TxError', code: 'E_STATE' });
});

t.test('tool names, argument keys and common values become single tokens', async (t) => {
  const t2 = trainBpe(toolCorpus(2000, 5), { vocabSize: 2048 });
  const single = (s: string): boolean => t2.encode(s).length === 1;
  for (const api of APIS) {
    t.ok(single(api.name), `tool name ${api.name}`);
    for (const k of Object.keys(api.params)) t.ok(single(k), `argument key ${k}`);
  }
  for (const v of [' Paris', 'Paris', 'celsius', '{"', '": "', '", "', '"}}]</', '": {"']) t.ok(single(v), `unit ${JSON.stringify(v)}`);
  const r = rng(99);
  const sys = systemPrompt();
  let prompt = 0, answer = 0, promptBytes = 0, answerBytes = 0;
  const n = 50;
  for (let i = 0; i < n; i++) {
    const s = sample(r);
    prompt += encodeChat(t2, [{ role: 'system', content: sys }, { role: 'user', content: s.user }]).length;
    answer += t2.encode(s.answer).length;
    promptBytes += Buffer.byteLength(chatml([{ role: 'system', content: sys }, { role: 'user', content: s.user }]));
    answerBytes += Buffer.byteLength(s.answer);
  }
  t.comment(`vocab ${t2.vocabSize}: typical prompt (system with ${APIS.length} tools + user) ${(prompt / n).toFixed(1)} tokens ` +
    `(${(promptBytes / n).toFixed(0)} bytes), answer ${(answer / n).toFixed(1)} tokens (${(answerBytes / n).toFixed(0)} bytes)`);
  const ex = sample(rng(3));
  t.comment(`answer ${JSON.stringify(ex.answer)} -> ${JSON.stringify(t2.encode(ex.answer).map((id) => t2.decode([id])))}`);
  t.ok(answer / n < 60, 'answers are short in tokens');
});

t.test('JSON round trip and validation', async (t) => {
  const j = bpeToJson(tok);
  const back = bpeFromJson(JSON.parse(JSON.stringify(j)));
  t.same(bpeToJson(back), j);
  t.same(bpeFromJson(JSON.stringify(j)).encode(corpus[0]!), tok.encode(corpus[0]!));
  const expectBad = (o: unknown, field: string): void => {
    t.throws(() => bpeFromJson(o), { name: 'TxError', code: 'E_FORMAT', message: new RegExp(escape(field)) }, field);
  };
  expectBad('{', '(root)');
  expectBad([], '(root)');
  expectBad({ ...j, format: 'x' }, 'format');
  expectBad({ ...j, version: 2 }, 'version');
  expectBad({ ...j, specials: 'x' }, 'specials');
  expectBad({ ...j, specials: ['a', 'a'] }, 'specials[1]');
  expectBad({ ...j, specials: [''] }, 'specials[0]');
  expectBad({ ...j, merges: {} }, 'merges');
  expectBad({ ...j, merges: [[1]] }, 'merges[0]');
  expectBad({ ...j, merges: [[1, 256]] }, 'merges[0][1]');
  expectBad({ ...j, merges: [[1, 259]] }, 'merges[0][1]');
  expectBad({ ...j, merges: [[1, 2.5]] }, 'merges[0][1]');
  expectBad({ ...j, merges: [[1, 2], [1, 2]] }, 'merges[1]');
  expectBad({ ...j, vocab: 'x' }, 'vocab');
  expectBad({ ...j, vocab: j.vocab.slice(1) }, 'vocab');
  expectBad({ ...j, vocab: j.vocab.map((v, i) => (i === 300 ? v + 'x' : v)) }, 'vocab[300]');
  // vocab is optional: merges are the source of truth.
  const { vocab: _v, ...noVocab } = j;
  t.equal(bpeFromJson(noVocab).vocabSize, tok.vocabSize);
});

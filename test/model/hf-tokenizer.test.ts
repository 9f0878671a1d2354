import t from 'tap';
import { readFileSync } from 'node:fs';
import { loadHfTokenizer } from '../../lib/model/tokenizer/index.js';
import { BYTE_TO_CHAR } from '../../lib/model/tokenizer/bytes.js';
import { GPT2_PATTERN, QWEN2_PATTERN, hfSplit, type HfSplitFlavor } from '../../lib/model/tokenizer/hf-pretokenize.js';
import { rng, randInt } from '../helpers/random.js';

// A small Qwen2-shaped tokenizer.json written by hand. Byte ids are a permutation
// (255 - byte) so nothing relies on id == byte.
const byteId = (ch: string): number => 255 - ch.charCodeAt(0);
const vocab: Record<string, number> = {};
BYTE_TO_CHAR.forEach((c, b) => { vocab[c] = 255 - b; });
const merges = [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['l', 'l'], ['e', 'll'], ['h', 'ell'], ['hell', 'o'], ['Ċ', 'Ċ']];
merges.forEach(([a, b], i) => { vocab[a! + b!] = 256 + i; });
const qwen2Json = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [
    { id: 264, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    { id: 265, content: '<|im_start|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    { id: 266, content: '<|im_end|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
  ],
  normalizer: { type: 'NFC' },
  pre_tokenizer: {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: QWEN2_PATTERN }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ],
  },
  post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
  decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
  model: {
    type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
    fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`),
  },
};

const bytes = (s: string): number[] => Array.from(Buffer.from(s, 'utf8'), (b) => 255 - b);

t.test('Qwen2-style tokenizer.json: encode/decode derived by hand', async (t) => {
  const tok = loadHfTokenizer(JSON.stringify(qwen2Json));
  t.equal(tok.vocabSize, 267);
  t.same(tok.specialTokens, new Map([['<|endoftext|>', 264], ['<|im_start|>', 265], ['<|im_end|>', 266]]));
  // "hello": (h,e) rank 1 before (l,l) rank 3; then nothing merges he+ll: [he, ll, o].
  t.same(tok.encode('hello'), [257, 259, byteId('o')]);
  // " the": Ġt, then he, then Ġt+he.
  t.same(tok.encode(' the'), [258]);
  // "ell" alone: (l,l) then (e,ll).
  t.same(tok.encode('ell'), [260]);
  // The split keeps "\n\n" together and "'s" apart: hello | " the" | "\n\n" | "world" | "'s".
  t.same(tok.encode("hello the\n\nworld's"), [257, 259, byteId('o'), 258, 263, ...bytes('world'), ...bytes("'s")]);
  // Specials only with allowSpecial; otherwise plain text.
  t.same(tok.encode('<|im_start|>user', { allowSpecial: true }), [265, ...bytes('user')]);
  const plain = tok.encode('<|im_start|>');
  t.notOk(plain.includes(265));
  t.equal(tok.decode(plain), '<|im_start|>');
  t.equal(tok.decode([265, 257, 266], { skipSpecial: true }), 'he');
  t.equal(tok.decode([265, 257, 266]), '<|im_start|>he<|im_end|>');
  // NFC: a decomposed é encodes as the composed one.
  t.same(tok.encode('e\u0301'), bytes('\u00e9'));
  // Ordinary text round-trips (NFC text: the normalizer is the one lossy step).
  const r = rng(5);
  for (let k = 0; k < 200; k++) {
    let s = '';
    for (let i = randInt(r, 0, 60); i > 0; i--) s += String.fromCodePoint(r() < 0.7 ? randInt(r, 0x20, 0x7e) : r() < 0.5 ? randInt(r, 0xa0, 0x2ff) : randInt(r, 0x1f600, 0x1f64f));
    s = s.normalize('NFC');
    if (tok.decode(tok.encode(s)) !== s) t.fail(`round trip ${JSON.stringify(s)}`);
  }
  t.throws(() => tok.decode([9999]), { name: 'TxError', code: 'E_RANGE' });
});

t.test('GPT-2 style (ByteLevel with its own regex), array merges, ignore_merges, add_prefix_space', async (t) => {
  const j = structuredClone(qwen2Json) as Record<string, any>;
  j.normalizer = null;
  j.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
  j.model.merges = merges;
  const tok = loadHfTokenizer(j);
  // add_prefix_space: "the" is encoded as " the".
  t.same(tok.encode('the'), [258]);
  t.same(tok.encode('x 12'), bytes(' x 12'));
  j.model.ignore_merges = true;
  j.model.vocab['Ġhello'] = 300;
  const ig = loadHfTokenizer(j);
  t.same(ig.encode('hello'), [300], 'ignore_merges: a whole word in the vocab is one token');
  t.equal(ig.decode([300]), ' hello');
});

t.test('split scanners agree with the reference regexes', async (t) => {
  const golden = JSON.parse(readFileSync(new URL('../fixtures/hf-split-golden.json', import.meta.url), 'utf8')) as { cases: Array<{ s: string; q: string[]; g: string[] }> };
  const split = (s: string, f: HfSplitFlavor): string[] => {
    const out: string[] = [];
    hfSplit(s, f, (a, b) => out.push(s.slice(a, b)));
    return out;
  };
  let bad = 0;
  for (const c of golden.cases) {
    if (JSON.stringify(split(c.s, 'qwen2')) !== JSON.stringify(c.q)) bad++;
    if (JSON.stringify(split(c.s, 'gpt2')) !== JSON.stringify(c.g)) bad++;
  }
  t.equal(bad, 0, `${golden.cases.length} golden strings`);
  t.same(split("I'M here  \n  x12", 'qwen2'), ['I', "'M", ' here', '  \n', ' ', ' x', '1', '2']);
  t.same(split("I'M here  \n  x12", 'gpt2'), ['I', "'", 'M', ' here', '  \n ', ' x', '12']);
  t.ok(GPT2_PATTERN.length > 0);
});

t.test('bad tokenizer.json files are refused naming the field', async (t) => {
  const cases: Array<[string, (j: Record<string, any>) => void]> = [
    ['model.type', (j) => { j.model.type = 'WordPiece'; }],
    ['model.byte_fallback', (j) => { j.model.byte_fallback = true; }],
    ['model.continuing_subword_prefix', (j) => { j.model.continuing_subword_prefix = '##'; }],
    ['model.vocab', (j) => { delete j.model.vocab['Ā']; }],
    ['model.vocab["x"]', (j) => { j.model.vocab.x = -1; }],
    ['model.merges[0]', (j) => { j.model.merges[0] = 'a b c'; }],
    ['model.merges[1]', (j) => { j.model.merges[1] = 'h zz'; }],
    ['model.merges', (j) => { j.model.merges = {}; }],
    ['added_tokens[0]', (j) => { j.added_tokens[0].content = ''; }],
    ['added_tokens[1]', (j) => { j.added_tokens[1].id = 257; }],
    ['normalizer', (j) => { j.normalizer = { type: 'Lowercase' }; }],
    ['pre_tokenizer.pretokenizers[0].pattern', (j) => { j.pre_tokenizer.pretokenizers[0].pattern.Regex = '\\w+'; }],
    ['pre_tokenizer.type', (j) => { j.pre_tokenizer = { type: 'Whitespace' }; }],
    ['decoder', (j) => { j.decoder = { type: 'WordPiece' }; }],
    ['(root)', () => { throw new Error('unused'); }],
  ];
  for (const [field, edit] of cases) {
    const j = structuredClone(qwen2Json) as Record<string, any>;
    let input: unknown = j;
    try {
      edit(j);
    } catch {
      input = '{not json';
    }
    const esc = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    t.throws(() => loadHfTokenizer(input), { name: 'TxError', code: 'E_FORMAT', message: new RegExp(`tokenizer\\.json: ${esc}`) }, field);
  }
});

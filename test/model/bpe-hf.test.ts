// Our BPE as a Hugging Face tokenizer.json: the Split regex splits as our scanner does, and
// the exported file, loaded as a Hugging Face tokenizer, encodes and decodes exactly as the
// BpeTokenizer (same ids), and loads back as the BpeTokenizer itself.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { BpeTokenizer, bpeFromJson, HfByteLevelBpe } from '../../lib/model/tokenizer/index.js';
import { bpeFromHf, bpeToHf, TOOLEXPANDER_PATTERN } from '../../lib/model/tokenizer/bpe-hf.js';
import { pretokenize } from '../../lib/model/tokenizer/pretokenize.js';
import { loadRunTasks } from '../../lib/rl/tasks.js';
import { resolveTrainConfig } from '../../lib/rl/presets.js';
import { renderStyled } from '../../lib/toolexpander/prompt-styles.js';
import { goldCompletion } from '../../lib/toolexpander/prompt.js';
import { rng, randInt } from '../helpers/random.js';

const shipped = bpeFromJson(readFileSync(fileURLToPath(new URL('../../checkpoints/weak-sft/tokenizer.json', import.meta.url)), 'utf8'));

async function corpus(): Promise<string[]> {
  const tasks = await loadRunTasks(resolveTrainConfig(undefined, {}));
  const out = tasks.train.slice(0, 60).flatMap((task) => [renderStyled('tool-n1', task), renderStyled('qwen2.5', task), goldCompletion(task)]);
  // Random strings over an alphabet of the scanner's edge cases (spaces, newlines, tabs, digits, _,
  // punctuation, marks, CJK, astral), each shorter than the 128-unit word cap.
  const r = rng(7), alpha = [' ', ' ', '  ', '\n', '\r\n', '\t', 'a', 'Z', 'é', '\u0301', '7', '42', '_', '"', ',', ': ', '{', '}', '北', '😀', '.', '!', '\u00a0'];
  for (let i = 0; i < 400; i++) out.push(Array.from({ length: randInt(r, 1, 30) }, () => alpha[randInt(r, 0, alpha.length - 1)]).join(''));
  return out;
}

t.test('the Split regex splits as scanWords does', async (t) => {
  const re = new RegExp(TOOLEXPANDER_PATTERN, 'gu');
  let bad = 0;
  for (const s of await corpus()) {
    const a = [...s.matchAll(re)].map((m) => m[0]);
    if (a.join('') !== s || JSON.stringify(a) !== JSON.stringify(pretokenize(s))) bad++;
  }
  t.equal(bad, 0);
});

t.test('the exported tokenizer.json encodes as our BPE, and loads back as it', async (t) => {
  const { tokenizerJson, tokenizerConfig } = bpeToHf(shipped);
  const hf = new HfByteLevelBpe(JSON.parse(JSON.stringify(tokenizerJson)));
  t.equal(hf.vocabSize, shipped.vocabSize);
  let bad = 0;
  for (const s of await corpus()) {
    for (const allowSpecial of [true, false]) {
      const a = shipped.encode(s, { allowSpecial }), b = hf.encode(s, { allowSpecial });
      if (JSON.stringify(a) !== JSON.stringify(b) || hf.decode(b) !== s) bad++;
    }
  }
  t.equal(bad, 0, 'same ids, exact decode');
  const back = bpeFromHf(tokenizerJson, (s, m) => new BpeTokenizer(s, m));
  t.ok(back !== undefined);
  t.same(back!.merges, shipped.merges);
  t.same(back!.specials, shipped.specials);
  t.match(tokenizerConfig, { eos_token: '<|im_end|>', pad_token: '<|pad|>', tokenizer_class: 'PreTrainedTokenizerFast' });
});

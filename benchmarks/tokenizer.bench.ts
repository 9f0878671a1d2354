// Tokenizer: BPE training time on ~5 MB of text (the synthetic tool-call corpus plus seeded
// prose, so that a few thousand merges exist) and encode/decode throughput in MB of UTF-8
// per second, one core. Encode runs with a warm word cache, as in training loops.
import { trainBpe } from '../lib/model/tokenizer/index.js';
import { prose, toolCorpus } from '../test/fixtures/tool-corpus.js';
import { round, time, type Harness } from './harness.js';

export const family = 'tokenizer';

export async function run(h: Harness): Promise<void> {
  const corpus = [...toolCorpus(1500), ...Array.from({ length: 160 }, (_, i) => prose(16_000, 100 + i))];
  const text = corpus.join('');
  const mb = Buffer.byteLength(text) / 1e6;
  for (const vocabSize of [2048, 4096]) {
    const train = time(() => trainBpe(corpus, { vocabSize }), { warmup: 0, repeats: 1, minMs: 0 });
    const tok = trainBpe(corpus, { vocabSize });
    let ids: number[] = [];
    const enc = time(() => { ids = tok.encode(text); }, { warmup: 1, repeats: 3, minMs: 0 });
    const dec = time(() => tok.decode(ids), { warmup: 1, repeats: 3, minMs: 0 });
    h.add(family, {
      corpusMB: round(mb),
      vocabSize: tok.vocabSize,
      trainS: round(train.medianMs / 1e3),
      encodeMBs: round(mb / (enc.medianMs / 1e3)),
      decodeMBs: round(mb / (dec.medianMs / 1e3)),
      bytesPerToken: round((mb * 1e6) / ids.length),
    });
  }
}

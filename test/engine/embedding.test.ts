// embedding gather and deterministic scatter-add backward, finite differences, bad ids.
import t from 'tap';

import { embedding, embeddingBackward, embeddingBackwardSync, embeddingSync, setThreads } from '../../lib/index.js';
import { firstMismatch } from '../helpers/compare.js';
import { expectTxError } from '../helpers/expect-error.js';
import { centralDiff, dot } from '../helpers/finite-diff.js';
import { rng } from '../helpers/random.js';
import { referenceEmbedding, referenceEmbeddingBackward } from '../reference/embedding.js';

const rand = (seed: number, n: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(r() * 2 - 1));
};

t.test('forward gathers rows; backward sums rows per id (float64 reference)', async (t) => {
  const vocab = 50, dim = 24, r = rng(4);
  const ids = Int32Array.from({ length: 3000 }, () => Math.floor(r() * r() * vocab));  // skewed: repeated ids
  const w = rand(1, vocab * dim), g = rand(2, ids.length * dim);
  t.same([...embeddingSync(w, ids, vocab, dim)], [...referenceEmbedding(w, ids, dim)].map(Math.fround), 'exact gather');
  const got = embeddingBackwardSync(g, ids, vocab, dim);
  t.equal(firstMismatch(got, referenceEmbeddingBackward(g, ids, vocab, dim), 1e-4, 1e-4), undefined);
  setThreads(1);
  const one = embeddingBackwardSync(g, ids, vocab, dim);
  setThreads(2);
  const two = embeddingBackwardSync(g, ids, vocab, dim);
  setThreads(0);
  t.ok(Buffer.from(one.buffer).equals(Buffer.from(two.buffer)), 'bitwise identical for 1 and 2 threads');
  t.ok(Buffer.from((await embeddingBackward(g, ids, vocab, dim)).buffer).equals(Buffer.from(two.buffer)), 'async == sync');
  t.same([...(await embedding(w, ids, vocab, dim))], [...embeddingSync(w, ids, vocab, dim)]);
  const unused = [...got.subarray((vocab - 1) * dim)];
  t.ok(ids.includes(vocab - 1) || unused.every((v) => v === 0), 'unused rows are zero');
});

t.test('gradient matches central differences of the float64 forward', async (t) => {
  const vocab = 6, dim = 3, ids = Int32Array.from([1, 4, 1, 0, 1]);
  const w = rand(5, vocab * dim), g = rand(6, ids.length * dim);
  const got = embeddingBackwardSync(g, ids, vocab, dim), idx = [0, 3, 4, 12, 15];
  const fd = centralDiff((ws) => dot(referenceEmbedding(ws, ids, dim), g), w, idx);
  t.equal(firstMismatch(idx.map((i) => got[i]!), fd, 1e-4, 1e-5), undefined);
});

t.test('bad inputs give a TxError naming the argument', async (t) => {
  const w = new Float32Array(12);
  expectTxError(t, () => embeddingSync(w, Int32Array.from([0, 4]), 4, 3), 'E_RANGE', 'ids[1]', 'id = vocab');
  expectTxError(t, () => embeddingSync(w, Int32Array.from([-1]), 4, 3), 'E_RANGE', 'ids[0]', 'negative id');
  expectTxError(t, () => embeddingSync(new Float32Array(11), Int32Array.from([0]), 4, 3), 'E_SHAPE', 'weight', 'weight size');
  expectTxError(t, () => embeddingSync(w, Int32Array.from([0]), 0, 3), 'E_RANGE', 'vocab', 'vocab 0');
  expectTxError(t, () => embeddingBackwardSync(new Float32Array(5), Int32Array.from([0, 1]), 4, 3), 'E_SHAPE', 'gradOut', 'gradOut size');
  expectTxError(t, () => embeddingBackwardSync(new Float32Array(3), Int32Array.from([9]), 4, 3), 'E_RANGE', 'ids', 'bad id in backward');
});

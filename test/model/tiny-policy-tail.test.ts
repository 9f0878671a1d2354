// On the CPU the last decoder layer runs past its keys and values only for the rows that
// have a target (native/model/tail.cpp): prompt rows of an RL batch skip its queries,
// attention, MLP and the output head. Which rows those are must change no log-prob bit, and
// the gradients must stay right. Sequences span several 64-key blocks; grouped-query heads.
import t from 'tap';

import { TinyPolicy, type TokenBatch } from '../../lib/model/index.js';
import { rng } from '../helpers/random.js';
import { meanNegLogp, sameBits, tiny } from './tiny-policy-helpers.js';

const cfg = tiny({ max_position_embeddings: 256 });
const lengths = [3, 70, 130, 1, 200, 40];

// Random tokens; mask: the tokens from a random "prompt" length on (a prompt-masked batch),
// or every token but each sequence's first.
function batch(seed: number, mode: 'completion' | 'all'): TokenBatch {
  const r = rng(seed);
  const cu = new Int32Array(lengths.length + 1);
  lengths.forEach((l, i) => (cu[i + 1] = cu[i]! + l));
  const tokens = Int32Array.from({ length: cu[lengths.length]! }, () => Math.floor(r() * cfg.vocab_size));
  const mask = new Uint8Array(tokens.length);
  const pr = rng(seed + 1);
  lengths.forEach((len, i) => {
    const from = mode === 'all' ? 1 : Math.max(1, Math.floor(pr() * len));
    for (let j = from; j < len; j++) mask[cu[i]! + j] = 1;
  });
  return { tokens, cuSeqlens: cu, mask };
}

t.test('forward log-probs are the same bits whichever other rows have a target, and for a sequence alone', async (t) => {
  const p = await TinyPolicy.create(cfg, { seed: 5 });
  const all = batch(9, 'all'), some = batch(9, 'completion');
  const a = p.forwardLogprobsSync(all).logp, s = p.forwardLogprobsSync(some).logp;
  let differ = 0, compared = 0;
  for (let i = 0; i < a.length; i++) {
    if (!some.mask[i]) continue;
    compared++;
    if (!sameBits(a.subarray(i, i + 1), s.subarray(i, i + 1))) differ++;
  }
  t.equal(differ, 0, `${compared} tokens: the same bits with every token masked and with prompts unmasked`);
  // Sequence 2 alone, only its last 5 tokens masked.
  const cu = some.cuSeqlens, b = 2, len = cu[b + 1]! - cu[b]!;
  const tokens = some.tokens.slice(cu[b]!, cu[b + 1]!), mask = new Uint8Array(len);
  mask.fill(1, len - 5);
  const alone = p.forwardLogprobsSync({ tokens, cuSeqlens: Int32Array.from([0, len]), mask }).logp;
  t.ok(sameBits(alone.subarray(len - 5), a.subarray(cu[b]! + len - 5, cu[b + 1]!)), 'a sequence alone gives the packed bits');
  p.dispose();
});

t.test('SFT gradient on a prompt-masked batch matches central differences (every tensor, last layer included)', async (t) => {
  const p = await TinyPolicy.create(cfg, { seed: 3 });
  const r = rng(11);
  const params = p.state().params.map((v) => (v === 1 ? 1 + 0.2 * (r() - 0.5) : 0.4 * (r() * 2 - 1)));
  p.setParams(params);
  const b = batch(4, 'completion');
  const { grads } = await p.gradients(b);
  const loss = (x: Float32Array) => {
    p.setParams(x);
    return meanNegLogp(p.forwardLogprobsSync(b).logp, b.mask);
  };
  const names = p.parameters();
  const pick = rng(8);
  let offset = 0, checked = 0;
  for (const [name, values] of names) {
    for (let k = 0; k < 2; k++) {
      const i = offset + Math.floor(pick() * values.length);
      const h = 1e-2, x = params.slice();
      x[i] = params[i]! + h;
      const fp = loss(x);
      x[i] = params[i]! - h;
      const fm = loss(x);
      const fd = (fp - fm) / (2 * h), g = grads[i]!;
      t.ok(Math.abs(fd - g) <= 2e-3 + 0.03 * Math.abs(fd), `${name}[${i - offset}]: analytic ${g.toExponential(4)} vs fd ${fd.toExponential(4)}`);
      checked++;
    }
    offset += values.length;
  }
  t.ok(checked >= 2 * names.size, `${checked} parameters checked`);
  p.dispose();
});

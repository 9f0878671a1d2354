// Prints sha256 fingerprints of the shipped checkpoint's forward log-probs, entropies,
// gradients, one optimizer step and sampled rollouts: run it against two builds (or two
// TOOLEXPANDER_SIMD values) and compare the lines to see whether they agree bit for bit.
//   npx tsx scripts/simd-fingerprint.ts    (TOOLEXPANDER_ADDON=path.node picks a build)
import { createHash } from 'node:crypto';

import { native } from '../lib/engine/native.js';
import { WEAK_SFT_DIR } from '../lib/model/shipped.js';
import { TinyPolicy } from '../lib/model/tiny-policy.js';

const hash = (a: ArrayBufferView): string =>
  createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);

const policy = await TinyPolicy.load(WEAK_SFT_DIR);
const prompts = ['Call get_weather for Paris.', 'What is 17 times 23? Use the calculator tool.', 'hi'];
const promptIds = prompts.map((p) => Int32Array.from(policy.tokenizer!.encode(p)));
const rollouts = await policy.generateTokens(promptIds, { n: 2, maxTokens: 24, temperature: 1, seed: 7 });
const items = rollouts.flat().map((r, i) => ({ prompt: promptIds[Math.floor(i / 2)]!, completion: r.tokens }));
const lps = await policy.logprobsTokens(items);
const rolloutLp = new Float32Array(rollouts.flat().flatMap((r) => Array.from(r.logp)));
const forwardLp = new Float32Array(lps.flatMap((l) => Array.from(l)));
const seqs = items.map((it) => [...Array.from(it.prompt), ...Array.from(it.completion)]);
const lens = seqs.map((s) => s.length);
const tokens = new Int32Array(seqs.flatMap((s) => Array.from(s)));
const cu = new Int32Array([0, ...lens.map((_, i) => lens.slice(0, i + 1).reduce((a, b) => a + b, 0))]);
const mask = new Uint8Array(tokens.length).fill(1);
for (const c of cu.subarray(0, -1)) mask[c] = 0;
const fwd = await policy.forwardLogprobs({ tokens, cuSeqlens: cu, mask });
const g = await policy.gradients({ tokens, cuSeqlens: cu, mask });
console.log(`simd ${native().devices().cpu.simd}`);
console.log(`rollout-tokens ${hash(new Int32Array(rollouts.flat().flatMap((r) => Array.from(r.tokens))))}`);
console.log(`rollout-logp ${hash(rolloutLp)}`);
console.log(`forward-logp ${hash(forwardLp)}  rollout==forward ${hash(rolloutLp) === hash(forwardLp)}`);
console.log(`batch-logp ${hash(fwd.logp)} entropy ${hash(fwd.entropy)}`);
console.log(`grads ${hash(g.grads)} loss ${g.loss}`);
await policy.sftStep({ tokens, cuSeqlens: cu, mask }, 1e-3);  // one AdamW step on top
const after = policy.state();
console.log(`adamw-step params ${hash(after.params)} moments ${hash(after.expAvg)} ${hash(after.expAvgSq)}`);
policy.dispose();

// SFT samples as token batches for the native model: each sample is its ChatML prompt
// followed by the assistant target and <|im_end|>; only the target tokens (and the end
// token, so the model learns to stop) are trained on. Batches are drawn from seeded epoch
// shuffles, so a warm start is a function of its seed.

import { shuffled, stream } from '../util/prng.js';
import type { TokenBatch } from '../model/policy.js';
import { IM_END } from '../model/tokenizer/specials.js';
import type { Tokenizer } from '../model/tokenizer/types.js';
import { renderChatML } from '../toolexpander/prompt.js';
import type { SftSample } from '../toolexpander/sft.js';

export type EncodedSample = { prompt: Int32Array; target: Int32Array };

export function sftText(s: SftSample): { prompt: string; target: string } {
  return { prompt: renderChatML(s.messages), target: `${s.completion}${IM_END}` };
}

export function encodeSamples(tok: Tokenizer, samples: readonly SftSample[], maxTokens: number): EncodedSample[] {
  const out: EncodedSample[] = [];
  for (const s of samples) {
    const t = sftText(s);
    const prompt = Int32Array.from(tok.encode(t.prompt, { allowSpecial: true }));
    const target = Int32Array.from(tok.encode(t.target, { allowSpecial: true }));
    // A sample longer than the model's context is dropped, not cut: a cut target teaches
    // the model to stop mid-call.
    if (prompt.length + target.length <= maxTokens) out.push({ prompt, target });
  }
  return out;
}

export function packSamples(items: readonly EncodedSample[]): TokenBatch {
  const cu = new Int32Array(items.length + 1);
  items.forEach((it, i) => (cu[i + 1] = cu[i]! + it.prompt.length + it.target.length));
  const tokens = new Int32Array(cu[items.length]!);
  const mask = new Uint8Array(tokens.length);
  items.forEach((it, i) => {
    tokens.set(it.prompt, cu[i]!);
    tokens.set(it.target, cu[i]! + it.prompt.length);
    mask.fill(1, cu[i]! + it.prompt.length, cu[i + 1]!);
  });
  return { tokens, cuSeqlens: cu, mask };
}

/** Batch `step` (0-based) of `size` samples: epoch e is a seeded shuffle of all samples. */
export function batchIndices(seed: number, count: number, size: number, step: number): number[] {
  const out: number[] = [];
  let epochOrder: number[] = [];
  let epoch = -1;
  for (let k = 0; k < size; k++) {
    const g = step * size + k;
    const e = Math.floor(g / count);
    if (e !== epoch) {
      epoch = e;
      epochOrder = shuffled(stream(seed, 'sft-epoch', e), Array.from({ length: count }, (_, i) => i));
    }
    out.push(epochOrder[g % count]!);
  }
  return out;
}

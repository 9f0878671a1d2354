// The built-in 'tiny' policy of `toolexpander train`: the native Qwen2 policy loaded from
// config.init (default: the shipped weak SFT checkpoint; any Hugging Face Qwen2 / Qwen2.5
// folder as downloaded works too), or from the run's own checkpoint
// when resuming. The reference is a second, frozen copy of the starting weights: the KL
// penalty needs it (grpo preset) and every preset logs the KL to it.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TxError } from '../errors.js';
import { WEAK_SFT_DIR } from '../model/shipped.js';
import { hasWeights } from '../model/checkpoint.js';
import type { MemoryPlan } from '../model/memory.js';
import { Qwen2Policy } from '../model/qwen2-policy.js';
import type { PolicyFactory } from './policy-factory-types.js';

export function initDir(init: string | null): string {
  const dir = init ?? WEAK_SFT_DIR;
  if (!existsSync(join(dir, 'config.json')) || !hasWeights(dir)) {
    throw new TxError('E_STATE', `config.init: ${dir} is not a TinyPolicy checkpoint (a Qwen2 folder: config.json and model.safetensors or model.safetensors.index.json expected)`
      + (init === null ? '; rebuild the shipped one with `toolexpander sft --out checkpoints/weak-sft`' : ''));
  }
  if (!existsSync(join(dir, 'tokenizer.json'))) throw new TxError('E_STATE', `config.init: ${dir} has no tokenizer.json`);
  return dir;
}

/** Qwen2Policy.load leaves the tokenizer out when it cannot read tokenizer.json; training and evaluation need one. */
async function loadWithTokenizer(dir: string, opts: Parameters<typeof Qwen2Policy.load>[1]): Promise<Qwen2Policy> {
  const p = await Qwen2Policy.load(dir, opts);
  if (p.tokenizer === undefined) {
    p.dispose();
    throw new TxError('E_FORMAT', `${join(dir, 'tokenizer.json')}: not a readable BPE tokenizer (damaged, or not written by toolexpander)`);
  }
  return p;
}

export const tinyFactory: PolicyFactory = async ({ config, resumeFrom }) => {
  const init = initDir(config.init);
  // Stated for models whose memory matters (a real checkpoint); the shipped tiny one needs
  // a fraction of a GiB and would only add noise to every run of the demo.
  const onMemory = (plan: MemoryPlan, text: string) => {
    if (plan.total >= 2 ** 30) process.stderr.write(`policy memory: ${text}\n`);
  };
  const policy = await loadWithTokenizer(resumeFrom ?? init, { onMemory });
  try {
    const reference = await loadWithTokenizer(init, { onMemory });
    return { policy, reference, name: 'tiny' };
  } catch (e) {
    policy.dispose();
    throw e;
  }
};

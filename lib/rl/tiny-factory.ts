// The built-in 'tiny' policy of `toolexpander train`: the native TinyPolicy loaded from
// config.init (default: the shipped weak SFT checkpoint), or from the run's own checkpoint
// when resuming. The reference is a second, frozen copy of the starting weights: the KL
// penalty needs it (grpo preset) and every preset logs the KL to it.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TxError } from '../errors.js';
import { WEAK_SFT_DIR } from '../model/shipped.js';
import { TinyPolicy } from '../model/tiny-policy.js';
import type { PolicyFactory } from './policy-factory.js';

export function initDir(init: string | null): string {
  const dir = init ?? WEAK_SFT_DIR;
  if (!existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'model.safetensors'))) {
    throw new TxError('E_STATE', `config.init: ${dir} is not a TinyPolicy checkpoint (config.json and model.safetensors expected)`
      + (init === null ? '; rebuild the shipped one with `toolexpander sft --out checkpoints/weak-sft`' : ''));
  }
  if (!existsSync(join(dir, 'tokenizer.json'))) throw new TxError('E_STATE', `config.init: ${dir} has no tokenizer.json`);
  return dir;
}

/** TinyPolicy.load leaves the tokenizer out when tokenizer.json is not our BPE; training and evaluation need it. */
async function loadWithTokenizer(dir: string): Promise<TinyPolicy> {
  const p = await TinyPolicy.load(dir);
  if (p.tokenizer === undefined) {
    p.dispose();
    throw new TxError('E_FORMAT', `${join(dir, 'tokenizer.json')}: not a readable BPE tokenizer (damaged, or not written by toolexpander)`);
  }
  return p;
}

export const tinyFactory: PolicyFactory = async ({ config, resumeFrom }) => {
  const init = initDir(config.init);
  const policy = await loadWithTokenizer(resumeFrom ?? init);
  try {
    const reference = await loadWithTokenizer(init);
    return { policy, reference, name: 'tiny' };
  } catch (e) {
    policy.dispose();
    throw e;
  }
};

// The --policy hook: how `toolexpander train` and `eval` obtain a Policy. A factory gets
// the run's config and every task of the run (train and held-out), and returns the policy
// (loaded from `resumeFrom`, a checkpoint folder, when resuming) and optionally a frozen
// reference (the initial policy) for the KL term and the logged KL.
// 'tiny' (the native Qwen2 policy) is built in and imported only when asked for; other names
// are registered with registerPolicyFactory; any other value is a module path exporting
// `createPolicy`.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TxError } from '../errors.js';
import type { PolicyFactory } from './policy-factory-types.js';

export type { PolicyBundle, PolicyFactory, PolicyFactoryContext } from './policy-factory-types.js';

const registry = new Map<string, PolicyFactory>();

export const DEFAULT_POLICY = 'tiny';

export function registerPolicyFactory(name: string, factory: PolicyFactory): void {
  registry.set(name, factory);
}

function looksLikePath(spec: string): boolean {
  return /[\\/]/.test(spec) || /\.(m?[jt]s)$/.test(spec);
}

/** The factory for a --policy value (default 'tiny'). Throws a TxError saying what is available. */
export async function resolvePolicyFactory(spec: string = DEFAULT_POLICY): Promise<PolicyFactory> {
  const known = registry.get(spec);
  if (known !== undefined) return known;
  if (spec === DEFAULT_POLICY) return (await import('./tiny-factory.js')).tinyFactory;
  if (spec === 'openai') return (await import('./openai-factory.js')).openaiFactory;  // a served model, from OPENAI_* env vars
  if (looksLikePath(spec)) {
    let mod: { createPolicy?: unknown };
    try {
      mod = await import(pathToFileURL(resolve(spec)).href) as { createPolicy?: unknown };
    } catch (e) {
      throw new TxError('E_STATE', `--policy ${spec}: cannot load the module (${(e as Error).message})`);
    }
    if (typeof mod.createPolicy !== 'function') throw new TxError('E_STATE', `--policy ${spec}: the module exports no createPolicy function`);
    return mod.createPolicy as PolicyFactory;
  }
  const names = [...registry.keys()];
  throw new TxError('E_STATE', `no policy '${spec}' is available. Built in: ${DEFAULT_POLICY}, openai; registered: ${names.length === 0 ? 'none' : names.join(', ')}. `
    + 'Pass --policy <module path> exporting createPolicy(ctx) -> { policy, reference? }.');
}

// The built-in 'openai' policy (`--policy openai`): an OpenAIPolicy on a served model,
// configured from the environment as OpenAI clients are:
//   OPENAI_BASE_URL  server root, e.g. http://127.0.0.1:8000 (or .../v1)   required
//                    several servers of the same model: comma-separated (a pool)
//   OPENAI_MODEL     the served model name                                  required
//   OPENAI_API_KEY   sent as a Bearer token                                 optional
// Evaluation only: a served model has no trainStep, and --checkpoint does not apply (the
// server decides which weights it serves). No reference policy.

import { TxError } from '../errors.js';
import { OpenAIPolicy } from '../model/openai-policy.js';
import type { PolicyFactory } from './policy-factory-types.js';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === '') throw new TxError('E_STATE', `--policy openai: set ${name} (OPENAI_BASE_URL, OPENAI_MODEL; OPENAI_API_KEY optional)`);
  return v.trim();
}

export function openaiPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): OpenAIPolicy {
  const apiKey = env['OPENAI_API_KEY'];
  return new OpenAIPolicy({
    baseUrl: required(env, 'OPENAI_BASE_URL'), model: required(env, 'OPENAI_MODEL'),
    ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
  });
}

export const openaiFactory: PolicyFactory = async ({ resumeFrom }) => {
  if (resumeFrom !== undefined) throw new TxError('E_STATE', `--policy openai serves its own weights: --checkpoint ${resumeFrom} does not apply`);
  return { policy: openaiPolicyFromEnv(), name: 'openai' };
};

// The --policy hook's types, apart from the registry (policy-factory.ts) so that the
// built-in factories (tiny-factory.ts, openai-factory.ts) depend on them and not on the
// registry that imports them.

import type { Task } from '../data/types.js';
import type { Policy } from '../model/policy.js';
import type { TrainConfig } from './config.js';

export type PolicyFactoryContext = {
  config: TrainConfig;
  tasks: readonly Task[];
  /** A checkpoint folder the policy saved itself into (resume). */
  resumeFrom?: string;
};

export type PolicyBundle = { policy: Policy; reference?: Policy; name?: string };
export type PolicyFactory = (ctx: PolicyFactoryContext) => Promise<PolicyBundle>;

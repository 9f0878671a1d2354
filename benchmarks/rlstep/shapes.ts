// The demo's real RL-step shapes: the shipped checkpoint, the demo config's first 8
// training prompts (the synthetic suite, rendered as the trainer renders them), plain and
// with 2 demonstrations in context, 8 rollouts each, maxTokens 128, temperature 1.
import type { Task } from '../../lib/data/types.js';
import { DEMO_CONFIG } from '../../lib/cli/demo.js';
import { resolveTrainConfig } from '../../lib/rl/presets.js';
import { loadRunTasks } from '../../lib/rl/tasks.js';
import { defaultRender } from '../../lib/rl/trainer.js';
import { createDemoPool, selectDemos } from '../../lib/toolexpander/demos.js';
import type { TrainConfig } from '../../lib/rl/config.js';

export type RlShapes = {
  config: TrainConfig;
  tasks: Task[];
  plain: string[];
  demos2: string[];
};

/** The grpo arm's config (it has the reference KL term, so the step includes reference log-probs). */
export async function rlShapes(prompts = 8): Promise<RlShapes> {
  const config = resolveTrainConfig('grpo', DEMO_CONFIG);
  const { train } = await loadRunTasks(config);
  const tasks = train.slice(0, prompts);
  const pool = createDemoPool(train);
  const plain = tasks.map((t) => defaultRender(t, []));
  const demos2 = tasks.map((t) => defaultRender(t, selectDemos(pool, t, 2, { seed: config.seed, salt: 'bench' })));
  return { config, tasks, plain, demos2 };
}

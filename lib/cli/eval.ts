// `toolexpander eval`: greedy accuracy of a policy on held-out tasks, overall and by
// category: the synthetic suite's splits by default, or JSONL task files (BFCL / API-Bank
// converted, with their matchers).

import { writeFileAtomic } from '../model/atomic-write.js';
import { TxError } from '../errors.js';
import { EVAL_SPLITS, type EvalSplit } from '../rl/config.js';
import { evaluate } from '../rl/evaluate.js';
import { resolvePolicyFactory } from '../rl/policy-factory.js';
import { merge, resolveConfig } from '../rl/presets.js';
import { allTasks, loadRunTasks } from '../rl/tasks.js';
import { defaultRender } from '../rl/trainer.js';
import { scoreRollout } from '../reward/score.js';
import { readConfigFile } from '../rl/config-file.js';
import { parseArgs } from './args.js';
import { BENCHMARK_USAGE, benchmarkCommand, parseEvalSize } from './eval-benchmark.js';

export const EVAL_USAGE = `usage: toolexpander eval [--policy NAME|MODULE] [--checkpoint DIR] [--config f.json]
                         [--tasks f.jsonl] [--matcher exact|bfcl|api-bank] [--size N] [--eval-size N|all] [--seed N] [--json OUT]
       toolexpander eval --benchmark bfcl|api-bank --data DIR [--policy ...] [--checkpoint DIR]
                         [--eval-size N|all] [--categories a,b] [--format package|tool-n1] [--underscore-names]
                         [--results f.jsonl] [--concurrency N] [--max-tokens N] [--seed N] [--json OUT]

Greedy decoding (temperature 0, top-k 1), one completion per task; accuracy = share with
base reward 1, overall and by category. Without --tasks: the synthetic suite's held-out
splits (${EVAL_SPLITS.join(', ')}), --size tasks each.

  --checkpoint  a checkpoint folder the policy loads from (runs/<name>/checkpoints/step-N)
  --eval-size   tasks per split (or per benchmark category); 'all' for every one
  --json        also write the result as JSON
${BENCHMARK_USAGE}`;

export async function evalCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(EVAL_USAGE);
    return 0;
  }
  if (argv.some((a) => a === '--benchmark' || a.startsWith('--benchmark='))) return benchmarkCommand(argv);
  const { flags, positional } = parseArgs(argv, {
    policy: 'string', checkpoint: 'string', config: 'string', tasks: 'string', matcher: 'string', size: 'int', 'eval-size': 'string', seed: 'int', json: 'string',
  }, 'eval');
  if (positional.length > 0) throw new TxError('E_RANGE', `eval: unexpected argument '${positional[0]}'`);
  if (flags['eval-size'] !== undefined) flags['size'] = parseEvalSize(flags['eval-size'] as string, 'eval') === 'all' ? Number.MAX_SAFE_INTEGER : parseEvalSize(flags['eval-size'] as string, 'eval');
  const file = flags['config'] === undefined ? {} : await readConfigFile(flags['config'] as string);
  const over: Record<string, unknown> = {};
  if (flags['seed'] !== undefined) over['seed'] = flags['seed'];
  if (flags['size'] !== undefined) over['eval'] = { size: flags['size'] };
  if (flags['matcher'] !== undefined) over['reward'] = { matcher: flags['matcher'] };
  if (flags['tasks'] !== undefined) over['data'] = { source: 'jsonl', train: flags['tasks'], eval: { test: flags['tasks'] } };
  if (flags['tasks'] !== undefined) over['eval'] = { ...(over['eval'] as object ?? {}), splits: ['test'] as EvalSplit[] };
  const config = resolveConfig(undefined, merge(file, over));
  const tasks = await loadRunTasks(config);
  if (Object.keys(tasks.evalSplits).length === 0) throw new TxError('E_FORMAT', 'eval: no held-out tasks to evaluate; give --tasks f.jsonl, or a config whose data.eval names task files');
  const factory = await resolvePolicyFactory(flags['policy'] as string | undefined);
  if (flags['tasks'] !== undefined) {
    const held = tasks.evalSplits['test']?.length ?? 0;
    if (held < tasks.train.length) console.log(`eval: warning: evaluating ${held} of the ${tasks.train.length} tasks in ${String(flags['tasks'])} (--eval-size all for every task)`);
  }
  const { policy } = await factory({ config, tasks: allTasks(tasks), resumeFrom: flags['checkpoint'] as string | undefined });
  const res = await evaluate(policy, tasks.evalSplits, {
    render: (t) => defaultRender(t, []), score: (text, task) => scoreRollout(text, task, config.reward),
    maxTokens: config.generation.maxTokens, seed: config.seed,
  });
  for (const [split, r] of Object.entries(res)) {
    const cats = Object.entries(r.byCategory).map(([c, a]) => `${c} ${a.accuracy.toFixed(3)} (${a.n})`).join(', ');
    console.log(`${split}: ${r.accuracy.toFixed(3)} (${r.correct}/${r.n}); ${cats}`);
  }
  if (flags['json'] !== undefined) await writeFileAtomic(flags['json'] as string, [Buffer.from(`${JSON.stringify(res, null, 2)}\n`)]);
  return 0;
}

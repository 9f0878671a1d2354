// `toolexpander eval`: greedy accuracy of a policy on held-out tasks, overall and by
// category: the synthetic suite's splits by default, or JSONL task files (BFCL / API-Bank
// converted, with their matchers).

import { writeFileAtomic } from '../util/atomic-write.js';
import { TxError } from '../errors.js';
import { EVAL_SPLITS, type EvalSplit } from '../rl/config.js';
import { evaluate } from '../rl/evaluate.js';
import { resolvePolicyFactory } from '../rl/policy-factory.js';
import { merge, resolveTrainConfig } from '../rl/presets.js';
import { allTasks, loadRunTasks } from '../rl/tasks.js';
import { styledRender } from '../rl/trainer.js';
import { scoreRollout } from '../reward/score.js';
import { readConfigFile } from '../rl/config-file.js';
import { Progress } from '../report/progress.js';
import { parseArgs } from './args.js';
import { BENCHMARK_USAGE, benchmarkCommand, parseEvalSize } from './eval-benchmark.js';

export const EVAL_USAGE = `usage: toolexpander eval [--policy NAME|MODULE] [--checkpoint DIR] [--config f.json]
                         [--tasks f.jsonl] [--matcher exact|bfcl|api-bank] [--size N] [--eval-size N|all] [--seed N]
                         [--results f.jsonl] [--json OUT]
       toolexpander eval --benchmark bfcl|api-bank --data DIR [--policy ...] [--checkpoint DIR]
                         [--eval-size N|all] [--categories a,b] [--format package|tool-n1] [--underscore-names]
                         [--results f.jsonl] [--concurrency N] [--max-tokens N] [--seed N] [--json OUT]

Greedy decoding (temperature 0, top-k 1), one completion per task; accuracy = share with
base reward 1, overall and by category. Without --tasks: the synthetic suite's held-out
splits (${EVAL_SPLITS.join(', ')}), --size tasks each.

  --checkpoint  a checkpoint folder the policy loads from (runs/<name>/checkpoints/step-N)
  --eval-size   tasks per split (or per benchmark category); 'all' for every one
  --init        the model folder the 'tiny' policy starts from (config.init): ours, or a
                Hugging Face Qwen2 / Qwen2.5 folder as downloaded
  --show-prompts  print the rendered prompt of the first 3 tasks of each split (prompt.style)
  --results     write one JSON line per task: split, id, category, correct, the scorer's
                reason (why it failed) and the model's text
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
    init: 'string', 'show-prompts': 'boolean', results: 'string',
  }, 'eval');
  if (positional.length > 0) throw new TxError('E_RANGE', `eval: unexpected argument '${positional[0]}'`);
  if (flags['eval-size'] !== undefined) flags['size'] = parseEvalSize(flags['eval-size'] as string, 'eval') === 'all' ? Number.MAX_SAFE_INTEGER : parseEvalSize(flags['eval-size'] as string, 'eval');
  const file = flags['config'] === undefined ? {} : await readConfigFile(flags['config'] as string);
  const over: Record<string, unknown> = {};
  if (flags['seed'] !== undefined) over['seed'] = flags['seed'];
  if (flags['init'] !== undefined) over['init'] = flags['init'];
  if (flags['size'] !== undefined) over['eval'] = { size: flags['size'] };
  if (flags['matcher'] !== undefined) over['reward'] = { matcher: flags['matcher'] };
  if (flags['tasks'] !== undefined) over['data'] = { source: 'jsonl', train: flags['tasks'], eval: { test: flags['tasks'] } };
  if (flags['tasks'] !== undefined) over['eval'] = { ...(over['eval'] as object ?? {}), splits: ['test'] as EvalSplit[] };
  const config = resolveTrainConfig(undefined, merge(file, over));
  const tasks = await loadRunTasks(config);
  if (Object.keys(tasks.evalSplits).length === 0) throw new TxError('E_FORMAT', 'eval: no held-out tasks to evaluate; give --tasks f.jsonl, or a config whose data.eval names task files');
  const render = styledRender(config.prompt.style);
  if (flags['show-prompts'] === true) {
    for (const [split, list] of Object.entries(tasks.evalSplits)) {
      for (const task of list.slice(0, 3)) console.log(`--- ${split} ${task.id} (prompt.style ${config.prompt.style})\n${render(task, [])}`);
    }
  }
  const factory = await resolvePolicyFactory(flags['policy'] as string | undefined);
  if (flags['tasks'] !== undefined) {
    const held = tasks.evalSplits['test']?.length ?? 0;
    if (held < tasks.train.length) console.log(`eval: warning: evaluating ${held} of the ${tasks.train.length} tasks in ${String(flags['tasks'])} (--eval-size all for every task)`);
  }
  const { policy } = await factory({ config, tasks: allTasks(tasks), resumeFrom: flags['checkpoint'] as string | undefined });
  const total = Object.values(tasks.evalSplits).reduce((n, list) => n + list.length, 0);
  const progress = new Progress(total, { label: 'eval', stream: process.stderr });
  const lines: Buffer[] = [];
  let done = 0;
  let solved = 0;
  const res = await evaluate(policy, tasks.evalSplits, {
    render: (t) => render(t, []), score: (text, task) => scoreRollout(text, task, config.reward),
    maxTokens: config.generation.maxTokens, seed: config.seed,
    onScored: (records) => {
      for (const r of records) {
        done++;
        if (r.correct) solved++;
        if (flags['results'] !== undefined) lines.push(Buffer.from(`${JSON.stringify(r)}\n`));
      }
      progress.update(done, `accuracy ${(solved / Math.max(1, done)).toFixed(3)}`);
    },
  });
  progress.finish();
  // Written whole once every task is scored: a crash leaves no half-written results file.
  if (flags['results'] !== undefined) await writeFileAtomic(flags['results'] as string, lines);
  for (const [split, r] of Object.entries(res)) {
    const cats = Object.entries(r.byCategory).map(([c, a]) => `${c} ${a.accuracy.toFixed(3)} (${a.n})`).join(', ');
    console.log(`${split}: ${r.accuracy.toFixed(3)} (${r.correct}/${r.n}); ${cats}`);
  }
  if (flags['json'] !== undefined) await writeFileAtomic(flags['json'] as string, [Buffer.from(`${JSON.stringify(res, null, 2)}\n`)]);
  return 0;
}

// `toolexpander eval --benchmark bfcl|api-bank --data DIR`: the flags, the policy, then
// benchmark/run.ts. Kept apart from eval.ts so that each stays one concern.

import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { TxError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { resolvePolicyFactory } from '../rl/policy-factory.js';
import { merge, resolveTrainConfig } from '../rl/presets.js';
import { parseArgs } from './args.js';
import { BENCHMARKS, FORMATS, type Benchmark, type PromptFormat } from './benchmark/items.js';
import { runBenchmark } from './benchmark/run.js';

export const BENCHMARK_USAGE = `
With --benchmark: every entry of a benchmark folder, scored by that benchmark's official
rules (bfcl: BFCL's AST checker per category, its Java/JS conversion and relevance rule;
api-bank: API-Bank's per-API checks, levels 1-3; a level-3 call is judged given the gold
calls before it, as its evaluator does), then the leaderboard-style table (BFCL's summary
aggregation; for API-Bank level 3 also the share of samples with every call right). Each verdict is appended to --results as it comes (JSONL with the failure
reason and the model text); rerunning the same command resumes from it.

  --data          bfcl: a folder laid out as gorilla's bfcl_eval/data (BFCL_v4_<category>.json,
                  possible_answer/); api-bank: a folder with level-1-api.json, level-1-given-desc/
                  and, when present, level-2-toolsearcher/ with apis.json (level 2) and
                  level-3.json (level 3; checked against level-3-batch-inf.json beside it)
  --categories    comma-separated categories (default: every one the folder holds)
  --format        package (compact tools, the last <tool_call> block counts; default) or
                  tool-n1 (JSON tools, the first block counts, as Tool-N1's BFCL handler)
  --underscore-names  show dotted function names with underscores (BFCL's underscore_to_dot)
  --results       per-entry JSONL (default runs/eval/<benchmark>-<policy>-<format>.jsonl)
  --concurrency   requests in flight for --policy openai (default 8; in-process policies: 1)
  --max-tokens    completion budget per entry (default: the config's generation.maxTokens)`;

/** --eval-size: a positive integer or 'all'. */
export function parseEvalSize(v: string, command: string): number | 'all' {
  if (v === 'all') return 'all';
  if (!/^[1-9][0-9]*$/.test(v)) throw new TxError('E_RANGE', `${command}: --eval-size must be a positive integer or 'all', got '${v}'`);
  return Number(v);
}

function oneOf<T extends string>(v: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(v)) throw new TxError('E_RANGE', `eval: ${flag} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

export async function benchmarkCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, {
    benchmark: 'string', data: 'string', policy: 'string', checkpoint: 'string', config: 'string', 'eval-size': 'string',
    categories: 'string', format: 'string', 'underscore-names': 'boolean', results: 'string', concurrency: 'int',
    'max-tokens': 'int', seed: 'int', json: 'string',
  }, 'eval');
  if (positional.length > 0) throw new TxError('E_RANGE', `eval: unexpected argument '${positional[0]}'`);
  const benchmark = oneOf<Benchmark>(String(flags['benchmark']), BENCHMARKS, '--benchmark');
  if (flags['data'] === undefined) throw new TxError('E_RANGE', `eval: --benchmark ${benchmark} needs --data DIR`);
  const format = oneOf<PromptFormat>(String(flags['format'] ?? 'package'), FORMATS, '--format');
  const evalSize = flags['eval-size'] === undefined ? 'all' : parseEvalSize(flags['eval-size'] as string, 'eval');
  let file: unknown = {};
  if (flags['config'] !== undefined) {
    const path = flags['config'] as string;
    try {
      file = JSON.parse(await readFile(path, 'utf8')) as unknown;
    } catch (e) {
      throw new TxError('E_FORMAT', `--config ${path}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  const over: Record<string, unknown> = {};
  if (flags['seed'] !== undefined) over['seed'] = flags['seed'];
  if (flags['max-tokens'] !== undefined) over['generation'] = { maxTokens: flags['max-tokens'] };
  const config = resolveTrainConfig(undefined, merge(file, over));
  const policyName = (flags['policy'] as string | undefined) ?? 'tiny';
  const factory = await resolvePolicyFactory(policyName);
  const checkpoint = (flags['checkpoint'] as string | undefined) ?? null;
  const { policy } = await factory({ config, tasks: [], ...(checkpoint === null ? {} : { resumeFrom: checkpoint }) });
  const served = policyName === 'openai';
  const concurrency = (flags['concurrency'] as number | undefined) ?? (served ? 8 : 1);
  if (concurrency < 1) throw new TxError('E_RANGE', 'eval: --concurrency must be at least 1');
  const safeName = policyName.replace(/[^A-Za-z0-9_.-]+/g, '_');
  try {
    const summary = await runBenchmark({
      benchmark, data: flags['data'] as string, policy, policyName, checkpoint, evalSize,
      ...(flags['categories'] === undefined ? {} : { categories: String(flags['categories']).split(',').filter((c) => c !== '') }),
      format, underscoreNames: flags['underscore-names'] === true,
      results: (flags['results'] as string | undefined) ?? join('runs', 'eval', `${benchmark}-${safeName}-${format}.jsonl`),
      concurrency, batch: served ? 1 : 8, maxTokens: config.generation.maxTokens, seed: config.seed,
    });
    if (flags['json'] !== undefined) await writeFileAtomic(flags['json'] as string, [Buffer.from(`${JSON.stringify(summary, null, 2)}\n`)]);
  } finally {
    (policy as { dispose?: () => void }).dispose?.();
  }
  return 0;
}

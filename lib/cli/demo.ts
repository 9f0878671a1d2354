// `toolexpander demo`: the method end to end on a laptop CPU. From one starting policy (the
// shipped weak SFT checkpoint, or a fresh warm start with --from-scratch) it trains the
// `grpo` and `toolexpander` arms with the same data, budget and seeds, evaluates them on
// the held-out splits, and writes one report.html comparing them (plus each run's folder
// with metrics.jsonl) and summary.json.

import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TxError } from '../errors.js';
import { writeFileAtomic } from '../model/atomic-write.js';
import { WEAK_SFT_DIR } from '../model/shipped.js';
import { loadRun, summarize, writeReport, type ArmSummary } from '../report/html.js';
import type { Interval } from '../report/stats.js';
import type { PartialTrainConfig, PresetName } from '../rl/config.js';
import { merge } from '../rl/presets.js';
import { runTraining } from '../rl/run.js';
import { parseArgs } from './args.js';
import { sftCommand } from './sft.js';

export const DEMO_ARMS: readonly PresetName[] = ['grpo', 'toolexpander'];

/**
 * The default demo: 7-8 minutes on 2 cores for both arms. B=8 prompts with G=8 rollouts
 * over 160 training prompts, so 40 steps are two epochs: prompts that were hard in the first
 * epoch come back, which is where ToolExpander's demo levels act. The learning rate suits
 * the 1M-parameter model (the presets' 1e-4 is for models 1000x larger); hard sampling may
 * add up to 32 rollouts a step. Held-out evaluations at the start, middle and end, 200
 * tasks per split (fewer tasks make the greedy accuracy swing by several points).
 */
export const DEMO_CONFIG: PartialTrainConfig = {
  steps: 40, batchSize: 8, groupSize: 8, lr: 3e-4,
  generation: { temperature: 1, topP: 1, topK: 0, maxTokens: 128 },
  hardSampling: { maxExtraRollouts: 32 },
  eval: { every: 20, size: 200, splits: ['test', 'testTemplates', 'testUnseenApis'], atStart: true },
  checkpoint: { every: 20 },
  data: { source: 'synthetic', seed: 0, trainSize: 160, testSize: 400 },
};

/** --quick: the same pipeline in under 2 minutes (a smoke test, not a result). */
export const QUICK_CONFIG: PartialTrainConfig = {
  steps: 6, batchSize: 4, groupSize: 4,
  hardSampling: { maxExtraRollouts: 8 },
  eval: { every: 6, size: 24, splits: ['test'], atStart: true },
  checkpoint: { every: 6 },
};

export const DEMO_USAGE = `usage: toolexpander demo [--quick] [--seeds N] [--steps N] [--eval-size N] [--out DIR] [--init DIR | --from-scratch] [--quiet]

Trains the grpo and toolexpander arms from the same weak starting policy with the same
budget and seeds, evaluates them greedily on held-out tasks (unseen values, unseen
templates, unseen APIs) and writes DIR (default runs/demo): report.html comparing the arms,
summary.json, and one run folder per arm and seed (config.json, metrics.jsonl, checkpoints).

  --quick         a 2-minute smoke run (fewer, smaller steps; one eval split)
  --seeds N       seeds 0..N-1 per arm (default 1); the report gives 95% intervals over seeds
  --steps N       training steps per run (default ${String(DEMO_CONFIG.steps)}; --quick ${String(QUICK_CONFIG.steps)})
  --init DIR      start from this TinyPolicy checkpoint instead of the shipped checkpoints/weak-sft
  --eval-size N   held-out tasks per split and evaluation (default ${String(DEMO_CONFIG.eval?.size)}; --quick ${String(QUICK_CONFIG.eval?.size)})
  --from-scratch  run the SFT warm start first (toolexpander sft) instead of the shipped checkpoint
  --out DIR       where everything goes; a previous demo there is replaced`;

export type DemoSummary = {
  quick: boolean;
  seeds: number;
  steps: number;
  init: string;
  seconds: number;
  arms: ArmSummary[];
};

/** A previous demo folder is replaced; any other non-empty folder is refused. */
async function prepareOut(out: string): Promise<void> {
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!existsSync(join(out, 'summary.json')) && !existsSync(join(out, 'demo.json'))) {
      throw new TxError('E_STATE', `demo: ${out} exists and is not a previous demo; choose another --out`);
    }
    await rm(out, { recursive: true, force: true });
  }
  await mkdir(out, { recursive: true });
  // Marks the folder as the demo's before any run starts, so an interrupted demo is replaced too.
  await writeFileAtomic(join(out, 'demo.json'), [Buffer.from('{"demo":true}\n')]);
}

const fmt = (i: Interval, digits = 3) => (i.n > 1 ? `${i.mean.toFixed(digits)} [${i.lo.toFixed(digits)}, ${i.hi.toFixed(digits)}]` : i.mean.toFixed(digits));

export function summaryLines(arms: readonly ArmSummary[]): string[] {
  const lines = ['arm           seeds  final acc (test)        hard rate/step          hard after resampling   data utilization'];
  for (const a of arms) {
    lines.push(`${a.arm.padEnd(14)}${String(a.seeds).padEnd(7)}${fmt(a.finalAccuracy).padEnd(24)}${fmt(a.hardRate).padEnd(24)}`
      + `${fmt(a.unresolvedHardRate).padEnd(24)}${fmt(a.dataUtilization)}`);
    const splits = Object.entries(a.splitAccuracy).map(([s, v]) => `${s} ${fmt(v)}`).join(', ');
    if (splits !== '') lines.push(`              held-out: ${splits}`);
  }
  return lines;
}

export async function demoCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(DEMO_USAGE);
    return 0;
  }
  const { flags, positional } = parseArgs(argv, {
    quick: 'boolean', seeds: 'int', steps: 'int', 'eval-size': 'int', out: 'string', init: 'string', 'from-scratch': 'boolean', quiet: 'boolean',
  }, 'demo');
  if (positional.length > 0) throw new TxError('E_RANGE', `demo: unexpected argument '${positional[0]}'`);
  const quick = flags['quick'] === true;
  const seeds = (flags['seeds'] as number | undefined) ?? 1;
  if (seeds < 1) throw new TxError('E_RANGE', 'demo: --seeds must be >= 1');
  if (flags['steps'] === 0) throw new TxError('E_RANGE', 'demo: --steps must be >= 1');
  if (flags['eval-size'] === 0) throw new TxError('E_RANGE', 'demo: --eval-size must be >= 1');
  const out = (flags['out'] as string | undefined) ?? join('runs', 'demo');
  const quiet = flags['quiet'] === true;
  if (flags['init'] !== undefined && flags['from-scratch'] === true) throw new TxError('E_RANGE', 'demo: give --init or --from-scratch, not both');
  const t0 = performance.now();
  await prepareOut(out);

  let init = (flags['init'] as string | undefined) ?? WEAK_SFT_DIR;
  if (flags['from-scratch'] === true) {
    init = join(out, 'sft');
    const code = await sftCommand(['--out', init, ...(quick ? ['--steps', '40', '--eval-size', '24'] : []), ...(quiet ? ['--quiet'] : [])]);
    if (code !== 0) return code;
  }
  let base = merge(DEMO_CONFIG, quick ? QUICK_CONFIG : {});
  base = merge(base, {
    init,
    ...(flags['steps'] !== undefined ? { steps: flags['steps'] } : {}),
    ...(flags['eval-size'] !== undefined ? { eval: { size: flags['eval-size'] } } : {}),
  });
  const dirs: string[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    for (const arm of DEMO_ARMS) {
      const name = `${arm}-s${seed}`;
      const r = await runTraining({
        preset: arm, overrides: merge(base, { preset: arm, seed, name }), out: join(out, name), policy: 'tiny',
        progress: quiet ? false : undefined,
      });
      const last = r.result.evals.at(-1);
      console.log(`${name}: ${r.config.steps} steps${last ? `, held-out accuracy ${last.accuracy.toFixed(3)}` : ''}`);
      dirs.push(r.runDir);
    }
  }
  const runs = dirs.map((d) => loadRun(d));
  const title = `toolexpander demo: ${DEMO_ARMS.join(' vs ')}${quick ? ' (quick)' : ''}, ${seeds} seed${seeds > 1 ? 's' : ''}`;
  await writeReport(join(out, 'report.html'), runs, { title });
  const arms = summarize(runs);
  const summary: DemoSummary = {
    quick, seeds, steps: base.steps ?? 0, init, seconds: (performance.now() - t0) / 1000, arms,
  };
  await writeFileAtomic(join(out, 'summary.json'), [Buffer.from(`${JSON.stringify(summary, null, 2)}\n`)]);
  for (const line of summaryLines(arms)) console.log(line);
  console.log(`demo done in ${summary.seconds.toFixed(0)} s; report: ${join(out, 'report.html')}`);
  return 0;
}

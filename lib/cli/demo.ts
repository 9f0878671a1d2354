// `toolexpander demo`: the method end to end on a laptop CPU. From one starting policy (the
// shipped weak SFT checkpoint, or a fresh warm start with --from-scratch) it trains the
// `grpo`, `dapo-filter`, `toolexpander` and `toolexpander-transfer` arms with the same data,
// rollout budget and seeds, evaluates them on the held-out splits, and writes one report.html
// comparing them (plus each run's folder with metrics.jsonl) and summary.json, which carries
// each arm's gain over the start and the paired differences between arms.

import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TxError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { WEAK_SFT_DIR } from '../model/shipped.js';
import { loadRun, summarize, writeReport, type ArmSummary } from '../report/html.js';
import type { Interval } from '../report/stats.js';
import { pairedDifference, type PairedDifference } from '../report/comparison.js';
import type { EvalRecord } from '../report/records.js';
import type { PartialTrainConfig, PresetName } from '../rl/config.js';
import { merge } from '../rl/presets.js';
import { runTraining } from '../rl/run.js';
import { parseArgs } from './args.js';
import { setThreads } from '../engine/devices.js';
import { sftCommand } from './sft.js';

export const DEMO_ARMS: readonly PresetName[] = ['grpo', 'dapo-filter', 'toolexpander', 'toolexpander-transfer'];
/** The baselines each ToolExpander arm is compared against, paired by seed. */
export const DEMO_BASELINES: readonly PresetName[] = ['grpo', 'dapo-filter'];

/**
 * The default demo. Data: RL prompts the warm start never saw. Train tasks 4000.. of the
 * suite (the SFT set is tasks 0..3999) with values fresh to both the SFT set and the
 * held-out splits (fresh-values.ts): on the warm start's own train values RL memorises
 * (rollout accuracy 0.4-0.7 while held-out accuracy on unseen values falls, 0.150 -> 0.115 at
 * step 20), since what the held-out splits measure is copying values the model was not
 * trained on. 2000 prompts, 8 a step: none repeats within a run. Compute: every arm stops
 * at the same rollout budget (40 steps of B=8 x G=8 = 2560 rollouts), hard sampling's and
 * dynamic sampling's extra rollouts counted, so the arms that resample take fewer steps.
 * LR 3e-4 for every arm (the sweep of the README: 1e-3 collapses, grpo 0.150 -> 0.045).
 * Held-out evaluations every 20 steps and at the end, 200 tasks per split; the start is
 * evaluated once and shared (greedy decoding of the same checkpoint on the same tasks).
 */
export const DEMO_CONFIG: PartialTrainConfig = {
  steps: 40, rolloutBudget: 2560, batchSize: 8, groupSize: 8, lr: 3e-4,
  generation: { temperature: 1, topP: 1, topK: 0, maxTokens: 128 },
  hardSampling: { maxExtraRollouts: 32 },
  dynamicSampling: { maxExtraRollouts: 32 },
  eval: { every: 20, size: 200, splits: ['test', 'testTemplates', 'testUnseenApis'], atStart: true },
  checkpoint: { every: 20 },
  data: { source: 'synthetic', seed: 0, trainSize: 2000, trainFrom: 4000, trainValues: 'fresh', testSize: 400 },
};

/** --quick: the same pipeline in under 2 minutes (a smoke test, not a result). */
export const QUICK_CONFIG: PartialTrainConfig = {
  steps: 6, rolloutBudget: 96, batchSize: 4, groupSize: 4,
  hardSampling: { maxExtraRollouts: 8 },
  dynamicSampling: { maxExtraRollouts: 8 },
  eval: { every: 6, size: 24, splits: ['test'], atStart: true },
  checkpoint: { every: 6 },
};

export const DEMO_USAGE = `usage: toolexpander demo [--quick] [--seeds N] [--steps N] [--eval-size N] [--out DIR] [--init DIR | --from-scratch]
                      [--arms a,b] [--splits a,b] [--jobs N] [--threads N] [--eval-every N] [--quiet]

Trains the grpo, dapo-filter, toolexpander and toolexpander-transfer arms from the same weak
starting policy with the same rollout budget and seeds, evaluates them greedily on held-out
tasks (unseen values, unseen templates, unseen APIs) and writes DIR (default runs/demo):
report.html comparing the arms (accuracy against steps, rollouts and wall time),
summary.json (intervals, gains over the start, paired differences between arms), and one run
folder per arm and seed (config.json, metrics.jsonl, checkpoints).

  --quick         a 2-minute smoke run (fewer, smaller steps; one eval split)
  --seeds N       seeds 0..N-1 per arm (default 1); the report gives 95% intervals over seeds
  --steps N       training steps per run at most (default ${String(DEMO_CONFIG.steps)}; --quick ${String(QUICK_CONFIG.steps)}); the rollout
                  budget is steps x batch x group rollouts, the same for every arm
  --init DIR      start from this TinyPolicy checkpoint instead of the shipped checkpoints/weak-sft
  --eval-size N   held-out tasks per split and evaluation (default ${String(DEMO_CONFIG.eval?.size)}; --quick ${String(QUICK_CONFIG.eval?.size)})
  --from-scratch  run the SFT warm start first (toolexpander sft) instead of the shipped checkpoint
  --out DIR       where everything goes; a previous demo there is replaced
  --eval-every N  held-out evaluation every N steps (default ${String(DEMO_CONFIG.eval?.every)}) and at the end
  --arms a,b      a subset of the arms (default all four)
  --splits a,b    held-out splits to evaluate (default test,testTemplates,testUnseenApis)
  --jobs N        runs trained at once in this process (default 1); results do not depend on it
  --threads N     engine CPU threads (default: all cores); results do not depend on it. On a
                  busy machine --threads 1 --jobs N avoids threads waiting on each other`;

export type DemoSummary = {
  quick: boolean;
  seeds: number;
  steps: number;
  init: string;
  seconds: number;
  /** Rollouts every arm may generate per run. */
  rolloutBudget: number;
  arms: ArmSummary[];
  /** Each ToolExpander arm against each baseline, on every split, paired by seed. */
  comparisons: PairedDifference[];
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

export function summaryLines(arms: readonly ArmSummary[], comparisons: readonly PairedDifference[] = []): string[] {
  const lines = ['arm                    seeds  final acc (test)        hard rate/step          hard after resampling   data utilization        rollouts/run'];
  for (const a of arms) {
    lines.push(`${a.arm.padEnd(23)}${String(a.seeds).padEnd(7)}${fmt(a.finalAccuracy).padEnd(24)}${fmt(a.hardRate).padEnd(24)}`
      + `${fmt(a.unresolvedHardRate).padEnd(24)}${fmt(a.dataUtilization).padEnd(24)}${fmt(a.rollouts, 0)}`);
    const splits = Object.entries(a.splitAccuracy).map(([s, v]) => `${s} ${fmt(v)}`).join(', ');
    if (splits !== '') lines.push(`                       held-out: ${splits}`);
    const gain = a.gain['test'];
    if (gain !== undefined && gain.n > 0) lines.push(`                       gain over the start (test): ${fmt(gain)}`);
  }
  for (const c of comparisons) {
    lines.push(`${c.arm} - ${c.against} (${c.split}, paired over ${c.seeds.length} seed${c.seeds.length > 1 ? 's' : ''}): ${fmt(c.diff)}${c.significant ? ' significant' : ''}`);
  }
  return lines;
}

/** Every ToolExpander arm of the runs against every baseline present, on every split. */
export function demoComparisons(runs: readonly ReturnType<typeof loadRun>[]): PairedDifference[] {
  const byArm = new Map<string, ReturnType<typeof loadRun>[]>();
  for (const r of runs) byArm.set(r.arm, [...(byArm.get(r.arm) ?? []), r]);
  const splits = [...new Set(runs.flatMap((r) => r.records.flatMap((x) => (x.type === 'eval' ? Object.keys(x.splits) : []))))];
  const out: PairedDifference[] = [];
  for (const arm of byArm.keys()) {
    if (!arm.startsWith('toolexpander')) continue;
    for (const against of DEMO_BASELINES) {
      for (const split of splits) {
        const d = pairedDifference(byArm, arm, against, split);
        if (d !== null) out.push(d);
      }
    }
  }
  return out;
}

export async function demoCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(DEMO_USAGE);
    return 0;
  }
  const { flags, positional } = parseArgs(argv, {
    quick: 'boolean', seeds: 'int', steps: 'int', 'eval-size': 'int', out: 'string', init: 'string', 'from-scratch': 'boolean', quiet: 'boolean', jobs: 'int', threads: 'int', 'eval-every': 'int', arms: 'string', splits: 'string',
  }, 'demo');
  if (positional.length > 0) throw new TxError('E_RANGE', `demo: unexpected argument '${positional[0]}'`);
  const quick = flags['quick'] === true;
  const seeds = (flags['seeds'] as number | undefined) ?? 1;
  if (seeds < 1) throw new TxError('E_RANGE', 'demo: --seeds must be >= 1');
  const jobs = (flags['jobs'] as number | undefined) ?? 1;
  if (jobs < 1) throw new TxError('E_RANGE', 'demo: --jobs must be >= 1');
  if (flags['eval-every'] === 0) throw new TxError('E_RANGE', 'demo: --eval-every must be >= 1');
  const armList = flags['arms'] === undefined ? DEMO_ARMS : (flags['arms'] as string).split(',');
  for (const a of armList) {
    if (!(DEMO_ARMS as readonly string[]).includes(a)) throw new TxError('E_RANGE', `demo: --arms: '${a}' is not one of ${DEMO_ARMS.join(', ')}`);
  }
  const splitList = flags['splits'] === undefined ? undefined : (flags['splits'] as string).split(',');
  const threads = flags['threads'] as number | undefined;
  if (threads !== undefined) {
    if (threads < 1) throw new TxError('E_RANGE', 'demo: --threads must be >= 1');
    // The engine's results do not depend on its thread count (contiguous static chunks).
    setThreads(threads);
  }
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
    eval: {
      ...(flags['eval-size'] !== undefined ? { size: flags['eval-size'] } : {}),
      ...(flags['eval-every'] !== undefined ? { every: flags['eval-every'] } : {}),
      ...(splitList !== undefined ? { splits: splitList } : {}),
    },
  });
  base = merge(base, { rolloutBudget: (base.steps ?? 1) * (base.batchSize ?? 1) * (base.groupSize ?? 1) });
  const plan = Array.from({ length: seeds }, (_, seed) => armList.map((arm) => ({ arm: arm as PresetName, seed, name: `${arm}-s${seed}` }))).flat();
  let startEval: EvalRecord | undefined;
  let started: () => void = () => {};
  const startMeasured = new Promise<void>((resolve) => { started = resolve; });
  const runOne = async ({ arm, seed, name }: (typeof plan)[number]) => {
    const r = await runTraining({
      preset: arm, overrides: merge(base, { preset: arm, seed, name }), out: join(out, name), policy: 'tiny',
      progress: quiet || jobs > 1 ? false : undefined, startEval,
      onEval: (rec) => {
        if (startEval === undefined && rec.step === 0) { startEval = rec; started(); }
      },
    });
    started();  // no start evaluation (eval.atStart off): nothing to wait for
    const last = r.result.evals.at(-1);
    const rollouts = r.result.state.rollouts ?? 0;
    console.log(`${name}: ${r.result.state.step} steps, ${rollouts} rollouts${last ? `, held-out accuracy ${last.accuracy.toFixed(3)}` : ''}`);
  };
  // The first run starts alone and measures the shared start evaluation; once it has, the
  // others start, `jobs` at a time. Every run is a pure function of its config, so the order
  // they run and finish in changes nothing.
  let next = 1;
  const worker = async () => {
    while (next < plan.length) await runOne(plan[next++] as (typeof plan)[number]);
  };
  const first = plan[0] === undefined ? Promise.resolve() : runOne(plan[0]).finally(started);
  await startMeasured;
  await Promise.all([first.then(worker), ...Array.from({ length: Math.min(jobs, plan.length) - 1 }, worker)]);
  const runs = plan.map((p) => loadRun(join(out, p.name)));
  const title = `toolexpander demo: ${armList.join(' vs ')}${quick ? ' (quick)' : ''}, ${seeds} seed${seeds > 1 ? 's' : ''}`;
  await writeReport(join(out, 'report.html'), runs, { title });
  const arms = summarize(runs);
  const comparisons = demoComparisons(runs);
  const summary: DemoSummary = {
    quick, seeds, steps: base.steps ?? 0, init, seconds: (performance.now() - t0) / 1000, rolloutBudget: base.rolloutBudget ?? 0, arms, comparisons,
  };
  await writeFileAtomic(join(out, 'summary.json'), [Buffer.from(`${JSON.stringify(summary, null, 2)}\n`)]);
  for (const line of summaryLines(arms, comparisons)) console.log(line);
  console.log(`demo done in ${summary.seconds.toFixed(0)} s; report: ${join(out, 'report.html')}`);
  return 0;
}

// One training run on disk: runs/<name>/ (or --out) with config.json, metrics.jsonl,
// checkpoints/ and report.html. Fresh runs resolve the config (defaults <- preset <-
// --config <- flags); --resume reads the run's own config.json and latest checkpoint and
// continues bit-exactly (metrics.jsonl is cut back to the checkpoint's length first).

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TxError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { loadRun, writeReport } from '../report/html.js';
import { MetricsLog } from '../report/metrics-log.js';
import { openSinks } from '../report/sinks.js';
import type { ProgressStream } from '../report/progress.js';
import { Progress } from '../report/progress.js';
import type { EvalRecord, StepRecord } from '../report/records.js';
import { loadLatestCheckpoint, type TrainerState } from './checkpoint.js';
import { type PresetName, type TrainConfig } from './config.js';
import { readConfigFile } from './config-file.js';
import { resolvePolicyFactory, type PolicyFactory } from './policy-factory.js';
import { merge, resolveTrainConfig } from './presets.js';
import { allTasks, loadRunTasks } from './tasks.js';
import { train, type TrainResult } from './trainer.js';

export type RunOptions = {
  preset?: PresetName;
  /** A --config file (partial config, schema-checked). */
  configFile?: string;
  /** Flag overrides (--steps, --seed, --name), applied over the file. */
  overrides?: Record<string, unknown>;
  out?: string;
  /** A run folder to continue. */
  resume?: string;
  policy?: string | PolicyFactory;
  /** Progress output (default stdout; false: none). */
  progress?: ProgressStream | false;
  /** Called after every step (tests use it to kill a run). */
  onStep?: (rec: StepRecord, state: TrainerState) => void | Promise<void>;
  /** The step-0 evaluation already measured for the same starting policy and eval tasks (trainer.ts). */
  startEval?: EvalRecord;
  onEval?: (rec: EvalRecord) => void | Promise<void>;
};

export type RunOutcome = { runDir: string; config: TrainConfig; result: TrainResult };

export { MAX_CONFIG_BYTES } from './config-file.js';

function stepLine(r: StepRecord): string {
  return `hard ${r.hardRate.toFixed(2)} acc ${r.accuracy.toFixed(2)} reward ${r.rewardMean.toFixed(3)} util ${r.dataUtilization.toFixed(2)} lr ${r.lr.toExponential(2)}`;
}

export async function runTraining(opts: RunOptions): Promise<RunOutcome> {
  let config: TrainConfig;
  let runDir: string;
  let resumeFrom: { dir: string; state: TrainerState } | undefined;
  if (opts.resume !== undefined) {
    runDir = opts.resume;
    const stored = await readConfigFile(join(runDir, 'config.json'), 'run config');
    config = resolveTrainConfig(stored.preset, stored);
    const steps = opts.overrides?.['steps'];
    if (steps !== undefined && steps !== config.steps) {
      throw new TxError('E_RANGE', `--steps ${String(steps)} differs from the run's ${config.steps}: the LR schedule depends on it, so a resume keeps it`);
    }
    // Killed before its first checkpoint: nothing to keep but the config, so start over
    // (metrics.jsonl is cut back to nothing below).
    if (existsSync(join(runDir, 'checkpoints', 'latest.json'))) resumeFrom = await loadLatestCheckpoint(runDir);
  } else {
    const file = opts.configFile === undefined ? {} : await readConfigFile(opts.configFile);
    const user = merge(file, opts.overrides ?? {});
    const preset = (user as { preset?: PresetName }).preset ?? opts.preset;
    const named = (user as { name?: string }).name === undefined
      ? merge(user, { name: `${preset ?? 'toolexpander'}-s${String((user as { seed?: number }).seed ?? 0)}` }) : user;
    config = resolveTrainConfig(preset, named);
    runDir = opts.out ?? join('runs', config.name);
    if (existsSync(join(runDir, 'config.json'))) {
      throw new TxError('E_STATE', `${runDir} already holds a run; continue it with --resume ${runDir} or choose another --out`);
    }
  }
  const factory = typeof opts.policy === 'function' ? opts.policy : await resolvePolicyFactory(opts.policy);
  const tasks = await loadRunTasks(config);
  const bundle = await factory({ config, tasks: allTasks(tasks), resumeFrom: resumeFrom?.dir });
  await mkdir(runDir, { recursive: true });
  if (resumeFrom === undefined) await writeFileAtomic(join(runDir, 'config.json'), [Buffer.from(`${JSON.stringify(config, null, 2)}\n`)]);
  // A resumed run restarts its trackers at the checkpoint's step (0: killed before the first).
  const sinks = openSinks(config.report.sinks, runDir, { resumeStep: opts.resume !== undefined ? (resumeFrom?.state.step ?? 0) : undefined });
  const metrics = new MetricsLog(join(runDir, 'metrics.jsonl'), { truncateTo: resumeFrom?.state.metricsBytes ?? 0, sinks });
  const bar = opts.progress === false ? undefined : new Progress(config.steps, { label: config.name, stream: opts.progress });
  try {
    const result = await train({
      config, policy: bundle.policy, reference: bundle.reference, train: tasks.train, evalSplits: tasks.evalSplits,
      runDir, metrics, resume: resumeFrom?.state, startEval: resumeFrom === undefined ? opts.startEval : undefined,
      onStep: async (rec, state) => {
        bar?.update(rec.step + 1, stepLine(rec));
        await opts.onStep?.(rec, state);
      },
      onEval: async (rec) => {
        bar?.log(`eval @${rec.step}: ${Object.entries(rec.splits).map(([k, v]) => `${k} ${v.accuracy.toFixed(3)}`).join(', ')}`);
        await opts.onEval?.(rec);
      },
    });
    bar?.finish();
    await writeReport(join(runDir, 'report.html'), [loadRun(runDir)], { title: `toolexpander: ${config.name}`, collapse: config.collapse });
    return { runDir, config, result };
  } finally {
    metrics.close();
  }
}

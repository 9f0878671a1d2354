// `toolexpander sft`: the SFT warm start (lib/sft/warmstart.ts) from scratch. It
// writes a TinyPolicy checkpoint (no optimizer state: RL starts a fresh optimizer) and
// sft.json with the options, the greedy accuracy per held-out split and the SHA-256 of the
// weights. With the default options this rebuilds the shipped checkpoints/weak-sft; the
// command says whether the weights match it bit for bit.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TxError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { sha256File } from '../rl/checkpoint-manifest.js';
import { WEAK_SFT_DIR } from '../model/shipped.js';
import { Progress } from '../report/progress.js';
import { WARM_START_DEFAULTS, warmStart, type WarmStartOptions, type WarmStartResult } from '../sft/warmstart.js';
import { parseArgs } from './args.js';

export const SFT_USAGE = `usage: toolexpander sft [--out DIR] [--seed N] [--steps N] [--train-size N] [--random-values N] [--eval-size N] [--init DIR] [--quiet]

Trains the weak TinyPolicy warm start from scratch on the synthetic suite (BPE tokenizer,
then SFT with demonstrations and SET examples in a share of samples), evaluates it greedily
on the held-out splits and writes DIR (default runs/sft-s<seed>): config.json,
model.safetensors, tokenizer.json and sft.json (options, accuracy, SHA-256 of the weights).
With the defaults this rebuilds the checkpoint shipped in checkpoints/weak-sft bit for bit
(same engine build); it takes several minutes on 2 cores.

  --seed        model, tokenizer and batch-order seed (default ${WARM_START_DEFAULTS.seed})
  --steps       at most this many SFT steps of ${WARM_START_DEFAULTS.batchSize} sequences (default ${WARM_START_DEFAULTS.steps}); every
                ${WARM_START_DEFAULTS.validateEvery} steps the greedy accuracy on ${WARM_START_DEFAULTS.validationSize} validation tasks is measured and
                training stops once it reaches ${WARM_START_DEFAULTS.stopAt} (the warm start is weak on purpose)
  --train-size  synthetic train tasks (default ${WARM_START_DEFAULTS.trainSize}; the RL runs use the same suite)
  --random-values N
                N extra SFT tasks with generated argument values, each rarely repeated
                (default ${WARM_START_DEFAULTS.randomValueTasks}): a value it cannot recall the model has to copy from the query
  --eval-size   tasks per held-out split (default ${WARM_START_DEFAULTS.evalSize})
  --init        fine-tune this model folder (ours, or a Hugging Face Qwen2 / Qwen2.5 one) with
                its own tokenizer, instead of a new BPE and random weights`;

/** sft.json: the warm start's figures (not the policy), accuracy per split, the weights' hash. */
export type SftRecord = Omit<WarmStartResult, 'policy' | 'eval'> & {
  accuracy: Record<string, { accuracy: number; correct: number; n: number; byCategory: Record<string, number> }>;
  sha256: string;
};

export function sftRecord(r: WarmStartResult, sha256: string): SftRecord {
  const { policy: _policy, eval: ev, ...figures } = r;
  const accuracy: SftRecord['accuracy'] = {};
  for (const [split, e] of Object.entries(ev)) {
    accuracy[split] = {
      accuracy: e.accuracy, correct: e.correct, n: e.n,
      byCategory: Object.fromEntries(Object.entries(e.byCategory).map(([c, a]) => [c, a.accuracy])),
    };
  }
  return { ...figures, accuracy, sha256 };
}

async function shippedRecord(): Promise<SftRecord | undefined> {
  const p = join(WEAK_SFT_DIR, 'sft.json');
  return existsSync(p) ? JSON.parse(await readFile(p, 'utf8')) as SftRecord : undefined;
}

export async function sftCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(SFT_USAGE);
    return 0;
  }
  const { flags, positional } = parseArgs(argv, { out: 'string', seed: 'int', steps: 'int', 'train-size': 'int', 'eval-size': 'int', quiet: 'boolean', init: 'string', 'random-values': 'int' }, 'sft');
  if (positional.length > 0) throw new TxError('E_RANGE', `sft: unexpected argument '${positional[0]}'`);
  const opts: Partial<WarmStartOptions> = {};
  if (flags['seed'] !== undefined) opts.seed = flags['seed'] as number;
  if (flags['steps'] !== undefined) opts.steps = flags['steps'] as number;
  if (flags['train-size'] !== undefined) opts.trainSize = flags['train-size'] as number;
  if (flags['eval-size'] !== undefined) opts.evalSize = flags['eval-size'] as number;
  if (flags['init'] !== undefined) opts.init = flags['init'] as string;
  if (flags['random-values'] !== undefined) opts.randomValueTasks = flags['random-values'] as number;
  for (const k of ['steps', 'trainSize', 'evalSize'] as const) {
    if (opts[k] === 0) throw new TxError('E_RANGE', `sft: --${k === 'steps' ? 'steps' : k === 'trainSize' ? 'train-size' : 'eval-size'} must be >= 1`);
  }
  const out = (flags['out'] as string | undefined) ?? join('runs', `sft-s${opts.seed ?? WARM_START_DEFAULTS.seed}`);
  const steps = opts.steps ?? WARM_START_DEFAULTS.steps;
  const bar = flags['quiet'] === true ? undefined : new Progress(steps, { label: 'sft' });
  const r = await warmStart(opts, (p) => {
    bar?.update(p.step + 1, `loss ${p.loss.toFixed(3)} lr ${p.lr.toExponential(2)} ${p.tokensPerSecond.toFixed(0)} tok/s`);
    if (p.validation !== undefined) bar?.log(`sft step ${p.step + 1}: validation accuracy ${p.validation.toFixed(3)}`);
  });
  bar?.finish();
  try {
    await r.policy.save(out, { optimizer: false });
  } finally {
    r.policy.dispose();
  }
  const rec = sftRecord(r, await sha256File(join(out, 'model.safetensors')));
  await writeFileAtomic(join(out, 'sft.json'), [Buffer.from(`${JSON.stringify(rec, null, 2)}\n`)]);
  const stopped = r.stepsRun < steps ? ` (stopped early: validation ${r.validation.at(-1)?.accuracy.toFixed(3)} >= ${r.options.stopAt})` : '';
  console.log(`sft: ${r.samples} samples, ${r.stepsRun} steps${stopped}, ${r.tokens} tokens in ${r.seconds.toFixed(0)} s, final loss ${r.finalLoss.toFixed(3)}`);
  for (const [split, a] of Object.entries(rec.accuracy)) {
    const cats = Object.entries(a.byCategory).map(([c, v]) => `${c} ${v.toFixed(2)}`).join(', ');
    console.log(`  greedy exact match, ${split}: ${a.accuracy.toFixed(3)} (${a.correct}/${a.n}); ${cats}`);
  }
  console.log(`  weights sha256 ${rec.sha256}`);
  const shipped = await shippedRecord();
  // Options added after the shipped build (randomValueTasks) count at their defaults.
  if (shipped !== undefined && resolve(out) !== resolve(WEAK_SFT_DIR) && JSON.stringify({ ...WARM_START_DEFAULTS, ...shipped.options }) === JSON.stringify(rec.options)) {
    console.log(shipped.sha256 === rec.sha256
      ? '  identical to the shipped checkpoints/weak-sft (bit for bit)'
      : '  differs from the shipped checkpoints/weak-sft (another engine build or CPU path: the shipped one was built on x86-64 AVX-512)');
  }
  console.log(`wrote ${out}`);
  return 0;
}

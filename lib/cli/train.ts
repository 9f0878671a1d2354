// `toolexpander train`: one training run (a preset, optionally a --config file and flags) or
// the continuation of one (--resume DIR).

import { TxError } from '../errors.js';
import { PRESET_NAMES } from '../rl/config.js';
import { isPresetName } from '../rl/presets.js';
import { runTraining } from '../rl/run.js';
import { parseArgs } from './args.js';

export const TRAIN_USAGE = `usage: toolexpander train --preset <name> [--config f.json] [--out DIR] [--steps N] [--seed N]
                          [--name NAME] [--policy NAME|MODULE] [--init DIR]
       toolexpander train --resume DIR [--policy NAME|MODULE]

Trains a policy with GRPO or ToolExpander and writes DIR (default runs/<name>/):
config.json (the resolved config), metrics.jsonl (one record per step and per evaluation),
checkpoints/ (every checkpoint.every steps) and report.html.

  --preset   ${PRESET_NAMES.join(' | ')}
  --config   JSON file with any subset of the config (schemas/train-config.schema.json);
             it overrides the preset, and flags override it
  --resume   continue the run in DIR from its latest checkpoint, bit-exactly
  --init     the model folder the 'tiny' policy starts from (config.init): ours, or a
             Hugging Face Qwen2 / Qwen2.5 folder as downloaded
  --policy   'tiny' (default: the native TinyPolicy, started from config.init, by default the
             shipped weak SFT checkpoint) or a module path exporting
             createPolicy({ config, tasks, resumeFrom? }) -> { policy, reference? }
  --quiet    no progress output`;

export async function trainCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  const { flags, positional } = parseArgs(argv, {
    preset: 'string', config: 'string', out: 'string', steps: 'int', seed: 'int', name: 'string',
    resume: 'string', policy: 'string', quiet: 'boolean', init: 'string',
  }, 'train');
  if (positional.length > 0) throw new TxError('E_RANGE', `train: unexpected argument '${positional[0]}'`);
  const preset = flags['preset'];
  if (preset !== undefined && !isPresetName(preset)) throw new TxError('E_RANGE', `train: unknown preset '${String(preset)}'; one of ${PRESET_NAMES.join(', ')}`);
  if (flags['resume'] === undefined && preset === undefined && flags['config'] === undefined) {
    throw new TxError('E_RANGE', 'train: give --preset (or a --config naming one), or --resume DIR');
  }
  const overrides: Record<string, unknown> = {};
  for (const k of ['steps', 'seed', 'name', 'init'] as const) if (flags[k] !== undefined) overrides[k] = flags[k];
  const out = await runTraining({
    preset: isPresetName(preset) ? preset : undefined,
    configFile: flags['config'] as string | undefined,
    overrides,
    out: flags['out'] as string | undefined,
    resume: flags['resume'] as string | undefined,
    policy: flags['policy'] as string | undefined,
    progress: flags['quiet'] === true ? false : undefined,
  });
  const last = out.result.evals.at(-1);
  console.log(`done: ${out.runDir} (${out.config.steps} steps${last ? `, accuracy ${last.accuracy.toFixed(3)}` : ''}); report: ${out.runDir}/report.html`);
  return 0;
}

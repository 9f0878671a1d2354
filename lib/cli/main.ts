#!/usr/bin/env node
// The `toolexpander` command: a dispatcher; each subcommand lives in its own file and is
// imported only when run (so `devices` never loads the trainer).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TxError } from '../errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// benchmarks/ is in a source checkout, not in the installed package: `bench` is offered only there.
const benchRunner = join(root, 'benchmarks', 'run.ts');
const hasBench = existsSync(benchRunner);

const USAGE = `usage: toolexpander <command> [options]
       toolexpander --version

commands:
  demo           the grpo and toolexpander arms from the shipped weak checkpoint, then report.html (--quick: 2 min)
  sft            rebuild the weak SFT warm start from scratch (the shipped checkpoints/weak-sft)
  train          train a policy with a preset (grpo, toolexpander, ...); --resume DIR continues a run
  eval           greedy accuracy of a policy on held-out tasks, by category
  report DIR...  one report.html comparing finished runs (arms, seeds)
  devices        what the engine was compiled with and can use (CPU threads, SIMD, CUDA)
${hasBench ? '  bench [names]  run the benchmarks (npm run bench), e.g. `toolexpander bench advantage`\n' : ''}  help           this text

Each command takes --help.`;

async function devicesCommand(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    console.log('usage: toolexpander devices [--json]\n\nPrints the CPU and CUDA capabilities of the loaded engine.');
    return 0;
  }
  const { parseArgs } = await import('./args.js');
  const { flags, positional } = parseArgs(args, { json: 'boolean' }, 'devices');
  if (positional.length > 0) throw new TxError('E_RANGE', `devices: unexpected argument '${positional[0]}'`);
  const { devices } = await import('../engine/devices.js');
  const d = devices();
  if (flags['json'] === true) {
    console.log(JSON.stringify(d, null, 2));
    return 0;
  }
  console.log(`cpu:  ${d.cpu.threads} threads, ${d.cpu.simd}`);
  console.log(`cuda: compiled ${d.cuda.compiled ? `yes (${d.cuda.architectures})` : 'no'}, usable ${d.cuda.usable ? 'yes' : `no: ${d.cuda.reason}`}`);
  for (const g of d.cuda.devices) console.log(`  [${g.index}] ${g.name}, sm ${g.sm}, ${(g.memoryBytes / 2 ** 30).toFixed(1)} GiB`);
  console.log(`addon: ${(await import('../engine/load-addon.js')).loadedAddonPath()}`);
  return 0;
}

async function benchCommand(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    console.log('usage: toolexpander bench [family ...]\n\nRuns benchmarks/*.bench.ts (all, or those whose name starts with a given family),\nprints tables with ratios to floors measured in the same run, writes benchmarks/results/<host>-<date>.json.');
    return 0;
  }
  if (!hasBench) throw new TxError('E_STATE', 'bench: the benchmarks are not part of the installed package; run them from a source checkout (npm run bench)');
  const { parseArgs } = await import('./args.js');
  parseArgs(args, {}, 'bench');  // family names only: any --flag is a mistake
  const r = spawnSync(process.execPath, ['--import', 'tsx', benchRunner, ...args], { stdio: 'inherit', cwd: root });
  return r.status ?? 1;
}

/**
 * Every failure ends as one line on stderr and exit 1: TxErrors (bad flags, bad config, no
 * policy) name what to fix; anything else is reported as an internal error, with its stack
 * only under TOOLEXPANDER_DEBUG=1.
 */
async function guarded(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    console.error(errorLine(e));
    if (process.env.TOOLEXPANDER_DEBUG === '1' && e instanceof Error) console.error(e.stack);
    return 1;
  }
}

function errorLine(e: unknown): string {
  const oneLine = (s: string) => s.replace(/^toolexpander: /, '').replace(/\s*\n\s*/g, ' ').trim();
  if (e instanceof TxError) return `toolexpander: ${oneLine(e.message)} [${e.code}]`;
  const msg = e instanceof Error ? e.message : String(e);
  return `toolexpander: internal error: ${oneLine(msg)} (TOOLEXPANDER_DEBUG=1 prints the stack; please report it)`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo': return guarded(async () => (await import('./demo.js')).demoCommand(rest));
    case 'sft': return guarded(async () => (await import('./sft.js')).sftCommand(rest));
    case 'train': return guarded(async () => (await import('./train.js')).trainCommand(rest));
    case 'eval': return guarded(async () => (await import('./eval.js')).evalCommand(rest));
    case 'report': return guarded(async () => (await import('./report.js')).reportCommand(rest));
    case 'devices': return guarded(() => devicesCommand(rest));
    case 'bench': return guarded(() => benchCommand(rest));
    case '--version':
    case '-V':
      console.log(version());
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`toolexpander: unknown command '${command}' (commands: demo, sft, train, eval, report, devices${hasBench ? ', bench' : ''}; see --help)`);
      return 2;
  }
}

// Run when executed (the bin, `node dist/cli/main[.js]`, tsx), not when imported (tests).
const self = realpathSync(fileURLToPath(import.meta.url));
const entry = process.argv[1];
const invoked = entry !== undefined && [entry, `${entry}.js`].some((p) => existsSync(p) && realpathSync(p) === self);
if (invoked) process.exitCode = await main(process.argv.slice(2));

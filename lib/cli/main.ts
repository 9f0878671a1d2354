#!/usr/bin/env node
// The `toolexpander` command: a dispatcher; each subcommand lives in its own file and is
// imported only when run (so `devices` never loads the trainer).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const USAGE = `usage: toolexpander <command> [options]

commands:
  demo           the grpo and toolexpander arms from the shipped weak checkpoint, then report.html (--quick: 2 min)
  sft            rebuild the weak SFT warm start from scratch (the shipped checkpoints/weak-sft)
  train          train a policy with a preset (grpo, toolexpander, ...); --resume DIR continues a run
  eval           greedy accuracy of a policy on held-out tasks, by category
  report DIR...  one report.html comparing finished runs (arms, seeds)
  devices        what the engine was compiled with and can use (CPU threads, SIMD, CUDA)
  bench [names]  run the benchmarks (npm run bench), e.g. \`toolexpander bench advantage\`
  help           this text

Each command takes --help.`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function devicesCommand(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    console.log('usage: toolexpander devices [--json]\n\nPrints the CPU and CUDA capabilities of the loaded engine.');
    return 0;
  }
  const { devices } = await import('../engine/devices.js');
  const d = devices();
  if (args.includes('--json')) {
    console.log(JSON.stringify(d, null, 2));
    return 0;
  }
  console.log(`cpu:  ${d.cpu.threads} threads, ${d.cpu.simd}`);
  console.log(`cuda: compiled ${d.cuda.compiled ? `yes (${d.cuda.architectures})` : 'no'}, usable ${d.cuda.usable ? 'yes' : `no: ${d.cuda.reason}`}`);
  for (const g of d.cuda.devices) console.log(`  [${g.index}] ${g.name}, sm ${g.sm}, ${(g.memoryBytes / 2 ** 30).toFixed(1)} GiB`);
  console.log(`addon: ${(await import('../engine/load-addon.js')).loadedAddonPath()}`);
  return 0;
}

function benchCommand(args: string[]): number {
  if (args.includes('--help')) {
    console.log('usage: toolexpander bench [family ...]\n\nRuns benchmarks/*.bench.ts (all, or those whose name starts with a given family),\nprints tables with ratios to floors measured in the same run, writes benchmarks/results/<host>-<date>.json.');
    return 0;
  }
  const runner = join(root, 'benchmarks', 'run.ts');
  if (!existsSync(runner)) {
    console.error('toolexpander bench: benchmarks/ is not part of the installed package; run it from a source checkout');
    return 1;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', runner, ...args], { stdio: 'inherit', cwd: root });
  return r.status ?? 1;
}

/** TxErrors (bad flags, bad config, no policy) are user errors: one line, exit 1, no stack. */
async function guarded(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    const { TxError } = await import('../errors.js');
    if (!(e instanceof TxError)) throw e;
    console.error(`toolexpander: ${e.message} [${e.code}]`);
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo': return guarded(async () => (await import('./demo.js')).demoCommand(rest));
    case 'sft': return guarded(async () => (await import('./sft.js')).sftCommand(rest));
    case 'train': return guarded(async () => (await import('./train.js')).trainCommand(rest));
    case 'eval': return guarded(async () => (await import('./eval.js')).evalCommand(rest));
    case 'report': return guarded(async () => (await import('./report.js')).reportCommand(rest));
    case 'devices': return guarded(async () => devicesCommand(rest));
    case 'bench': return benchCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`toolexpander: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));

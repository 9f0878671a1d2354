// `toolexpander report`: one report.html comparing finished runs (arms = their presets,
// seeds pooled into 95% intervals).

import { join } from 'node:path';
import { TxError } from '../errors.js';
import { loadRun, writeReport } from '../report/html.js';
import { parseArgs } from './args.js';

export const REPORT_USAGE = `usage: toolexpander report RUN_DIR... [--out report.html] [--title TEXT]

Reads each run's config.json and metrics.jsonl and writes one self-contained HTML page:
curves per arm (mean over seeds) and a summary table with 95% intervals over seeds.`;

export async function reportCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(REPORT_USAGE);
    return 0;
  }
  const { flags, positional } = parseArgs(argv, { out: 'string', title: 'string' }, 'report');
  if (positional.length === 0) throw new TxError('E_RANGE', 'report: give at least one run folder');
  const out = (flags['out'] as string | undefined) ?? join(positional[0] as string, '..', 'report.html');
  await writeReport(out, positional.map(loadRun), { title: flags['title'] as string | undefined });
  console.log(`wrote ${out}`);
  return 0;
}

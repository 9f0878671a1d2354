// A small flag parser for the subcommands: --name value, --name=value, boolean flags.
// Unknown flags are errors (a typo must not silently change a training run).

import { TxError } from '../errors.js';

export type FlagSpec = Record<string, 'string' | 'int' | 'boolean'>;
export type Parsed = { flags: Record<string, string | number | boolean>; positional: string[] };

export function parseArgs(argv: readonly string[], spec: FlagSpec, command: string): Parsed {
  const flags: Record<string, string | number | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) throw new TxError('E_RANGE', `${command}: unknown option --${name} (see --help)`);
    if (kind === 'boolean') { flags[name] = true; continue; }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new TxError('E_RANGE', `${command}: --${name} needs a value`);
    if (kind === 'int') {
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
        throw new TxError('E_RANGE', `${command}: --${name} must be a non-negative integer, got '${value}'`);
      }
      flags[name] = Number(value);
    } else {
      flags[name] = value;
    }
  }
  return { flags, positional };
}

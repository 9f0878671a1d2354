// The one reader of JSON files a user hands the CLI (a --config file, a run's config.json):
// size-capped, parsed, and for configs schema-checked, every failure a TxError naming the
// file and what is wrong with it (never an ENOENT or SyntaxError stack).

import { readFile, stat } from 'node:fs/promises';
import { TxError } from '../errors.js';
import { validateTrainConfig, type PartialTrainConfig } from './config.js';

/** A config is a few KiB; a larger file is a mistake or hostile, refused before reading. */
export const MAX_CONFIG_BYTES = 1 << 20;

/** Parses a JSON file; `what` names it in errors ("config file", "run config"). */
export async function readJsonFile(path: string, what: string, maxBytes = MAX_CONFIG_BYTES): Promise<unknown> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new Error('is a folder, not a file');
    if (info.size > maxBytes) throw new Error(`${info.size} bytes, more than the ${maxBytes} allowed`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new TxError('E_FORMAT', `${what} ${path}: ${why}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);  // editors on Windows may write a BOM
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TxError('E_FORMAT', `${what} ${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** A (partial) training config from a file, checked against the schema. */
export async function readConfigFile(path: string, what = 'config file'): Promise<PartialTrainConfig> {
  return validateTrainConfig(await readJsonFile(path, what), path);
}

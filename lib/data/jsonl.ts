// Streaming JSON Lines reader: one parsed value per non-blank line, errors naming the line.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { TxError } from '../errors.js';
import { safeJsonParse } from './json.js';

export type JsonLine = { line: number; value: unknown };

export async function* readJsonLines(path: string): AsyncGenerator<JsonLine> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (e) {
    throw new TxError('E_FORMAT', `${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of rl) {
      line++;
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() === '') continue;
      const parsed = safeJsonParse(text, 1024);
      if (!parsed.ok) throw new TxError('E_FORMAT', `${path}:${line}: invalid JSON: ${parsed.message}`);
      yield { line, value: parsed.value };
    }
  } finally {
    rl.close();
    stream.destroy();
  }
}

/** Prefix a TxError's message with a location, keeping its code. */
export function atLine(path: string, line: number, e: unknown): unknown {
  if (e instanceof TxError) return new TxError(e.code, `${path}:${line}: ${e.message}`);
  return e;
}

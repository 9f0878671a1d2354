// Streaming JSON Lines reader: one parsed value per non-blank line, errors naming the line.
// Input may be untrusted (a downloaded dataset): a line is capped in bytes before it is
// buffered whole (readline would buffer a line of any length), the line count is capped,
// and JSON nesting depth is capped by safeJsonParse.

import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { TxError } from '../errors.js';
import { safeJsonParse } from './json.js';

export type JsonLine = { line: number; value: unknown };

export type JsonLinesLimits = {
  /** Longest line accepted, in bytes (default 8 MiB: a task with its tools is a few KiB). */
  maxLineBytes?: number;
  /** Most lines read (default 10 million). */
  maxLines?: number;
};

export const DEFAULT_JSONL_LIMITS: Required<JsonLinesLimits> = { maxLineBytes: 8 << 20, maxLines: 10_000_000 };

/** Lines of a byte stream, each refused once it grows past maxLineBytes. */
async function* lines(stream: AsyncIterable<Buffer>, path: string, limits: Required<JsonLinesLimits>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let count = 0;
  const emit = (last: Buffer): string => {
    const text = decoder.write(Buffer.concat([...pending, last]));
    pending = [];
    pendingBytes = 0;
    if (++count > limits.maxLines) throw new TxError('E_RANGE', `${path}: more than ${limits.maxLines} lines`);
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  for await (const chunk of stream) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (pendingBytes + nl - start > limits.maxLineBytes) throw tooLong(path, count + 1, limits.maxLineBytes);
      yield emit(chunk.subarray(start, nl));
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    pendingBytes += rest.length;
    if (pendingBytes > limits.maxLineBytes) throw tooLong(path, count + 1, limits.maxLineBytes);
    if (rest.length > 0) pending.push(Buffer.from(rest));
  }
  if (pendingBytes > 0) yield emit(Buffer.alloc(0));
}

function tooLong(path: string, line: number, max: number): TxError {
  return new TxError('E_RANGE', `${path}:${line}: line longer than ${max} bytes`);
}

export async function* readJsonLines(path: string, limits: JsonLinesLimits = {}): AsyncGenerator<JsonLine> {
  const lim = { ...DEFAULT_JSONL_LIMITS, ...limits };
  const stream = createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (e) {
    throw new TxError('E_FORMAT', `${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  let line = 0;
  try {
    for await (const raw of lines(stream as AsyncIterable<Buffer>, path, lim)) {
      line++;
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() === '') continue;
      const parsed = safeJsonParse(text, 1024);
      if (!parsed.ok) throw new TxError('E_FORMAT', `${path}:${line}: invalid JSON: ${parsed.message}`);
      yield { line, value: parsed.value };
    }
  } finally {
    stream.destroy();
  }
}

/** Prefix a TxError's message with a location, keeping its code. */
export function atLine(path: string, line: number, e: unknown): unknown {
  if (e instanceof TxError) return new TxError(e.code, `${path}:${line}: ${e.message}`);
  return e;
}

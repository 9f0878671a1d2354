// metrics.jsonl: one JSON object per line, appended and fsynced line by line, so a killed
// run leaves whole lines only (at most a torn last line, which readMetrics skips). A
// checkpoint records the file's byte length; resume truncates back to it, so the lines the
// killed run wrote after its last checkpoint are written again, identically.

import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { TxError } from '../errors.js';
import { recordProblem, type MetricsRecord } from './records.js';
import type { MetricsSink } from './sinks.js';

export class MetricsLog implements MetricsSink {
  readonly name = 'jsonl';
  readonly path: string;
  private fd: number;
  private size: number;
  /** Further sinks (lib/report/sinks.ts): each appended record goes to them too, after the file. */
  private readonly sinks: readonly MetricsSink[];

  /** Opens `path` for appending; `truncateTo` cuts it back first (resume). */
  constructor(path: string, opts: { truncateTo?: number; sinks?: readonly MetricsSink[] } = {}) {
    this.path = path;
    this.sinks = opts.sinks ?? [];
    if (opts.truncateTo !== undefined && existsSync(path)) truncateSync(path, opts.truncateTo);
    this.fd = openSync(path, 'a');
    this.size = statSync(path).size;
  }

  /** Bytes written so far (a checkpoint stores this). */
  get bytes(): number {
    return this.size;
  }

  append(record: MetricsRecord): void {
    const buf = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    fsyncSync(this.fd);
    this.size += buf.length;
    for (const s of this.sinks) s.write(record);
  }

  write(record: MetricsRecord): void {
    this.append(record);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    for (const s of this.sinks) s.close();
  }
}

/**
 * Every whole record of a metrics.jsonl. A torn last line (a killed run) is skipped; any
 * other line that is not a metrics record is an error naming the file and line, as is a
 * missing file.
 */
export function readMetrics(path: string): MetricsRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new TxError('E_FORMAT', `${path}: ${err.code === 'ENOENT' ? 'no such file (not a finished or running training run?)' : err.code === 'EISDIR' ? 'is a folder, not a metrics.jsonl' : err.message}`);
  }
  const lines = text.split('\n');
  const out: MetricsRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) continue;  // torn last line
      throw new TxError('E_FORMAT', `${path}:${i + 1}: not a JSON line (the file is damaged or not a metrics.jsonl)`);
    }
    const problem = recordProblem(value);
    if (problem !== undefined) throw new TxError('E_FORMAT', `${path}:${i + 1}: not a metrics record: ${problem}`);
    out.push(value as MetricsRecord);
  }
  return out;
}

// metrics.jsonl: one JSON object per line, appended and fsynced line by line, so a killed
// run leaves whole lines only (at most a torn last line, which readMetrics skips). A
// checkpoint records the file's byte length; resume truncates back to it, so the lines the
// killed run wrote after its last checkpoint are written again, identically.

import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import type { MetricsRecord } from './records.js';

export class MetricsLog {
  readonly path: string;
  private fd: number;
  private size: number;

  /** Opens `path` for appending; `truncateTo` cuts it back first (resume). */
  constructor(path: string, opts: { truncateTo?: number } = {}) {
    this.path = path;
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
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Every whole record of a metrics.jsonl (a torn last line from a crash is skipped). */
export function readMetrics(path: string): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as MetricsRecord);
    } catch {
      /* torn line */
    }
  }
  return out;
}

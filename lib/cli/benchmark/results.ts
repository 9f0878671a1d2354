// Per-entry benchmark results as JSON Lines, written as each entry finishes so that a
// crashed run resumes where it stopped. Line 1 is a header with the settings that decide
// the verdicts; a resumed run must match it. A torn last line (a crash mid-write) is cut
// off on resume, so no half-written result is ever read back.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { TxError } from '../../errors.js';

export type ResultHeader = {
  type: 'header';
  benchmark: string;
  data: string;
  policy: string;
  checkpoint: string | null;
  format: string;
  underscoreNames: boolean;
  maxTokens: number;
  seed: number;
};

export type EntryResult = {
  type: 'entry';
  category: string;
  id: string;
  valid: boolean;
  /** Why it failed: the checker's error type (BFCL's `error_type`, or the matcher's reason). */
  reason: string | null;
  error?: string;
  text: string;
};

const SETTINGS: (keyof ResultHeader)[] = ['benchmark', 'data', 'policy', 'checkpoint', 'format', 'underscoreNames', 'maxTokens', 'seed'];

export class ResultsFile {
  private fd: number | undefined;
  readonly done = new Map<string, EntryResult>();

  private constructor(readonly path: string) {}

  static key(category: string, id: string): string {
    return `${category}\u0000${id}`;
  }

  /** Open `path`, resuming from its entries when it was written with the same settings. */
  static open(path: string, header: ResultHeader): ResultsFile {
    const f = new ResultsFile(path);
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      const end = text.lastIndexOf('\n') + 1;
      if (end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
      const lines = text.slice(0, end).split('\n').filter((l) => l !== '');
      if (lines.length > 0) {
        let head: Record<string, unknown>;
        try {
          head = JSON.parse(lines[0] as string) as Record<string, unknown>;
        } catch {
          throw new TxError('E_FORMAT', `${path}:1: not a results header; pass another --results path`);
        }
        for (const k of SETTINGS) {
          if (head['type'] !== 'header' || JSON.stringify(head[k]) !== JSON.stringify(header[k])) {
            throw new TxError('E_STATE', `${path}:1: written with ${k}=${JSON.stringify(head[k])}, this run has ${JSON.stringify(header[k])}; pass another --results path to start over`);
          }
        }
        lines.slice(1).forEach((l, i) => {
          let r: EntryResult;
          try {
            r = JSON.parse(l) as EntryResult;
          } catch {
            throw new TxError('E_FORMAT', `${path}:${i + 2}: invalid JSON line`);
          }
          if (r.type === 'entry') f.done.set(ResultsFile.key(r.category, r.id), r);
        });
      } else {
        truncateSync(path, 0);
      }
    }
    f.fd = openSync(path, 'a');
    if (f.done.size === 0 && readFileSync(path).length === 0) writeSync(f.fd, `${JSON.stringify(header)}\n`);
    return f;
  }

  /** Append one result (one write call: a crash leaves at most one torn line). */
  add(r: EntryResult): void {
    if (this.fd === undefined) throw new TxError('E_STATE', `${this.path}: results file is closed`);
    writeSync(this.fd, `${JSON.stringify(r)}\n`);
    this.done.set(ResultsFile.key(r.category, r.id), r);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

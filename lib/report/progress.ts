// Progress output: a one-line bar redrawn with \r on a terminal, plain lines otherwise (CI
// logs, pipes), at most one line per `every` steps. No dependency.

export type ProgressStream = { isTTY?: boolean; columns?: number; write(s: string): unknown };

export class Progress {
  private readonly out: ProgressStream;
  private readonly total: number;
  private readonly label: string;
  private readonly every: number;
  private readonly started = Date.now();
  private drawn = false;

  constructor(total: number, opts: { label?: string; stream?: ProgressStream; every?: number } = {}) {
    this.total = Math.max(1, total);
    this.out = opts.stream ?? process.stdout;
    this.label = opts.label ?? '';
    this.every = opts.every ?? Math.max(1, Math.floor(this.total / 20));
  }

  /** `done` units finished; `info` is a short status (e.g. metrics of the last step). */
  update(done: number, info = ''): void {
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    if (this.out.isTTY) {
      const width = 24;
      const fill = Math.round((Math.min(done, this.total) / this.total) * width);
      const line = `${this.label} [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${done}/${this.total} ${elapsed.toFixed(0)}s eta ${eta.toFixed(0)}s ${info}`;
      const cols = this.out.columns ?? 120;
      this.out.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length))}\x1b[K`);
      this.drawn = true;
    } else if (done % this.every === 0 || done === this.total) {
      this.out.write(`${this.label} ${done}/${this.total} (${elapsed.toFixed(1)}s) ${info}\n`);
    }
  }

  /** Print a message on its own line without breaking the bar. */
  log(msg: string): void {
    if (this.out.isTTY && this.drawn) this.out.write('\r\x1b[K');
    this.out.write(`${msg}\n`);
  }

  finish(): void {
    if (this.out.isTTY && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

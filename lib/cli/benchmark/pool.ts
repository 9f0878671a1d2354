// A bounded pool: at most `concurrency` batches in flight, each of at most `batch` items,
// taken in order. A served model (--policy openai) gets concurrent single requests; the
// in-process tiny policy one batch at a time.

export async function runPool<T>(items: readonly T[], opts: { concurrency: number; batch: number },
  work: (batch: T[]) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const start = next;
      if (start >= items.length) return;
      next = Math.min(items.length, start + opts.batch);
      await work(items.slice(start, next));
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency, Math.ceil(items.length / Math.max(1, opts.batch))));
  await Promise.all(Array.from({ length: n }, worker));
}

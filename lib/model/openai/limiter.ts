// A counting semaphore: at most `max` tasks run at once; the others wait in FIFO order.
// Bounds the requests one OpenAIPolicy has in flight, over all its concurrent calls.

export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), or free it.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }
}

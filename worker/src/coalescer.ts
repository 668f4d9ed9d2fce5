/**
 * Turns requests from concurrent callers (one per partition being processed) into one request
 * in flight at a time, merging whatever queued meanwhile into the next one: fewer, larger
 * produce and commit requests, and an idempotent producer never sees concurrent sends (some
 * clients assign sequence numbers per call). Each caller's items keep their order.
 */
export class Coalescer<T> {
  #waiting: Array<{ items: T[]; done: (err?: unknown) => void }> = [];
  #busy = false;

  constructor(private readonly send: (items: T[]) => Promise<void>) {}

  push(items: T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ items, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.#busy) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    while (this.#waiting.length > 0) {
      const group = this.#waiting;
      this.#waiting = [];
      try {
        await this.send(group.flatMap((g) => g.items));
        for (const g of group) g.done();
      } catch (err) {
        for (const g of group) g.done(err);
      }
    }
    this.#busy = false;
  }
}

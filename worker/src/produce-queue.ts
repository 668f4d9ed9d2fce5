/**
 * Serialises produce requests from concurrent callers into one request in flight at a time,
 * coalescing what queued up meanwhile into the next request. For clients whose idempotent
 * producer is not safe under concurrent sends (sequence numbers assigned per call).
 */
export class ProduceQueue<T> {
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

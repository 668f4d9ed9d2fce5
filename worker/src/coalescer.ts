/**
 * Admits items into one request, in order; false when `item` must wait for the next request.
 * A fresh admission is made per request, and it must admit the request's first item.
 */
export type Admission<T> = (item: T) => boolean;

interface Waiting<T> {
  readonly items: T[];
  /** Items already taken into requests. */
  sent: number;
  readonly done: (err?: unknown) => void;
}

export interface CoalescerOptions<T> {
  /**
   * Bounds each request.
   * @default every waiting item goes into the next request
   */
  readonly admission?: () => Admission<T>;
  /**
   * After a failed request, fail everything queued and every later push instead of sending it.
   * For produce: kafkajs rolls a partition's sequence numbers back on an error, so a request
   * after one that failed but was written would reuse them, and the broker would acknowledge it
   * as a duplicate without writing it.
   * @default false
   */
  readonly stopOnFailure?: boolean;
}

/**
 * Turns requests from concurrent callers (one per partition being processed) into one request
 * in flight at a time, merging whatever queued meanwhile into the next one: fewer, larger
 * produce and commit requests. Items are sent in the order they were pushed, so each caller's
 * items keep their order, also when the admission splits them over requests. A caller resolves
 * once every request holding its items succeeded, and fails with the first that failed; its
 * items not yet sent then never are. One at a time because the idempotent producers number a
 * partition's records when they encode a request and advance the number only on its answer
 * (@platformatic/kafka 2.12.1): a second request in flight would reuse it — refused as out of
 * order, or dropped by the broker as a duplicate and acknowledged.
 */
export class Coalescer<T> {
  #waiting: Array<Waiting<T>> = [];
  #busy = false;
  #failed: { error: unknown } | undefined;

  constructor(
    private readonly send: (items: T[]) => Promise<void>,
    private readonly options: CoalescerOptions<T> = {},
  ) {}

  push(items: T[]): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed.error);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ items, sent: 0, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.#busy) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    while (this.#waiting.length > 0) {
      const { request, callers } = this.#next();
      try {
        await this.send(request);
        // Requests go one at a time: the one holding a caller's last item answers last.
        for (const g of callers) if (g.sent === g.items.length) g.done();
      } catch (err) {
        for (const g of callers) {
          g.done(err);
          // Its items not yet sent never are (only the last caller of a request can have some).
          const at = this.#waiting.indexOf(g);
          if (at >= 0) this.#waiting.splice(at, 1);
        }
        if (this.options.stopOnFailure) {
          this.#failed = { error: err };
          for (const g of this.#waiting.splice(0)) g.done(err);
        }
      }
    }
    this.#busy = false;
  }

  /** The next request from the front of the queue, and the callers with items in it. */
  #next(): { request: T[]; callers: Array<Waiting<T>> } {
    const admit = this.options.admission?.();
    const request: T[] = [];
    const callers: Array<Waiting<T>> = [];
    let taken = 0;
    for (const g of this.#waiting) {
      const from = g.sent;
      for (; g.sent < g.items.length; g.sent++) {
        const item = g.items[g.sent]!;
        if (admit && !admit(item) && request.length > 0) break;
        request.push(item);
      }
      if (g.sent > from || g.items.length === 0) callers.push(g);
      if (g.sent < g.items.length) break;
      taken++;
    }
    this.#waiting.splice(0, taken);
    return { request, callers };
  }
}

/**
 * Admits items into one request, in order; false when `item` must wait for the next request.
 * A fresh admission is made per request, and it must admit the request's first item.
 */
export type Admission<T> = (item: T) => boolean;

interface Waiting<T> {
  readonly items: T[];
  /** Items of this caller already sent in earlier requests. */
  sent: number;
  readonly done: (err?: unknown) => void;
}

/**
 * Turns requests from concurrent callers (one per partition being processed) into one request
 * in flight at a time, merging whatever queued meanwhile into the next one: fewer, larger
 * produce and commit requests, and an idempotent producer never sees concurrent sends (some
 * clients assign sequence numbers per call). Items are sent in the order they were pushed, so
 * each caller's items keep their order, also when `admission` splits them over requests.
 */
export class Coalescer<T> {
  #waiting: Array<Waiting<T>> = [];
  #busy = false;

  constructor(
    private readonly send: (items: T[]) => Promise<void>,
    /** @default every waiting item goes into the next request */
    private readonly admission?: () => Admission<T>,
  ) {}

  push(items: T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ items, sent: 0, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.#busy) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    while (this.#waiting.length > 0) {
      const { request, whole, partial } = this.#next();
      try {
        await this.send(request);
        for (const g of whole) g.done();
      } catch (err) {
        for (const g of whole) g.done(err);
        // A caller whose items were partly sent gets the error too, and the rest is not sent.
        if (partial) {
          partial.done(err);
          this.#waiting.shift();
        }
      }
    }
    this.#busy = false;
  }

  /**
   * The next request, from the front of the queue: `whole` are the callers whose last items it
   * holds (taken off the queue), `partial` the one it holds some of (left at the front).
   */
  #next(): { request: T[]; whole: Array<Waiting<T>>; partial: Waiting<T> | undefined } {
    const admit = this.admission?.();
    const request: T[] = [];
    let taken = 0;
    let partial: Waiting<T> | undefined;
    for (const g of this.#waiting) {
      let i = g.sent;
      for (; i < g.items.length; i++) {
        const item = g.items[i]!;
        if (admit && !admit(item) && request.length > 0) break;
        request.push(item);
      }
      if (i < g.items.length) {
        if (i > g.sent) partial = g;
        g.sent = i;
        break;
      }
      taken++;
    }
    return { request, whole: this.#waiting.splice(0, taken), partial };
  }
}

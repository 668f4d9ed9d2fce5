import { sleep as realSleep } from './sleep.ts';

/**
 * Token bucket for `max_rate` (messages per second per instance): up to one second of burst,
 * and `take(n)` waits until n tokens have accrued, in instalments of at most a bucket, calling
 * `between` after each one but the last. `now`/`sleep` are injectable for tests.
 */
export class RateLimiter {
  #tokens: number;
  #last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
  ) {
    this.#tokens = ratePerSec;
    this.#last = now();
  }

  async take(n: number, between?: () => Promise<void>): Promise<void> {
    for (;;) {
      const t = this.now();
      this.#tokens = Math.min(
        this.ratePerSec,
        this.#tokens + ((t - this.#last) * this.ratePerSec) / 1000,
      );
      this.#last = t;
      const want = Math.min(n, this.ratePerSec);
      if (this.#tokens >= want) {
        this.#tokens -= want;
        n -= want;
        if (n <= 0) return;
        await between?.();
        continue;
      }
      await this.sleep(Math.ceil(((want - this.#tokens) * 1000) / this.ratePerSec));
    }
  }
}

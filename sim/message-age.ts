/**
 * The age of a partition's oldest unconsumed message — the lag in seconds the SLO is judged on
 * (what a downstream reader waits, as Kafka Lag Exporter estimates it by interpolating produce
 * times of offsets). The simulator knows produce times exactly: it records the partition's
 * cumulative produced count as piecewise-linear segments in time, and finds when the first
 * unconsumed offset was produced.
 */
interface Segment {
  t0: number;
  c0: number;
  t1: number;
  c1: number;
}

export class MessageAge {
  private readonly segments: Segment[] = [];
  private head = 0;
  produced = 0;
  consumed = 0;

  /** `count` messages arrived uniformly over [t0, t1]. */
  produce(t0: number, t1: number, count: number): void {
    if (count <= 0) return;
    const last = this.segments[this.segments.length - 1];
    const end = this.produced + count;
    // Same rate as the previous segment and contiguous: extend it (keeps one segment per rate).
    if (
      last &&
      last.t1 === t0 &&
      this.head < this.segments.length &&
      Math.abs((last.c1 - last.c0) / (last.t1 - last.t0) - count / (t1 - t0)) < 1e-9
    ) {
      last.t1 = t1;
      last.c1 = end;
    } else {
      this.segments.push({ t0, c0: this.produced, t1, c1: end });
    }
    this.produced = end;
  }

  consume(count: number): void {
    this.consumed = Math.min(this.produced, this.consumed + count);
    while (this.head < this.segments.length && this.segments[this.head]!.c1 <= this.consumed) {
      this.head++;
    }
    // Drop consumed segments now and then so memory stays bounded on long traces.
    if (this.head > 1024) {
      this.segments.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * Consumes `count` at a steady rate over [fromS, toS] and returns the highest age of the oldest
   * unconsumed message within it, exactly: the age is linear in time between the moments the
   * consumer passes a segment's end (where the oldest message jumps to the next segment), so its
   * peak is at `fromS` (consumption starts: the age has grown since the tick began), just before
   * one of those moments, or at `toS`.
   */
  consumeOver(count: number, fromS: number, toS: number): number {
    let peak = this.ageAt(fromS);
    if (count > 0 && toS > fromS) {
      const rate = count / (toS - fromS);
      const target = Math.min(this.produced, this.consumed + count);
      for (let k = this.head; k < this.segments.length; k++) {
        const s = this.segments[k]!;
        if (s.c1 > target) break;
        // Just before the consumer reaches c1 the oldest message is this segment's last (made at t1).
        peak = Math.max(peak, fromS + (s.c1 - this.consumed) / rate - s.t1);
      }
    }
    this.consume(count);
    return Math.max(peak, this.ageAt(toS));
  }

  get backlog(): number {
    return this.produced - this.consumed;
  }

  /** Seconds since the oldest unconsumed message was produced (0 when caught up). */
  ageAt(now: number): number {
    if (this.produced - this.consumed < 1e-6) return 0;
    const s = this.segments[this.head];
    if (!s) return 0;
    const at = s.t0 + ((this.consumed - s.c0) / (s.c1 - s.c0)) * (s.t1 - s.t0);
    return Math.max(0, now - at);
  }
}

/**
 * Per-partition commit position: offset ranges are tracked in consume order and acknowledged in
 * any order; the committable offset only advances over a contiguous run of acknowledged ranges,
 * so a commit can never move past a record whose produce has not been acknowledged.
 */
interface Range {
  readonly first: bigint;
  readonly last: bigint;
  done: boolean;
}

export class OffsetTracker {
  readonly #ranges: Range[] = [];
  #committable: bigint | undefined;

  /** Registers the records `first..last` (inclusive), in consume order. */
  track(first: bigint, last: bigint): void {
    const tail = this.#ranges[this.#ranges.length - 1];
    if (last < first || (tail && first <= tail.last)) {
      throw new RangeError(`offsets ${first}..${last} tracked out of order`);
    }
    this.#ranges.push({ first, last, done: false });
  }

  /** Marks the range starting at `first` as acknowledged. */
  ack(first: bigint): void {
    const range = this.#ranges.find((r) => r.first === first);
    if (!range) throw new RangeError(`no tracked range starts at offset ${first}`);
    range.done = true;
    while (this.#ranges[0]?.done) this.#committable = this.#ranges.shift()!.last + 1n;
  }

  /** The next offset to commit (last contiguous acknowledged + 1), or undefined if none yet. */
  committable(): bigint | undefined {
    return this.#committable;
  }
}

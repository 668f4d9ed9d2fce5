/** What to do with a record the client delivered. */
export type Admission = 'accept' | 'drop' | 'seek';

/**
 * Where each partition's reading stands, so that only the in-order continuation of what was
 * committed (or mirrored since) is handed on. A streaming client may deliver, after a rebalance,
 * records it fetched before it (a later position than the committed one) and records of a fetch
 * still in flight at the join, which also moves its position past the committed offset.
 *
 * After a reset the first record must be the position itself. A later one is either stale (the
 * client must be sent back: `seek`) or the first record after a real gap (compaction, a
 * transaction marker): the client, sent back, then delivers that same offset first again, which
 * a stale fetch never does, and it is accepted. After the first record, gaps are real.
 */
export class PartitionPositions {
  /** Next offset to accept; absent: the client's position is not known yet. */
  readonly #next = new Map<string, bigint>();
  /** Lowest offset past the position seen since the last reset. */
  readonly #probe = new Map<string, bigint>();
  readonly #reading = new Set<string>();
  /** End of the last batch mirrored and committed, per partition. */
  readonly #mirrored = new Map<string, bigint>();

  /** A join: no position is known until the client has loaded the committed ones. */
  resetAll(): void {
    this.#next.clear();
    this.#probe.clear();
    this.#reading.clear();
  }

  /** The partition left this member (consumer group protocol): read it from scratch if it comes back. */
  forget(key: string): void {
    this.#set(key, 0n);
    this.#next.delete(key);
    this.#mirrored.delete(key);
  }

  /** The client loaded `offset` as the position; a batch of ours committed since counts too. */
  start(key: string, offset: bigint): void {
    if (this.#next.has(key)) return;
    const mirrored = this.#mirrored.get(key) ?? -1n;
    this.#set(key, offset > mirrored ? offset : mirrored);
  }

  /** Reading must restart at `offset` (a batch from it failed), unless it already restarts earlier or awaits a position. */
  rewind(key: string, offset: bigint): void {
    const next = this.#next.get(key);
    if (next !== undefined && next > offset) this.#set(key, offset);
  }

  /** A batch ending before `end` was mirrored and committed: nothing before it is read again. */
  mirrored(key: string, end: bigint): void {
    this.#mirrored.set(key, end);
    const next = this.#next.get(key);
    if (next !== undefined && next < end) this.#set(key, end);
  }

  next(key: string): bigint | undefined {
    return this.#next.get(key);
  }

  admit(key: string, offset: bigint): Admission {
    const next = this.#next.get(key);
    if (next === undefined || offset < next) return 'drop';
    if (offset !== next && !this.#reading.has(key)) {
      const probe = this.#probe.get(key);
      if (probe !== offset) {
        if (probe === undefined || offset < probe) this.#probe.set(key, offset);
        return 'seek';
      }
    }
    this.#next.set(key, offset + 1n);
    this.#reading.add(key);
    this.#probe.delete(key);
    return 'accept';
  }

  #set(key: string, offset: bigint): void {
    this.#next.set(key, offset);
    this.#probe.delete(key);
    this.#reading.delete(key);
  }
}

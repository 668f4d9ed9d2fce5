/**
 * Which partitions this member owns under the consumer group protocol (KIP-848), each with a
 * token that changes whenever the partition is lost, so that a batch read while it was owned
 * can tell whether it still is before it commits. A revoked partition stays owned ("leaving")
 * until this member acknowledges the revocation to the broker: only then may another member
 * read it, so until then its last batch may still commit.
 */
/** A revocation acknowledged: the partitions (`topic:partition`) and how long it was held. */
export interface Release {
  partitions: string[];
  heldMs: number;
  /** Acknowledged at the timeout with a batch of theirs still running. */
  timedOut: boolean;
}

export class PartitionOwnership {
  readonly #owned = new Map<string, number>();
  readonly #leaving = new Set<string>();
  #tokens = 0;
  /** The pending release: resolved once no leaving partition runs a batch. */
  #release: { promise: Promise<void>; done: () => void } | undefined;

  /** The client's whole new assignment: what it adds and what it revokes. */
  assign(keys: Iterable<string>): { gained: string[]; revoked: string[] } {
    const now = new Set(keys);
    const revoked: string[] = [];
    for (const k of this.#owned.keys()) {
      if (!now.has(k) && !this.#leaving.has(k)) {
        this.#leaving.add(k);
        revoked.push(k);
      }
    }
    const gained: string[] = [];
    for (const k of now) {
      // Given back before the revocation was acknowledged: a batch of the old ownership must not commit.
      if (!this.#owned.has(k) || this.#leaving.delete(k)) {
        this.#owned.set(k, ++this.#tokens);
        gained.push(k);
      }
    }
    return { gained, revoked };
  }

  /** The partition's current token; undefined when it is not owned. */
  token(key: string): number | undefined {
    return this.#owned.get(key);
  }

  /** Whether `token` (taken when a batch was read) still owns the partition. */
  holds(key: string, token: number | undefined): boolean {
    return token !== undefined && this.#owned.get(key) === token;
  }

  /** Revoked partitions whose revocation the broker has not been told of yet. */
  get leaving(): ReadonlySet<string> {
    return this.#leaving;
  }

  /**
   * Resolves once no leaving partition has a batch `running` (the caller reports each batch's end
   * through `settle`), or after `timeoutMs`: the leaving partitions are then released, so a batch
   * of theirs still running can no longer commit, and `report` is told which, after how long.
   * Undefined: nothing leaves.
   */
  released(
    running: (key: string) => boolean,
    timeoutMs: number,
    report: (release: Release) => void,
  ): Promise<void> | undefined {
    if (this.#leaving.size === 0) return undefined;
    if (!this.#release) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      const started = Date.now();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        this.#release?.done();
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#release = undefined;
        const partitions = [...this.#leaving];
        this.#releaseLeaving();
        report({ partitions, heldMs: Date.now() - started, timedOut });
        resolve();
      };
      this.#release = { promise, done };
      this.settle(running);
    }
    return this.#release?.promise ?? Promise.resolve();
  }

  /** A batch ended: the pending release happens if no leaving partition is `running` any more. */
  settle(running: (key: string) => boolean): void {
    if (!this.#release) return;
    for (const k of this.#leaving) if (running(k)) return;
    this.#release.done();
  }

  /** The broker fenced this member: it owns nothing, whatever the client reassigns later. */
  fence(): void {
    this.#release?.done();
    this.#owned.clear();
    this.#leaving.clear();
  }

  #releaseLeaving(): void {
    for (const k of this.#leaving) this.#owned.delete(k);
    this.#leaving.clear();
  }
}

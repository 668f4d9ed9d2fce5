import type { TopicPartition } from './kafka-port.ts';

export interface AssignmentChange {
  assigned: string[];
  revoked: string[];
  /** True from the second join on. */
  rebalance: boolean;
}

const name = (tp: TopicPartition) => `${tp.topic}[${tp.partition}]`;

/**
 * Turns each join's whole assignment into real changes: a partition handed back to the same
 * member is neither revoked nor newly assigned (the eager protocol revokes everything first).
 */
export class AssignmentTracker {
  #current = new Set<string>();
  #joins = 0;

  update(tps: TopicPartition[]): AssignmentChange {
    const next = new Set(tps.map(name));
    const change = {
      assigned: [...next].filter((k) => !this.#current.has(k)),
      revoked: [...this.#current].filter((k) => !next.has(k)),
      rebalance: this.#joins > 0,
    };
    this.#current = next;
    this.#joins++;
    return change;
  }

  get joined(): boolean {
    return this.#joins > 0;
  }

  get size(): number {
    return this.#current.size;
  }
}

/**
 * Partition assignment and the capacity it yields.
 *
 * Kafka's RangeAssignor (the classic default, and what a single-topic RoundRobin/CooperativeSticky
 * assignment also produces in counts) gives each of N members ⌊P/N⌋ partitions and the first P mod N
 * members one more. A worker's capacity is shared by the partitions it owns, so the group drains
 * no faster than its busiest worker allows: 12 partitions on 5 workers → owners of 3 partitions
 * bound the group to 12 × (capacity/3) = the throughput of 4 workers.
 */

/** Partition indexes owned by each member, in member order (range assignment). */
export type Assignment = readonly (readonly number[])[];

export function rangeAssignment(partitions: number, members: number): Assignment {
  const active = Math.min(members, partitions);
  const out: number[][] = [];
  const base = Math.floor(partitions / Math.max(active, 1));
  const extra = active > 0 ? partitions % active : 0;
  let next = 0;
  for (let m = 0; m < members; m++) {
    const count = m < active ? base + (m < extra ? 1 : 0) : 0;
    const owned: number[] = [];
    for (let i = 0; i < count; i++) owned.push(next++);
    out.push(owned);
  }
  return out;
}

/**
 * Share of the produce rate each partition receives. skew 0 = uniform; skew s > 0 weights
 * partition i by 1/(i+1)^s (Zipf-like hot partitions), normalised to sum 1.
 */
export function partitionShares(partitions: number, skew: number): number[] {
  const weights = Array.from({ length: partitions }, (_, i) => 1 / (i + 1) ** skew);
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / sum);
}

/**
 * The highest total produce rate (msg/s) the group sustains without any partition's lag growing:
 * every worker must keep up with the load of the partitions it owns, so the busiest worker (by
 * share of the load) sets the limit: capacity / max(load share of one worker).
 */
export function sustainableRate(
  shares: readonly number[],
  assignment: Assignment,
  capacityPerWorker: number,
): number {
  let busiest = 0;
  for (const owned of assignment) {
    let load = 0;
    for (const p of owned) load += shares[p] ?? 0;
    if (load > busiest) busiest = load;
  }
  return busiest === 0 ? 0 : capacityPerWorker / busiest;
}

/** The bounds a decision is judged within: the floor, the cap and what sets it. Pure. */

import type { ScalingRules } from './config.ts';
import type { Decision, Observations, Partitions, TaskCount } from './types.ts';

export interface Bounds {
  floor: TaskCount;
  cap: TaskCount;
  capBy: Decision['capBy'];
  /** Partition count for balancing (the last known one when lag is unobservable). */
  partitions: Partitions | null;
}

/**
 * min ≤ desired ≤ min(max, partitions). When min exceeds the partition count, min wins: it
 * is the operator's floor, and the extra tasks idle as standbys. A share group's members share
 * partitions: max alone caps it, and no count is unbalanced.
 */
export function boundsOf(rules: ScalingRules, obs: Observations): Bounds {
  if (obs.lag.ok && obs.lag.value.group.type === 'share') {
    return { floor: rules.minTasks, cap: rules.maxTasks, capBy: 'max', partitions: null };
  }
  const partitions = obs.lag.ok ? obs.lag.value.partitionCount : obs.state.partitionCount;
  const byPartitions = partitions !== null && partitions <= rules.maxTasks;
  const upper = byPartitions ? partitions : rules.maxTasks;
  if (upper < rules.minTasks) {
    return { floor: rules.minTasks, cap: rules.minTasks, capBy: 'min', partitions };
  }
  return {
    floor: rules.minTasks,
    cap: upper,
    capBy: byPartitions ? 'partitions' : 'max',
    partitions,
  };
}

/**
 * Per-task capacity, learned from the fleet's own throughput. Whenever the group is saturated —
 * a backlog that outlasts a step, the fleet settled at its desired count — what it consumed is
 * what it can consume: a capacity sample. The estimate is the median of the last samples, kept
 * in the state (bounded), and relearned when the service's task definition changes. Pure.
 *
 * Works for any consumer: it reads offsets, not the worker's own metrics, and assumes nothing
 * about what bounds a task (CPU, a database, produce acks, a rate limit).
 */

import type { ScalingRules } from './config.ts';
import { busiestShare } from './counts.ts';
import { lastCallOn } from './memo.ts';
import type {
  CapacityMemory,
  Diagnosis,
  EpochMs,
  Measures,
  Observations,
  Partitions,
  TaskCount,
} from './types.ts';

/** The estimate is the median of at most this many samples: bounded state, old evidence ages out. */
export const CAPACITY_SAMPLES = 15;
/**
 * A backlog of at least this many seconds of consumption, at both ends of a step, means no task
 * idled. A group that keeps up leaves at most one auto-commit interval (5 s in the Java client)
 * of consumption as lag, and only just before a commit; a fleet running exactly at its capacity,
 * whose backlog is a few rebalance pauses' worth, is still seen.
 */
export const SATURATED_BACKLOG_S = 5;
/** Samples needed before the estimate is trusted over LAGPILOT_TASK_CAPACITY / conservative steps. */
export const MIN_CAPACITY_SAMPLES = 3;

export interface Capacity {
  /** Messages per second one task consumes (per-task share of a partition-balanced fleet). */
  perTask: number;
  source: 'learned' | 'configured';
  /** Samples behind a learned estimate (0 when configured). */
  samples: number;
}

/**
 * Messages per second the group of n tasks consumes at `perTask` each: the busiest task owns
 * ceil(P/n) partitions and caps the group, so 5 tasks on 12 partitions carry no more than 4.
 * No tasks carry nothing (a service scaled to zero wakes on its first backlog).
 */
export const groupCapacity = (
  perTask: number,
  partitions: Partitions | null,
  n: TaskCount,
): number =>
  n <= 0
    ? 0
    : partitions === null || partitions <= 0
      ? perTask * n
      : (perTask * partitions) / busiestShare(partitions, n);

/** The median of the samples (null below MIN_CAPACITY_SAMPLES): robust to one odd step. */
export const estimate = lastCallOn(function estimate(samples: readonly number[]): number | null {
  return samples.length < MIN_CAPACITY_SAMPLES ? null : median(samples);
});

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * What the samples so far say before they are enough to plan with (their median), for bounding a
 * scale-down only: each measured what a saturated task consumed, so a fleet cut below the count
 * they say the peak needs would fall behind. Null without a sample.
 */
export function provisionalCapacity(learned: CapacityMemory): Capacity | null {
  const n = learned.samples.length;
  return n === 0 ? null : { perTask: median(learned.samples), source: 'learned', samples: n };
}

/**
 * This step's capacity sample, or null when the group was not provably saturated and settled
 * over the interval the rates cover: the service at its desired count with every task a member
 * of a stable group, the last action settled before the previous step, a backlog at both ends
 * (so no task idled), and no hot partition (one busy task would understate the rest).
 */
export function capacitySample(
  rules: ScalingRules,
  obs: Observations,
  m: Measures,
  diagnoses: readonly Diagnosis[],
  now: EpochMs,
): number | null {
  if (!obs.lag.ok || !obs.service.ok) return null;
  const service = obs.service.value;
  const group = obs.lag.value.group;
  const n = service.running;
  if (n <= 0 || n !== service.desired || service.pending > 0 || service.deploying) return null;
  if (group.state !== 'Stable' || group.members < n) return null;
  const last = obs.state.lastAction;
  if (last && !last.settled) return null;
  const previous = obs.state.samples.findLast((s) => s.at < now);
  if (!previous || (last && previous.at <= last.at)) return null;
  if (m.consumeRate === null || m.consumeRate <= 0 || m.scalingLag === null) return null;
  if (diagnoses.some((d) => d.kind === 'hot')) return null;
  // A backlog at both ends above the calm threshold and above what the group consumes in
  // SATURATED_BACKLOG_S: in-flight messages and commit intervals keep a few seconds of
  // throughput as lag on a group that idles, and an over-provisioned fleet sampled on them
  // would learn a capacity lower than it is. Draining to zero and rebuilding within one step
  // would take a burst, and the median outvotes a rare one.
  const floor = Math.max(rules.lagLow, m.consumeRate * SATURATED_BACKLOG_S, 1);
  if ((previous.scalingLag ?? 0) < floor || m.scalingLag < floor) return null;
  // A share group's members take records, not partitions: none waits on a busiest share.
  if (group.type === 'share') return m.consumeRate / n;
  const partitions = obs.lag.value.partitionCount;
  return (m.consumeRate * busiestShare(partitions, n)) / Math.max(partitions, 1);
}

/**
 * The kept samples after this step: a new task definition starts over (the new code may be
 * faster or slower), a sample is appended, and only the last CAPACITY_SAMPLES are kept.
 */
export function learn(
  kept: CapacityMemory,
  sample: number | null,
  taskDefinition: string | null,
): CapacityMemory {
  const changed =
    taskDefinition !== null &&
    kept.taskDefinition !== null &&
    taskDefinition !== kept.taskDefinition;
  const definition = taskDefinition ?? kept.taskDefinition;
  // Most steps learn nothing: the kept memory is returned as it is.
  if (!changed && sample === null && definition === kept.taskDefinition) return kept;
  const samples = changed ? [] : kept.samples;
  return {
    taskDefinition: definition,
    samples: (sample === null ? samples : [...samples, sample]).slice(-CAPACITY_SAMPLES),
  };
}

/** The capacity the sizing uses: learned once there is enough evidence, else the configured one. */
export function capacityOf(rules: ScalingRules, learned: CapacityMemory): Capacity | null {
  const perTask = estimate(learned.samples);
  if (perTask !== null && perTask > 0) {
    return { perTask, source: 'learned', samples: learned.samples.length };
  }
  if (rules.taskCapacity !== null) {
    return { perTask: rules.taskCapacity, source: 'configured', samples: 0 };
  }
  return null;
}

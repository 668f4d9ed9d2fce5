import type { FleetParams } from './fleet.ts';
import type { Trace } from './trace.ts';

/**
 * What a scaling policy sees when it is evaluated. Offsets and counts are live (Kafka admin API,
 * ECS DescribeServices); CPU and memory come as CloudWatch 1-minute datapoints (Average and
 * Maximum over the service's tasks), delayed by the fleet's metric delay.
 */
export interface FleetView {
  readonly nowS: number;
  readonly partitions: number;
  /** Log-end offset and committed offset of each partition. */
  readonly endOffsets: readonly number[];
  readonly committedOffsets: readonly number[];
  /** Σ (end − committed): the lag every Kafka tool reports. */
  readonly totalLag: number;
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  /** The group is rebalancing (consumption paused); otherwise every running task is a member. */
  readonly rebalancing: boolean;
  /** Average service CPU / memory %, one datapoint per minute, oldest first, newest visible last. */
  readonly cpu: readonly MetricPoint[];
  readonly memory: readonly MetricPoint[];
  /** The same for the busiest task (CloudWatch's Maximum statistic instead of Average). */
  readonly busiestCpu: readonly MetricPoint[];
  readonly busiestMemory: readonly MetricPoint[];
  /** Ground truth only the look-ahead reference may use: unconsumed messages per partition, */
  readonly backlog: readonly number[];
  /** … and the age of the oldest unconsumed message (s). */
  readonly oldestAgeS: number;
}

export interface MetricPoint {
  /** Start of the datapoint's minute, seconds since the start of the trace. */
  readonly atS: number;
  readonly value: number;
}

/** A scaling policy: evaluated every `intervalS`, returns the desired task count (or holds). */
export interface Policy {
  readonly intervalS: number;
  evaluate(view: FleetView): number | undefined;
  /** Why the last evaluation asked for what it did (asked only when it led to an action). */
  explain?(): string;
}

export interface PolicyContext {
  readonly fleet: FleetParams;
  readonly trace: Trace;
}

/** A named policy, built fresh for every run so no state leaks between runs. */
export interface PolicyFactory {
  readonly name: string;
  create(context: PolicyContext): Policy;
}

/**
 * What the Lambda would read from a simulated fleet, as the core's Readings: per-partition
 * offsets and the group's state (Kafka admin API), the service's counts (ECS) and CloudWatch
 * CPU/memory datapoints (already delayed by the fleet's metric delay). Lag per partition is the
 * core's own arithmetic. Faults turn readings into failed observations, as a failing adapter does.
 */

import {
  type LagSnapshot,
  partitionLag,
  type Readings,
  type ResourceSample,
} from '../../lambda/core/index.ts';
import type { FleetView } from '../policy.ts';

/** Simulated seconds map onto epoch milliseconds from a fixed instant: runs are reproducible. */
export const SIMULATION_EPOCH_MS = Date.UTC(2026, 0, 1);
const TOPIC = 'source';
/** CloudWatch returns the datapoints of the query window; the Lambda asks for the longest window. */
const RESOURCE_POINTS = 20;

/**
 * Which CloudWatch statistic of the service's CPU/memory the metrics source reads: `maximum`
 * (what lambda/adapters/metrics-source.ts reads: the busiest task, so a saturated worker on a hot
 * partition is not averaged away) or `average` (the service mean, for comparison).
 */
export type ResourceStatistic = 'average' | 'maximum';

/** Readings that fail at a step, each with the error its adapter would report. */
export type FailedReadings = Partial<Record<keyof Readings, string>>;

function lagOf(view: FleetView): LagSnapshot {
  const partitions = view.endOffsets.map((end, partition) => {
    const e = Math.floor(end);
    const committed = Math.floor(view.committedOffsets[partition] ?? 0);
    return { topic: TOPIC, partition, committed, end: e, start: 0 };
  });
  return {
    topics: [TOPIC],
    // The simulated group starts at the log start and never loses its offsets.
    partitions: partitions.map((p) => ({
      ...p,
      lag: partitionLag(p.committed, p.end, p.start, 'earliest'),
    })),
    partitionCount: view.partitions,
    group: view.rebalancing
      ? { state: 'PreparingRebalance', members: view.running }
      : { state: view.running > 0 ? 'Stable' : 'Empty', members: view.running },
  };
}

function resourcesOf(view: FleetView, statistic: ResourceStatistic): ResourceSample[] {
  const [cpuPoints, memoryPoints] =
    statistic === 'maximum' ? [view.busiestCpu, view.busiestMemory] : [view.cpu, view.memory];
  return cpuPoints.slice(-RESOURCE_POINTS).map((point, i, cpu) => ({
    at: SIMULATION_EPOCH_MS + point.atS * 1000,
    cpu: point.value,
    memory: memoryPoints[memoryPoints.length - cpu.length + i]?.value ?? null,
  }));
}

/** The readings of one step; a reading named in `failed` fails with its error. */
export function readingsOf(
  view: FleetView,
  statistic: ResourceStatistic = 'maximum',
  failed: FailedReadings = {},
): Readings {
  const read = <T>(error: string | undefined, value: () => T) =>
    error === undefined ? { ok: true as const, value: value() } : { ok: false as const, error };
  return {
    lag: read(failed.lag, () => lagOf(view)),
    resources: read(failed.resources, () => resourcesOf(view, statistic)),
    service: read(failed.service, () => ({
      desired: view.desired,
      running: view.running,
      pending: view.pending,
      deploying: false,
    })),
  };
}

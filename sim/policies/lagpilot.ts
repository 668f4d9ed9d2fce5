/**
 * lagpilot itself: the autoscaler's real decide() with the given rules, fed what the Lambda
 * would observe — per-partition offsets and the group's state from the Kafka admin API, the
 * service's desired/running/pending counts from ECS, CloudWatch CPU/memory datapoints (already
 * delayed by the fleet's metric delay) — and keeping its history with the autoscaler's own
 * recordStep, exactly as the Lambda persists it between invocations.
 */
import type { ScalingRules } from '../../autoscaler/core/config.ts';
import { decide } from '../../autoscaler/core/decide.ts';
import { recordStep } from '../../autoscaler/core/history.ts';
import {
  type Decision,
  EMPTY_STATE,
  type Observations,
  type ResourceSample,
  type ScalerState,
} from '../../autoscaler/core/types.ts';
import type { FleetView, Policy, PolicyFactory } from '../policy.ts';

/** Simulated seconds map onto epoch milliseconds from a fixed instant: runs are reproducible. */
export const SIMULATION_EPOCH_MS = Date.UTC(2026, 0, 1);
const TOPIC = 'source';
/** CloudWatch returns the datapoints of the query window; the Lambda asks for the longest window. */
const RESOURCE_POINTS = 20;

/**
 * Which CloudWatch statistic of the service's CPU/memory the metrics source reads: `maximum`
 * (what autoscaler/adapters/metrics-source.ts reads: the busiest task, so a saturated worker on a hot
 * partition is not averaged away) or `average` (the service mean, for comparison).
 */
export type ResourceStatistic = 'average' | 'maximum';

export function observationsOf(
  view: FleetView,
  state: ScalerState,
  statistic: ResourceStatistic = 'maximum',
): Observations {
  const partitions = view.endOffsets.map((end, partition) => {
    const e = Math.floor(end);
    const committed = Math.floor(view.committedOffsets[partition] ?? 0);
    return {
      topic: TOPIC,
      partition,
      committed,
      end: e,
      start: 0,
      lag: Math.max(0, e - committed),
    };
  });
  const [cpuPoints, memoryPoints] =
    statistic === 'maximum' ? [view.busiestCpu, view.busiestMemory] : [view.cpu, view.memory];
  const resources: ResourceSample[] = cpuPoints.slice(-RESOURCE_POINTS).map((point, i, cpu) => ({
    at: SIMULATION_EPOCH_MS + point.atS * 1000,
    cpu: point.value,
    memory: memoryPoints[memoryPoints.length - cpu.length + i]?.value ?? null,
  }));
  return {
    lag: {
      ok: true,
      value: {
        topics: [TOPIC],
        partitions,
        partitionCount: view.partitions,
        group: view.rebalancing
          ? { state: 'PreparingRebalance', members: view.running }
          : { state: view.running > 0 ? 'Stable' : 'Empty', members: view.running },
      },
    },
    resources: { ok: true, value: resources },
    service: {
      ok: true,
      value: {
        desired: view.desired,
        running: view.running,
        pending: view.pending,
        deploying: false,
      },
    },
    state,
  };
}

export class Lagpilot implements Policy {
  private state: ScalerState = EMPTY_STATE;
  private last: Decision | undefined;

  constructor(
    private readonly rules: ScalingRules,
    private readonly statistic: ResourceStatistic,
  ) {}

  /** Steps at the rules' LAGPILOT_STEP_INTERVAL, as the Lambda does. */
  get intervalS(): number {
    return this.rules.stepIntervalMs / 1000;
  }

  evaluate(view: FleetView): number {
    const now = SIMULATION_EPOCH_MS + view.nowS * 1000;
    const observations = observationsOf(view, this.state, this.statistic);
    const decision = decide(this.rules, observations, now);
    this.state = recordStep(this.rules, observations, decision, now);
    this.last = decision;
    return decision.to;
  }

  explain(): string {
    return this.last?.reasons.join('; ') ?? '';
  }
}

export function lagpilot(
  rules: ScalingRules,
  statistic: ResourceStatistic = 'maximum',
): PolicyFactory {
  return { name: 'lagpilot', create: () => new Lagpilot(rules, statistic) };
}

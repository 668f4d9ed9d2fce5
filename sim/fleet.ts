/**
 * The simulated fleet's parameters, with their documented defaults (docs/simulate.md).
 * Every policy runs against the same fleet.
 */
export interface FleetParams {
  /** Partitions of the source topic (a trace may change it mid-run). */
  readonly partitions: number;
  /** Messages per second one worker processes at 100 % CPU. */
  readonly capacity: number;
  /** Fewest / most tasks any policy may set. */
  readonly min: number;
  readonly max: number;
  /** The lag SLO: the oldest unconsumed message may be at most this old. */
  readonly sloS: number;
  /** From a raised desired count to the new task consuming (Fargate: image pull + start ≈ 60 s). */
  readonly startDelayS: number;
  /** Consumption stops group-wide for this long at every membership change (eager rebalance). */
  readonly rebalanceS: number;
  /** CloudWatch delay: a 1-minute CPU/memory datapoint becomes visible this long after its minute ends. */
  readonly metricDelayS: number;
  /** Consumed but not yet committed: the committed offset trails consumption by this much (worker commits after the produce ack). */
  readonly commitLagS: number;
  /** Produce skew across partitions: 0 = uniform; s > 0 weights partition i by 1/(i+1)^s. */
  readonly skew: number;
  /** Simulation time step. */
  readonly tickS: number;
  /** Worker CPU % when idle; CPU rises linearly to 100 % at full capacity. */
  readonly cpuIdle: number;
  /** Worker memory % when idle and at full capacity (buffers grow with load). */
  readonly memoryIdle: number;
  readonly memoryBusy: number;
}

export const DEFAULT_FLEET: FleetParams = {
  partitions: 12,
  capacity: 1000,
  min: 1,
  max: 12,
  sloS: 60,
  startDelayS: 60,
  rebalanceS: 15,
  metricDelayS: 120,
  commitLagS: 0.5,
  skew: 0,
  tickS: 1,
  cpuIdle: 5,
  memoryIdle: 30,
  memoryBusy: 50,
};

/** CPU % of a worker busy `utilization` (0–1) of the time. */
export function cpuPercent(fleet: FleetParams, utilization: number): number {
  return fleet.cpuIdle + (100 - fleet.cpuIdle) * utilization;
}

export function memoryPercent(fleet: FleetParams, utilization: number): number {
  return fleet.memoryIdle + (fleet.memoryBusy - fleet.memoryIdle) * utilization;
}

/**
 * The simulated fleet's parameters, with their documented defaults (docs/simulate.md).
 * Every policy runs against the same fleet.
 */
export interface FleetParams {
  /** Partitions of the source topic (a trace may change it mid-run). */
  readonly partitions: number;
  /** Messages per second one worker processes when saturated (its CPU then reads cpuAtCapacity). */
  readonly capacity: number;
  /** Fewest / most tasks any policy may set. */
  readonly min: number;
  readonly max: number;
  /** The lag SLO: the oldest unconsumed message may be at most this old. */
  readonly sloS: number;
  /** From a raised desired count to the new task consuming (Fargate: image pull + start ≈ 60 s). */
  readonly startDelayS: number;
  /**
   * Consumption stops group-wide for this long at every membership change (eager rebalance).
   * The default, 6 s, is the classic protocol with kafkajs 2.2.4 (the worker's consumer): every
   * partition consumed again 6.1–6.4 s after a scale-up, 3.0–3.1 s after a scale-down
   * (docs/benchmarks.md, Rebalance). KIP-848 pauses only the partitions it moves.
   */
  readonly rebalanceS: number;
  /** Each pause lasts rebalanceS × (1 ± spread), drawn uniformly from the fleet's seed. */
  readonly rebalanceSpread: number;
  /** CloudWatch delay: a 1-minute CPU/memory datapoint becomes visible this long after its minute ends. */
  readonly metricDelayS: number;
  /** Consumed but not yet committed: the committed offset trails consumption by this much (worker commits after the produce ack). */
  readonly commitLagS: number;
  /** Produce skew across partitions: 0 = uniform; s > 0 weights partition i by 1/(i+1)^s. */
  readonly skew: number;
  /** Simulation time step. */
  readonly tickS: number;
  /** Worker CPU % when idle. */
  readonly cpuIdle: number;
  /**
   * Worker CPU % when saturated: CPU rises linearly from cpuIdle to this at full capacity. 100 is
   * a CPU-bound worker; a worker bound by round trips (acks=all, one request in flight) or a
   * single-threaded Node process on a 2-vCPU task tops out well below (40–50 %).
   */
  readonly cpuAtCapacity: number;
  /** Each task's capacity is capacity × (1 ± noise), drawn uniformly when it starts. */
  readonly capacityNoise: number;
  /** Seed of the fleet's random draws (capacity noise, rebalance pauses): runs are reproducible. */
  readonly seed: number;
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
  rebalanceS: 6,
  rebalanceSpread: 0,
  metricDelayS: 120,
  commitLagS: 0.5,
  skew: 0,
  tickS: 1,
  cpuIdle: 5,
  cpuAtCapacity: 100,
  capacityNoise: 0,
  seed: 1,
  memoryIdle: 30,
  memoryBusy: 50,
};

/** CPU % of a worker busy `utilization` (0–1) of its capacity. */
export function cpuPercent(fleet: FleetParams, utilization: number): number {
  return fleet.cpuIdle + (fleet.cpuAtCapacity - fleet.cpuIdle) * utilization;
}

export function memoryPercent(fleet: FleetParams, utilization: number): number {
  return fleet.memoryIdle + (fleet.memoryBusy - fleet.memoryIdle) * utilization;
}

/** mulberry32: a tiny seeded PRNG, so traces and fleets are identical on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a policy sees of the simulation: a FleetView computed field by field on first read. */
import type { MessageAge } from './message-age.ts';
import type { FleetView, MetricPoint } from './policy.ts';

/** VISIBLE_POINTS datapoints of history are enough for any window a policy uses (≤ 1 h). */
const VISIBLE_POINTS = 60;

/** The simulation state a View reads. */
export interface ViewSources {
  readonly partitions: number;
  readonly ages: readonly MessageAge[];
  readonly committed: readonly number[];
  readonly desired: number;
  readonly running: number;
  readonly pending: readonly number[];
  readonly pausedUntil: number;
  readonly oldest: number;
  readonly cpuPoints: readonly MetricPoint[];
  readonly memoryPoints: readonly MetricPoint[];
  readonly busiestCpuPoints: readonly MetricPoint[];
  readonly busiestMemoryPoints: readonly MetricPoint[];
}

/**
 * A FleetView computed on a policy's first read of each field (most policies read a few), then
 * kept: offsets, backlog and datapoints cost nothing for a policy that does not look at them.
 */
export class View implements FleetView {
  readonly partitions: number;
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  readonly rebalancing: boolean;
  readonly oldestAgeS: number;
  private readonly horizon: number;
  private ends?: number[];
  private commits?: number[];
  private backlogs?: number[];
  private points?: MetricPoint[][];

  constructor(
    private readonly s: ViewSources,
    readonly nowS: number,
    readonly totalLag: number,
    metricDelayS: number,
  ) {
    this.partitions = s.partitions;
    this.desired = s.desired;
    this.running = s.running;
    this.pending = s.pending.length;
    this.rebalancing = nowS < s.pausedUntil;
    this.oldestAgeS = s.oldest;
    this.horizon = nowS - metricDelayS;
  }

  get endOffsets(): number[] {
    this.ends ??= this.s.ages.map((a) => a.produced);
    return this.ends;
  }
  get committedOffsets(): number[] {
    this.commits ??= this.s.committed.slice();
    return this.commits;
  }
  get backlog(): number[] {
    this.backlogs ??= this.s.ages.map((a) => a.backlog);
    return this.backlogs;
  }
  private series(i: number, from: readonly MetricPoint[]): MetricPoint[] {
    this.points ??= [];
    this.points[i] ??= visible(from, this.horizon);
    return this.points[i]!;
  }
  get cpu(): MetricPoint[] {
    return this.series(0, this.s.cpuPoints);
  }
  get memory(): MetricPoint[] {
    return this.series(1, this.s.memoryPoints);
  }
  get busiestCpu(): MetricPoint[] {
    return this.series(2, this.s.busiestCpuPoints);
  }
  get busiestMemory(): MetricPoint[] {
    return this.series(3, this.s.busiestMemoryPoints);
  }
}

/** Datapoints whose minute has ended at least metric-delay ago, newest last. */
function visible(points: readonly MetricPoint[], horizonS: number): MetricPoint[] {
  let end = points.length;
  while (end > 0 && points[end - 1]!.atS + 60 > horizonS) end--;
  return points.slice(Math.max(0, end - VISIBLE_POINTS), end);
}

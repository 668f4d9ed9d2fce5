/**
 * The discrete-time simulator: one topic, one consumer group of identical workers, one policy.
 *
 * Each tick: tasks whose start delay has passed join the group; a membership or partition-count
 * change reassigns partitions (range assignor) and pauses consumption group-wide for the
 * rebalance time (× 1 ± the pause spread); producers add the tick's messages to each partition by
 * its share; each worker spends its own capacity (the fleet's × 1 ± the capacity noise, drawn when
 * it starts) on the partitions it owns (max-min fair), for the part of the tick not paused. At every policy interval the
 * policy sees a FleetView (live offsets and counts, CloudWatch-delayed CPU/memory) and may set a
 * new desired count: more tasks start after the start delay, fewer stop at once (pending first).
 * Everything is deterministic: same trace + fleet + policy → same run.
 */
import {
  type Assignment,
  partitionShares,
  rangeAssignment,
  sustainableRate,
} from './assignment.ts';
import { cpuPercent, type FleetParams, memoryPercent, seeded } from './fleet.ts';
import { MessageAge } from './message-age.ts';
import type { MetricPoint, Policy, PolicyFactory } from './policy.ts';
import { forEachPiece, partitionsAt, type Trace, traceDurationS } from './trace.ts';
import { View, type ViewSources } from './view.ts';

/** One scaling action: the desired count changed (each one costs a rebalance). */
export interface ScalingAction {
  readonly atS: number;
  readonly from: number;
  readonly to: number;
  /** The policy's own explanation, when it gives one. */
  readonly reason?: string;
}

/** Per-minute series of one run (index = minute of the trace). */
export interface Run {
  readonly policy: string;
  readonly produceRate: Float64Array;
  /** Highest committed-offset lag (messages) seen within the minute. */
  readonly lag: Float64Array;
  /** Highest age of the oldest unconsumed message (seconds) reached within the minute (exact). */
  readonly lagSeconds: Float64Array;
  /** Tasks provisioned (pending + running) averaged over the minute: the cost basis. */
  readonly tasks: Float64Array;
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
  readonly actions: readonly ScalingAction[];
}

/** The smallest task count that sustains the trace's first rate: every run starts right-sized. */
export function initialTasks(trace: Trace, fleet: FleetParams): number {
  const partitions = partitionsAt(trace, 0, fleet.partitions);
  const shares = partitionShares(partitions, fleet.skew);
  const first = trace.rates[0] ?? 0;
  const top = Math.max(fleet.min, Math.min(fleet.max, partitions));
  for (let n = Math.max(1, fleet.min); n <= top; n++) {
    if (sustainableRate(shares, rangeAssignment(partitions, n), fleet.capacity) >= first) return n;
  }
  return top;
}

export function simulate(trace: Trace, fleet: FleetParams, factory: PolicyFactory): Run {
  const policy = factory.create({ fleet, trace });
  if (policy.intervalS % fleet.tickS !== 0) {
    throw new Error(
      `${factory.name}: its ${policy.intervalS}s interval is not a multiple of the ${fleet.tickS}s tick`,
    );
  }
  return new Simulation(trace, fleet, factory.name, policy).run();
}

/** The fleet's state through one run; each tick is join → produce → consume → observe → act. Fields a View reads are not private. */
class Simulation implements ViewSources {
  private readonly result: Run;
  private readonly actions: ScalingAction[] = [];
  private readonly duration: number;

  partitions: number;
  private shares: number[];
  readonly ages: MessageAge[] = [];
  readonly committed: number[] = [];
  private readonly consumed: number[] = [];

  desired: number;
  running: number;
  /** Start times of tasks not yet consuming, earliest first, and each one's capacity. */
  pending: number[] = [];
  private pendingCapacity: number[] = [];
  /** msg/s of each running task, in member order (the last to join leaves first). */
  private readonly capacities: number[] = [];
  /** The fleet's random draws: capacity noise and pause lengths. */
  private readonly random: () => number;
  private assignment: Assignment;
  pausedUntil = 0;
  /** Age of the oldest unconsumed message after the last tick. */
  oldest = 0;
  /** The highest age any partition reached within the current tick (not only at its end). */
  private tickPeak = 0;

  readonly cpuPoints: MetricPoint[] = [];
  readonly memoryPoints: MetricPoint[] = [];
  /** The busiest task's datapoints (CloudWatch's Maximum statistic over the service's tasks). */
  readonly busiestCpuPoints: MetricPoint[] = [];
  readonly busiestMemoryPoints: MetricPoint[] = [];

  /** Per task slot: Σ utilisation over the minute's ticks. */
  private readonly slotBusy: number[] = [];
  private readonly minute = {
    cpu: 0,
    memory: 0,
    samples: 0,
    taskSeconds: 0,
    produced: 0,
  };
  /** Scratch arrays of the per-worker fill (reused: no allocation per tick). */
  private readonly demand: number[] = [];
  private readonly grant: number[] = [];

  constructor(
    private readonly trace: Trace,
    private readonly fleet: FleetParams,
    name: string,
    private readonly policy: Policy,
  ) {
    this.duration = traceDurationS(trace);
    const minutes = Math.ceil(this.duration / 60);
    const series = () => new Float64Array(minutes);
    this.result = {
      policy: name,
      produceRate: series(),
      lag: series(),
      lagSeconds: series(),
      tasks: series(),
      cpu: series(),
      memory: series(),
      actions: this.actions,
    };
    this.partitions = 0;
    this.shares = [];
    this.setPartitions(partitionsAt(trace, 0, fleet.partitions));
    this.random = seeded(fleet.seed);
    this.desired = Math.max(fleet.min, Math.min(fleet.max, initialTasks(trace, fleet)));
    this.running = this.desired;
    for (let i = 0; i < this.running; i++) this.capacities.push(this.drawCapacity());
    this.assignment = rangeAssignment(this.partitions, this.running);
  }

  run(): Run {
    const dt = this.fleet.tickS;
    for (let t = 0; t < this.duration; t += dt) {
      this.join(t);
      this.produce(t, dt);
      this.consume(t, dt);
      const now = t + dt;
      const m = Math.floor(t / 60);
      const lag = this.observe(now, m);
      if (now % 60 === 0 || now >= this.duration) this.closeMinute(now, m);
      if (now % this.policy.intervalS === 0 && now < this.duration) this.consult(now, lag);
    }
    return this.result;
  }

  private setPartitions(partitions: number): void {
    for (let i = this.partitions; i < partitions; i++) {
      this.ages.push(new MessageAge());
      this.committed.push(0);
      this.consumed.push(0);
    }
    this.partitions = partitions;
    this.shares = partitionShares(partitions, this.fleet.skew);
  }

  private rebalance(now: number): void {
    this.assignment = rangeAssignment(this.partitions, this.running);
    const spread = this.fleet.rebalanceSpread;
    const pause = this.fleet.rebalanceS * (1 + (spread > 0 ? spread * (2 * this.random() - 1) : 0));
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
  }

  private drawCapacity(): number {
    const noise = this.fleet.capacityNoise;
    return this.fleet.capacity * (1 + (noise > 0 ? noise * (2 * this.random() - 1) : 0));
  }

  /** Tasks past their start delay join; a partition-count change is picked up. */
  private join(t: number): void {
    let changed = false;
    let joined = 0;
    while (joined < this.pending.length && this.pending[joined]! <= t) joined++;
    if (joined > 0) {
      this.pending = this.pending.slice(joined);
      this.capacities.push(...this.pendingCapacity.slice(0, joined));
      this.pendingCapacity = this.pendingCapacity.slice(joined);
      this.running += joined;
      changed = true;
    }
    const partitions = partitionsAt(this.trace, t, this.fleet.partitions);
    if (partitions !== this.partitions) {
      this.setPartitions(partitions);
      changed = true;
    }
    if (changed) this.rebalance(t);
  }

  private produce(t: number, dt: number): void {
    forEachPiece(this.trace, t, t + dt, (from, to, rate) => {
      for (let i = 0; i < this.partitions; i++) {
        this.ages[i]!.produce(from, to, rate * this.shares[i]! * (to - from));
      }
      this.minute.produced += rate * (to - from);
    });
  }

  /** Each worker spends its capacity × the unpaused part of the tick on the partitions it owns. */
  private consume(t: number, dt: number): void {
    const active = Math.min(1, Math.max(0, (t + dt - this.pausedUntil) / dt));
    // Consumption runs steadily over the unpaused end of the tick: [start, t + dt].
    const start = t + dt - active * dt;
    this.consumed.fill(0);
    this.tickPeak = 0;
    let cpu = 0;
    let memory = 0;
    for (let w = 0; w < this.running; w++) {
      const owned = this.assignment[w] ?? [];
      // CPU is judged against the whole tick's capacity: a paused worker idles.
      const budget = this.capacities[w]! * dt;
      let used = 0;
      if (active > 0 && owned.length > 0) {
        used = spend(owned, this.ages, budget * active, this.demand, this.grant);
        for (let k = 0; k < owned.length; k++) {
          const peak = this.ages[owned[k]!]!.consumeOver(this.grant[k]!, start, t + dt);
          if (peak > this.tickPeak) this.tickPeak = peak;
          this.consumed[owned[k]!] = this.grant[k]!;
        }
      }
      cpu += cpuPercent(this.fleet, used / budget);
      memory += memoryPercent(this.fleet, used / budget);
      this.slotBusy[w] = (this.slotBusy[w] ?? 0) + used / budget;
    }
    if (this.running > 0) {
      this.minute.cpu += cpu / this.running;
      this.minute.memory += memory / this.running;
      this.minute.samples++;
    }
    this.minute.taskSeconds += (this.running + this.pending.length) * dt;
  }

  /** Lag after the tick: committed-offset lag (returned) and the oldest message's age. */
  private observe(now: number, m: number): number {
    let lag = 0;
    let oldest = 0;
    for (let i = 0; i < this.partitions; i++) {
      const age = this.ages[i]!;
      // The worker commits after the produce ack: the committed offset trails by commitLagS.
      const trailing = (this.consumed[i]! / this.fleet.tickS) * this.fleet.commitLagS;
      this.committed[i] = Math.max(this.committed[i]!, age.consumed - trailing);
      lag += age.produced - this.committed[i]!;
      oldest = Math.max(oldest, age.ageAt(now));
    }
    this.oldest = oldest;
    const r = this.result;
    r.lag[m] = Math.max(r.lag[m]!, lag);
    // The minute is scored by the highest age reached in it, within a tick as well as at its end.
    r.lagSeconds[m] = Math.max(r.lagSeconds[m]!, oldest, this.tickPeak);
    return lag;
  }

  /** The minute's series values, and its CloudWatch datapoints. */
  private closeMinute(now: number, m: number): void {
    const span = now - m * 60;
    const r = this.result;
    const acc = this.minute;
    r.produceRate[m] = acc.produced / span;
    r.tasks[m] = acc.taskSeconds / span;
    if (acc.samples > 0) {
      r.cpu[m] = acc.cpu / acc.samples;
      r.memory[m] = acc.memory / acc.samples;
      this.cpuPoints.push({ atS: m * 60, value: r.cpu[m]! });
      this.memoryPoints.push({ atS: m * 60, value: r.memory[m]! });
      let busiest = 0;
      for (let w = 0; w < this.running; w++) busiest = Math.max(busiest, this.slotBusy[w] ?? 0);
      busiest /= acc.samples;
      this.busiestCpuPoints.push({ atS: m * 60, value: cpuPercent(this.fleet, busiest) });
      this.busiestMemoryPoints.push({ atS: m * 60, value: memoryPercent(this.fleet, busiest) });
    }
    Object.assign(acc, { cpu: 0, memory: 0, samples: 0, taskSeconds: 0, produced: 0 });
    this.slotBusy.fill(0);
  }

  /** The policy's turn: it sees the fleet as its own sources would show it. */
  private consult(now: number, lag: number): void {
    const wanted = this.policy.evaluate(new View(this, now, lag, this.fleet.metricDelayS));
    if (wanted === undefined) return;
    const next = Math.max(this.fleet.min, Math.min(this.fleet.max, Math.round(wanted)));
    if (next !== this.desired) this.setDesired(now, next);
  }

  /** More tasks start after the start delay; fewer: ECS stops tasks not yet started first. */
  private setDesired(now: number, next: number): void {
    const reason = this.policy.explain?.();
    this.actions.push({ atS: now, from: this.desired, to: next, ...(reason ? { reason } : {}) });
    this.desired = next;
    const provisioned = this.running + this.pending.length;
    if (next > provisioned) {
      for (let i = provisioned; i < next; i++) {
        this.pending.push(now + this.fleet.startDelayS);
        this.pendingCapacity.push(this.drawCapacity());
      }
      return;
    }
    const cancelled = Math.min(provisioned - next, this.pending.length);
    this.pending = this.pending.slice(0, this.pending.length - cancelled);
    this.pendingCapacity = this.pendingCapacity.slice(0, this.pending.length);
    const leaving = provisioned - next - cancelled;
    if (leaving > 0) {
      this.running -= leaving;
      this.capacities.length = this.running;
      this.rebalance(now);
    }
  }
}

/** One worker's tick: its budget shared max-min fairly by the backlog of the partitions it owns. */
function spend(
  owned: readonly number[],
  ages: readonly MessageAge[],
  budget: number,
  demand: number[],
  grant: number[],
): number {
  const k = owned.length;
  for (let i = 0; i < k; i++) demand[i] = ages[owned[i]!]!.backlog;
  // Fill in ascending order of demand (what a partition does not need goes to the others); k is
  // small (partitions per worker), so a selection over the unfilled ones is cheap and allocation-free.
  for (let i = 0; i < k; i++) grant[i] = -1;
  let remaining = budget;
  let total = 0;
  for (let left = k; left > 0; left--) {
    let pick = -1;
    for (let i = 0; i < k; i++) {
      if (grant[i]! < 0 && (pick < 0 || demand[i]! < demand[pick]!)) pick = i;
    }
    const give = Math.min(demand[pick]!, remaining / left);
    grant[pick] = give;
    remaining -= give;
    total += give;
  }
  return total;
}

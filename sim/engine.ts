/**
 * The discrete-time simulator: one topic, one consumer group of identical workers, one policy.
 *
 * Each tick: tasks whose start delay has passed join the group; a membership or partition-count
 * change reassigns partitions (range assignor) and pauses consumption group-wide for the
 * rebalance time; producers add the tick's messages to each partition by its share; each worker
 * spends its capacity on the partitions it owns (max-min fair). At every policy interval the
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
import { cpuPercent, type FleetParams, memoryPercent } from './fleet.ts';
import { MessageAge } from './message-age.ts';
import type { FleetView, MetricPoint, Policy, PolicyFactory } from './policy.ts';
import { partitionsAt, rateAt, type Trace, traceDurationS } from './trace.ts';

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
  readonly consumeRate: Float64Array;
  /** Highest committed-offset lag (messages) seen within the minute. */
  readonly lag: Float64Array;
  /** Highest age of the oldest unconsumed message (seconds) within the minute. */
  readonly lagSeconds: Float64Array;
  /** Tasks provisioned (pending + running) averaged over the minute: the cost basis. */
  readonly tasks: Float64Array;
  readonly desired: Float64Array;
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
  readonly actions: readonly ScalingAction[];
}

/** VISIBLE_POINTS datapoints of history are enough for any window a policy uses (≤ 1 h). */
const VISIBLE_POINTS = 60;

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
  const policy: Policy = factory.create({ fleet, trace });
  const dt = fleet.tickS;
  if (policy.intervalS % dt !== 0) {
    throw new Error(
      `${factory.name}: its ${policy.intervalS}s interval is not a multiple of the ${dt}s tick`,
    );
  }
  const duration = traceDurationS(trace);
  const minutes = Math.ceil(duration / 60);
  const run: Run = {
    policy: factory.name,
    produceRate: new Float64Array(minutes),
    consumeRate: new Float64Array(minutes),
    lag: new Float64Array(minutes),
    lagSeconds: new Float64Array(minutes),
    tasks: new Float64Array(minutes),
    desired: new Float64Array(minutes),
    cpu: new Float64Array(minutes),
    memory: new Float64Array(minutes),
    actions: [],
  };
  const actions = run.actions as ScalingAction[];

  let partitions = partitionsAt(trace, 0, fleet.partitions);
  let shares = partitionShares(partitions, fleet.skew);
  const ages: MessageAge[] = Array.from({ length: partitions }, () => new MessageAge());
  const committed: number[] = new Array(partitions).fill(0);
  const consumedThisTick: number[] = new Array(partitions).fill(0);

  let desired = Math.max(fleet.min, Math.min(fleet.max, initialTasks(trace, fleet)));
  let running = desired;
  let pendingReady: number[] = [];
  let assignment: Assignment = rangeAssignment(partitions, running);
  let pausedUntil = 0;

  const cpuPoints: MetricPoint[] = [];
  const memoryPoints: MetricPoint[] = [];
  // Per-minute accumulators.
  let minuteCpu = 0;
  let minuteMemory = 0;
  let minuteSamples = 0;
  let minuteTaskSeconds = 0;
  let minuteProduced = 0;
  let minuteConsumed = 0;

  const demand: number[] = [];
  const grant: number[] = [];

  for (let t = 0; t < duration; t += dt) {
    // 1. Membership: tasks past their start delay join; partition count changes.
    let changed = false;
    if (pendingReady.length > 0 && pendingReady[0]! <= t) {
      const joined = pendingReady.filter((r) => r <= t).length;
      pendingReady = pendingReady.slice(joined);
      running += joined;
      changed = true;
    }
    const p = partitionsAt(trace, t, fleet.partitions);
    if (p !== partitions) {
      for (let i = partitions; i < p; i++) {
        ages.push(new MessageAge());
        committed.push(0);
        consumedThisTick.push(0);
      }
      partitions = p;
      shares = partitionShares(partitions, fleet.skew);
      changed = true;
    }
    if (changed) {
      assignment = rangeAssignment(partitions, running);
      pausedUntil = t + fleet.rebalanceS;
    }

    // 2. Produce.
    const rate = rateAt(trace, t);
    for (let i = 0; i < partitions; i++) ages[i]!.produce(t, t + dt, rate * shares[i]! * dt);
    minuteProduced += rate * dt;

    // 3. Consume: each worker spends capacity × dt across its partitions, max-min fair.
    let cpuSum = 0;
    let memorySum = 0;
    consumedThisTick.fill(0);
    const paused = t < pausedUntil;
    for (let w = 0; w < running; w++) {
      const owned = assignment[w] ?? [];
      let used = 0;
      if (!paused && owned.length > 0) {
        used = spend(owned, ages, fleet.capacity * dt, demand, grant);
        for (let k = 0; k < owned.length; k++) {
          const part = owned[k]!;
          ages[part]!.consume(grant[k]!);
          consumedThisTick[part] = grant[k]!;
        }
      }
      const utilization = used / (fleet.capacity * dt);
      cpuSum += cpuPercent(fleet, utilization);
      memorySum += memoryPercent(fleet, utilization);
      minuteConsumed += used;
    }
    if (running > 0) {
      minuteCpu += cpuSum / running;
      minuteMemory += memorySum / running;
      minuteSamples++;
    }
    minuteTaskSeconds += (running + pendingReady.length) * dt;

    // 4. Observe the result of the tick.
    const now = t + dt;
    const m = Math.floor(t / 60);
    let lag = 0;
    let oldest = 0;
    for (let i = 0; i < partitions; i++) {
      const age = ages[i]!;
      // The worker commits after the produce ack: the committed offset trails by commitLagS.
      const trailing = (consumedThisTick[i]! / dt) * fleet.commitLagS;
      committed[i] = Math.max(committed[i]!, age.consumed - trailing);
      lag += age.produced - committed[i]!;
      const a = age.ageAt(now);
      if (a > oldest) oldest = a;
    }
    if (lag > run.lag[m]!) run.lag[m] = lag;
    if (oldest > run.lagSeconds[m]!) run.lagSeconds[m] = oldest;

    // 5. Close the minute: CloudWatch datapoints and the run's series.
    if (now % 60 === 0 || now >= duration) {
      const span = now - m * 60;
      run.produceRate[m] = minuteProduced / span;
      run.consumeRate[m] = minuteConsumed / span;
      run.tasks[m] = minuteTaskSeconds / span;
      if (minuteSamples > 0) {
        run.cpu[m] = minuteCpu / minuteSamples;
        run.memory[m] = minuteMemory / minuteSamples;
        cpuPoints.push({ atS: m * 60, value: run.cpu[m]! });
        memoryPoints.push({ atS: m * 60, value: run.memory[m]! });
      }
      minuteCpu = minuteMemory = minuteSamples = minuteTaskSeconds = 0;
      minuteProduced = minuteConsumed = 0;
    }

    // 6. The policy's turn.
    if (now % policy.intervalS === 0 && now < duration) {
      const view: FleetView = {
        nowS: now,
        partitions,
        endOffsets: ages.map((a) => a.produced),
        committedOffsets: committed.slice(),
        totalLag: lag,
        desired,
        running,
        pending: pendingReady.length,
        rebalancing: now < pausedUntil,
        cpu: visible(cpuPoints, now - fleet.metricDelayS),
        memory: visible(memoryPoints, now - fleet.metricDelayS),
        backlog: ages.map((a) => a.backlog),
      };
      const wanted = policy.evaluate(view);
      if (wanted !== undefined) {
        const next = Math.max(fleet.min, Math.min(fleet.max, Math.round(wanted)));
        if (next !== desired) {
          const reason = policy.explain?.();
          actions.push({ atS: now, from: desired, to: next, ...(reason ? { reason } : {}) });
          const provisioned = running + pendingReady.length;
          if (next > provisioned) {
            for (let i = provisioned; i < next; i++) pendingReady.push(now + fleet.startDelayS);
          } else if (next < provisioned) {
            // ECS stops tasks that have not started first; a stopped running task leaves the group.
            let excess = provisioned - next;
            const cancelled = Math.min(excess, pendingReady.length);
            pendingReady = pendingReady.slice(0, pendingReady.length - cancelled);
            excess -= cancelled;
            if (excess > 0) {
              running -= excess;
              assignment = rangeAssignment(partitions, running);
              pausedUntil = now + fleet.rebalanceS;
            }
          }
          desired = next;
        }
      }
    }
    run.desired[m] = desired;
  }
  return run;
}

/** Datapoints whose minute has ended at least metric-delay ago, newest last. */
function visible(points: readonly MetricPoint[], horizonS: number): MetricPoint[] {
  let end = points.length;
  while (end > 0 && points[end - 1]!.atS + 60 > horizonS) end--;
  return points.slice(Math.max(0, end - VISIBLE_POINTS), end);
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

/**
 * The look-ahead reference: a strong policy no real autoscaler can run, to state cost targets
 * against. It reads the whole trace ahead, the true backlog and the fleet's parameters, and uses
 * the SLO's allowance for backlog (it lets a backlog build as long as the oldest message stays
 * within the SLO, instead of buying capacity for every spike).
 *
 * Every minute it plays a fluid model of the group forward (produce from the trace, consume at
 * the rate the busiest worker of a balanced count allows, at the slowest capacity the noise can
 * give, with the rebalance pause each change costs, pauses at their longest) and:
 * - scales up when the count it has (with tasks already starting) would let the oldest message
 *   pass SLO × UP_MARGIN less one pause (the pause the new tasks' join will cost) within the next
 *   start delay + two pauses + UP_SLACK_S, to the smallest balanced count that keeps it within
 *   SLO × UP_MARGIN from when the new tasks have joined until HOLD_UP_S (what happens before they
 *   can join, no count changes);
 * - scales down to the smallest balanced count that keeps it 0.2 × SLO further below that
 *   trigger for HOLD_DOWN_S from now, its own pause included; never while tasks are starting or
 *   within HOLD_UP_S of a scale-up. Each change is judged with the pause it causes, and the up and
 *   down limits differ, so its own rebalances do not make it flap.
 */
import { partitionShares, rangeAssignment, sustainableRate } from '../assignment.ts';
import type { FleetParams } from '../fleet.ts';
import type { FleetView, Policy, PolicyContext, PolicyFactory } from '../policy.ts';
import { partitionsAt, type Trace } from '../trace.ts';

/** The age a scale-up aims to keep the oldest message under, as a fraction of the SLO. */
const UP_MARGIN = 0.8;
const UP_SLACK_S = 120;
const HOLD_UP_S = 10 * 60;
const HOLD_DOWN_S = 20 * 60;
const STEP_S = 5;

/** A plan to check: `from` tasks consume until `atS`, then (after a pause) `to` tasks. */
interface Plan {
  readonly from: number;
  readonly to: number;
  readonly atS: number;
}

export class Reference implements Policy {
  readonly intervalS = 60;
  private readonly produced: number[] = [0];
  private readonly rates = new Map<number, number>();
  /** Whether the trace changes the partition count (else it is the fleet's throughout). */
  private readonly changing: boolean;
  private joinAtS = 0;
  private lastUpS = Number.NEGATIVE_INFINITY;
  private reason = '';

  constructor(
    private readonly fleet: FleetParams,
    private readonly trace: Trace,
  ) {
    this.changing = (trace.partitionChanges?.length ?? 0) > 0;
    for (const rate of trace.rates) {
      this.produced.push(this.produced[this.produced.length - 1]! + rate * trace.intervalS);
    }
  }

  evaluate(view: FleetView): number | undefined {
    const now = view.nowS;
    const consumed = this.producedAt(now) - view.backlog.reduce((a, b) => a + b, 0);
    const current = view.desired;
    const pendingAt = view.pending > 0 ? Math.max(now, this.joinAtS) : now;
    const holding: Plan = { from: view.running, to: current, atS: pendingAt };
    const f = this.fleet;
    const pause = f.rebalanceS * (1 + f.rebalanceSpread);
    const soon = f.startDelayS + 2 * pause + UP_SLACK_S;
    const counts = this.balancedCounts(partitionsAt(this.trace, now, f.partitions));
    // Ordering more costs a start delay and a pause: order while the age still has room for both.
    const target = f.sloS * UP_MARGIN;
    const trigger = Math.max(f.sloS * 0.2, target - pause);
    if (!this.keeps(holding, now, consumed, soon, trigger, now)) {
      const atS = now + f.startDelayS;
      const joined = atS + pause;
      const more = counts.filter((n) => n > current);
      const plan = (n: number): Plan => ({ from: view.running, to: n, atS });
      // The smallest count that holds the target once joined; failing that, the SLO itself.
      const next =
        more.find((n) => this.keeps(plan(n), now, consumed, HOLD_UP_S, target, joined)) ??
        more.find((n) => this.keeps(plan(n), now, consumed, HOLD_UP_S, f.sloS, joined)) ??
        more[more.length - 1];
      if (next === undefined) return undefined;
      this.joinAtS = atS;
      this.lastUpS = now;
      this.reason = `the oldest message would pass ${Math.round(trigger)} s within ${soon} s on ${current} tasks`;
      return next;
    }
    if (view.pending > 0 || now - this.lastUpS < HOLD_UP_S) return undefined;
    const calm = Math.max(f.sloS * 0.1, trigger - f.sloS * 0.2);
    const down = counts.find(
      (n) =>
        n < current &&
        this.keeps({ from: current, to: n, atS: now }, now, consumed, HOLD_DOWN_S, calm, now),
    );
    if (down === undefined) return undefined;
    this.reason = `${down} tasks keep the oldest message within ${Math.round(calm)} s for ${HOLD_DOWN_S / 60} min`;
    return down;
  }

  explain(): string {
    return this.reason;
  }

  /** Counts from min to the cap at which ceil(P/n) drops: the only ones worth paying for. */
  private balancedCounts(partitions: number): number[] {
    const top = Math.max(this.fleet.min, Math.min(this.fleet.max, partitions));
    const out: number[] = [];
    for (let n = Math.max(1, this.fleet.min); n <= top; n++) {
      if (
        n === top ||
        Math.ceil(partitions / n) < Math.ceil(partitions / (n - 1 || 1)) ||
        n === this.fleet.min
      ) {
        out.push(n);
      }
    }
    return out;
  }

  /** Whether the fluid group keeps the oldest message within `limit` s over [fromS, now + horizon]. */
  private keeps(
    plan: Plan,
    now: number,
    consumedNow: number,
    horizonS: number,
    limit: number,
    fromS: number,
  ): boolean {
    const f = this.fleet;
    const pause = f.rebalanceS * (1 + f.rebalanceSpread);
    const changes = plan.to !== plan.from;
    // Past the trace's end the last rate goes on: traffic does not stop when the trace does.
    const end = now + horizonS;
    let consumed = consumedNow;
    for (let t = now; t < end; t += STEP_S) {
      const tasks = t < plan.atS ? plan.from : plan.to;
      const paused = changes
        ? Math.max(0, Math.min(t + STEP_S, plan.atS + pause) - Math.max(t, plan.atS))
        : 0;
      const active = 1 - paused / STEP_S;
      const rate = this.throughput(
        this.changing ? partitionsAt(this.trace, t, f.partitions) : f.partitions,
        tasks,
      );
      consumed = Math.min(this.producedAt(t + STEP_S), consumed + rate * active * STEP_S);
      if (t + STEP_S >= fromS && consumed < this.producedAt(t + STEP_S - limit) - 1e-6) {
        return false;
      }
    }
    return true;
  }

  /** What n workers sustain on P partitions: the busiest one's share bounds the group. */
  private throughput(partitions: number, n: number): number {
    const key = partitions * 4096 + n;
    let rate = this.rates.get(key);
    if (rate === undefined) {
      const f = this.fleet;
      rate = sustainableRate(
        partitionShares(partitions, f.skew),
        rangeAssignment(partitions, n),
        f.capacity * (1 - f.capacityNoise),
      );
      this.rates.set(key, rate);
    }
    return rate;
  }

  /** Messages produced by `tS` (the trace's rates, piecewise constant). */
  private producedAt(tS: number): number {
    if (tS <= 0) return 0;
    const interval = this.trace.intervalS;
    const i = Math.min(this.trace.rates.length, Math.floor(tS / interval));
    const rest = tS - i * interval;
    const rate = this.trace.rates[Math.min(i, this.trace.rates.length - 1)] ?? 0;
    return this.produced[i]! + rate * rest;
  }
}

export const reference: PolicyFactory = {
  name: 'reference',
  create: (context: PolicyContext) => new Reference(context.fleet, context.trace),
};

/**
 * The oracle: knows the whole trace and the true backlog of every partition, and buys the
 * smallest fleet that keeps the lag SLO — the limit the other policies are measured against.
 *
 * At each minute it needs, for every instant τ from now until its orders would take effect
 * (start delay + rebalance + one interval later), the smallest task count n (any n from min to
 * the partition count at τ) whose range assignment lets every worker carry its partitions'
 * produce rate at τ plus drain their current backlog within half the SLO:
 *   for every worker j:  Σ_{p ∈ j} (rate(τ) · share_p + backlog_p / (SLO/2)) ≤ capacity.
 * Only the current instant sees the backlog; future instants assume it drained. It sets the
 * maximum of those counts: scale-ups are ordered one start delay early, scale-downs happen as
 * soon as no instant in the look-ahead needs the capacity. It is greedy, not a global optimum
 * over rebalance costs, and it still pays the same start delays and rebalance pauses as every
 * other policy, so it is a near-lower bound on cost at (almost) no SLO violation.
 */
import { type Assignment, partitionShares, rangeAssignment } from '../assignment.ts';
import type { FleetParams } from '../fleet.ts';
import type { FleetView, Policy, PolicyContext, PolicyFactory } from '../policy.ts';
import { partitionsAt, rateAt, type Trace } from '../trace.ts';

export class Oracle implements Policy {
  readonly intervalS = 60;
  private readonly assignments = new Map<string, Assignment>();
  private readonly shares = new Map<number, number[]>();

  constructor(
    private readonly fleet: FleetParams,
    private readonly trace: Trace,
  ) {}

  evaluate(view: FleetView): number {
    const lookAhead = this.fleet.startDelayS + this.fleet.rebalanceS + this.intervalS;
    let wanted = this.need(view.nowS, view.backlog);
    const step = Math.min(this.trace.intervalS, 60);
    for (let tau = view.nowS + step; tau <= view.nowS + lookAhead; tau += step) {
      wanted = Math.max(wanted, this.need(tau, []));
    }
    return wanted;
  }

  /** Smallest count that carries rate(τ) plus the given backlog within SLO/2. */
  private need(tauS: number, backlog: readonly number[]): number {
    const partitions = partitionsAt(this.trace, tauS, this.fleet.partitions);
    const rate = rateAt(this.trace, tauS);
    const shares = this.sharesFor(partitions);
    const drainS = this.fleet.sloS / 2;
    const top = Math.max(this.fleet.min, Math.min(this.fleet.max, partitions));
    for (let n = Math.max(1, this.fleet.min); n < top; n++) {
      const fits = this.assignmentFor(partitions, n).every((owned) => {
        let load = 0;
        for (const p of owned) load += rate * shares[p]! + (backlog[p] ?? 0) / drainS;
        return load <= this.fleet.capacity;
      });
      if (fits) return n;
    }
    return top;
  }

  private sharesFor(partitions: number): number[] {
    let s = this.shares.get(partitions);
    if (!s) {
      s = partitionShares(partitions, this.fleet.skew);
      this.shares.set(partitions, s);
    }
    return s;
  }

  private assignmentFor(partitions: number, n: number): Assignment {
    const key = `${partitions}/${n}`;
    let a = this.assignments.get(key);
    if (!a) {
      a = rangeAssignment(partitions, n);
      this.assignments.set(key, a);
    }
    return a;
  }
}

export const oracle: PolicyFactory = {
  name: 'oracle',
  create: (context: PolicyContext) => new Oracle(context.fleet, context.trace),
};

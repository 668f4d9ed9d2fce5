/**
 * A lower bound on the instance-minutes any policy spends on a trace while keeping the lag SLO:
 * the optimum of a fluid relaxation of the simulator's model, solved exactly.
 *
 * Relaxation. In minute m a policy provisions n̄_m tasks on average (the score's cost basis);
 * min ≤ n̄_m ≤ max. Consumption in that minute is at most min(n̄_m, P_m) × capacity × (1 + noise)
 * × 60 s (running ≤ provisioned, a task beyond the partitions idles, min is concave; pauses and
 * uneven assignment only lower it), and the cumulative count consumed C never exceeds the
 * cumulative count produced A. The SLO holds at the end of minute m only if C(e_m) ≥ A(e_m − SLO)
 * (every message older than the SLO consumed). So n̄_m ≥ min + max(0, w_m − free_m) / K with
 * w_m the minute's work, free_m what min tasks do for nothing and K one task-minute of work:
 * cost ≥ minutes × min + (least total excess work) / K.
 *
 * Solution. R_m = max(L_m, R_{m+1} − ceiling_{m+1}) is what must be consumed by minute m for the
 * later deadlines to stay reachable; the path C_m = max(R_m, min(U_m, C_{m−1} + free_m)) does all
 * the free work it can, as early as it can, and excess work only when a deadline forces it. By
 * induction, any feasible path C′ has spent at least max(0, C′_m − C_m) more excess than this one
 * by every minute m, so its excess is least: the bound is exact for the relaxation, and no run of
 * the simulator can cost less (test/unit/sim-bound.test.ts checks both).
 */
import type { FleetParams } from './fleet.ts';
import { partitionsAt, type Trace, traceDurationS } from './trace.ts';

export interface Bound {
  /** No policy keeping the SLO in every minute where it can be kept spends fewer. */
  readonly instanceMinutes: number;
  /** Minutes in which no policy can keep the SLO (the produce rate exceeds what can be carried). */
  readonly unavoidableViolationMinutes: number;
}

/** Cumulative messages produced at each of `times` (ascending): the trace's rates integrated exactly, as the engine produces them. */
function producedAt(trace: Trace, times: readonly number[]): number[] {
  const I = trace.intervalS;
  const last = trace.rates.length - 1;
  const out: number[] = [];
  let i = 0;
  let before = 0;
  for (const t of times) {
    while (i < last && (i + 1) * I <= t) {
      before += trace.rates[i]! * I;
      i++;
    }
    out.push(t <= 0 ? 0 : before + (trace.rates[i] ?? 0) * (t - i * I));
  }
  return out;
}

/**
 * The bound for `trace` on `fleet`. `exempt[m]` lifts minute m's SLO constraint: given the minutes
 * a run violated, the bound for the rest must still be at most what that run spent.
 */
export function lowerBound(trace: Trace, fleet: FleetParams, exempt?: ArrayLike<boolean>): Bound {
  return lowerBounds(trace, fleet, [exempt])[0]!;
}

/** The bound for each set of exempt minutes (the model is built once). */
export function lowerBounds(
  trace: Trace,
  fleet: FleetParams,
  exempts: readonly (ArrayLike<boolean> | undefined)[],
): Bound[] {
  const duration = traceDurationS(trace);
  const minutes = Math.ceil(duration / 60);
  const perTask = fleet.capacity * (1 + fleet.capacityNoise) * 60;
  const ends: number[] = [];
  const deadlines: number[] = [];
  for (let m = 0; m < minutes; m++) {
    ends.push(Math.min(duration, (m + 1) * 60));
    deadlines.push(Math.max(0, ends[m]! - fleet.sloS));
  }
  const upper = producedAt(trace, ends);
  const due = producedAt(trace, deadlines);
  const ceiling: number[] = [];
  const free: number[] = [];
  for (let m = 0; m < minutes; m++) {
    let partitions = partitionsAt(trace, m * 60, fleet.partitions);
    for (const change of trace.partitionChanges ?? []) {
      if (change.atS > m * 60 && change.atS < ends[m]!)
        partitions = Math.max(partitions, change.partitions);
    }
    const span = (ends[m]! - m * 60) / 60;
    ceiling.push(Math.min(fleet.max, partitions) * perTask * span);
    free.push(Math.min(fleet.min, partitions) * perTask * span);
  }
  return exempts.map((exempt) => {
    const needs = due.map((d, m) => (exempt?.[m] ? 0 : d - 1e-9 * upper[m]! - 1e-3));
    const { excess, unavoidable } = leastExcess(upper, needs, ceiling, free);
    return {
      instanceMinutes: minutes * fleet.min + excess / perTask,
      unavoidableViolationMinutes: unavoidable,
    };
  });
}

/**
 * The least excess work (beyond the free work) of a cumulative path C with C_m ≤ upper_m,
 * 0 ≤ C_m − C_{m−1} ≤ ceiling_m and C_m ≥ need_m wherever reachable; `unavoidable` counts the
 * minutes whose need no path reaches.
 */
export function leastExcess(
  upper: readonly number[],
  need: readonly number[],
  ceiling: readonly number[],
  free: readonly number[],
): { excess: number; unavoidable: number } {
  const minutes = upper.length;
  // The most that can have been consumed by each minute's end; needs beyond it are unavoidable.
  const lower: number[] = [];
  let reach = 0;
  let unavoidable = 0;
  for (let m = 0; m < minutes; m++) {
    reach = Math.min(upper[m]!, reach + ceiling[m]!);
    if (need[m]! > reach) unavoidable++;
    lower.push(Math.min(need[m]!, reach));
  }
  for (let m = minutes - 2; m >= 0; m--) {
    lower[m] = Math.max(lower[m]!, lower[m + 1]! - ceiling[m + 1]!);
  }
  let consumed = 0;
  let excess = 0;
  for (let m = 0; m < minutes; m++) {
    const freely = Math.min(upper[m]!, consumed + free[m]!);
    if (lower[m]! > freely) excess += lower[m]! - freely;
    consumed = Math.max(lower[m]!, freely);
  }
  return { excess, unavoidable };
}

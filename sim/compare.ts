/** Runs one trace through every policy on the same fleet, scores the runs, bounds the cost. */
import { type Bound, lowerBound } from './bound.ts';
import { type Run, simulate } from './engine.ts';
import { type Feasibility, feasibility } from './feasibility.ts';
import type { FleetParams } from './fleet.ts';
import type { PolicyFactory } from './policy.ts';
import { type Score, score } from './score.ts';
import type { Trace } from './trace.ts';

export interface Comparison {
  readonly trace: Trace;
  readonly fleet: FleetParams;
  readonly runs: readonly Run[];
  readonly scores: readonly Score[];
  readonly bound: Bound;
  readonly feasibility: Feasibility;
}

export function compare(
  trace: Trace,
  fleet: FleetParams,
  policies: readonly PolicyFactory[],
): Comparison {
  const runs = policies.map((policy) => simulate(trace, fleet, policy));
  return {
    trace,
    fleet,
    runs,
    scores: runs.map((run) => score(run, fleet.sloS)),
    bound: lowerBound(trace, fleet),
    feasibility: feasibility(trace, fleet),
  };
}

/** Runs one trace through every policy on the same fleet and scores the runs. */
import { type Run, simulate } from './engine.ts';
import type { FleetParams } from './fleet.ts';
import type { PolicyFactory } from './policy.ts';
import { type Score, score } from './score.ts';
import type { Trace } from './trace.ts';

export interface Comparison {
  readonly trace: Trace;
  readonly runs: readonly Run[];
  readonly scores: readonly Score[];
}

export function compare(
  trace: Trace,
  fleet: FleetParams,
  policies: readonly PolicyFactory[],
): Comparison {
  const runs = policies.map((policy) => simulate(trace, fleet, policy));
  return { trace, runs, scores: runs.map((run) => score(run, fleet.sloS)) };
}

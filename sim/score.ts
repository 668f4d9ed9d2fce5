/** The figures a run is judged on. */
import type { Run } from './engine.ts';

export interface Score {
  readonly policy: string;
  /** Minutes in which the oldest unconsumed message got older than the SLO. */
  readonly sloViolationMinutes: number;
  /** Share of the trace's minutes in which the SLO held, in percent (3 decimals). */
  readonly sloAttainment: number;
  readonly peakLag: number;
  readonly peakLagSeconds: number;
  /** Σ provisioned (pending + running) tasks × minutes: what Fargate bills. */
  readonly instanceMinutes: number;
  /** Desired-count changes; each one costs the group a rebalance. */
  readonly actions: number;
}

export function score(run: Run, sloS: number): Score {
  let violations = 0;
  let peakLag = 0;
  let peakLagSeconds = 0;
  let instanceMinutes = 0;
  for (let m = 0; m < run.lag.length; m++) {
    if (run.lagSeconds[m]! > sloS) violations++;
    peakLag = Math.max(peakLag, run.lag[m]!);
    peakLagSeconds = Math.max(peakLagSeconds, run.lagSeconds[m]!);
    instanceMinutes += run.tasks[m]!;
  }
  return {
    policy: run.policy,
    sloViolationMinutes: violations,
    sloAttainment: attainment(violations, run.lag.length),
    peakLag: Math.round(peakLag),
    peakLagSeconds: Math.round(peakLagSeconds),
    instanceMinutes: Math.round(instanceMinutes),
    actions: run.actions.length,
  };
}

/** Percent of `minutes` in which the SLO held, to 3 decimals (100 for an empty run). */
export function attainment(violationMinutes: number, minutes: number): number {
  return minutes > 0 ? Math.round((1 - violationMinutes / minutes) * 100_000) / 1000 : 100;
}

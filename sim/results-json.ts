/** `--json`: a comparison as data, so tuning can be scripted. */
import type { Comparison } from './compare.ts';
import { fleetLabel } from './fleet-label.ts';
import type { AppliedSampling } from './sampling.ts';
import type { Score } from './score.ts';
import { checkTargets } from './table.ts';

export interface ComparisonJson {
  readonly trace: string;
  readonly fleet: string;
  /** The tick the trace ran at, and the noise and phase it was sampled with (null: none). */
  readonly tickS: number;
  readonly sampling: AppliedSampling | null;
  readonly feasible: boolean;
  readonly peakRate: number;
  readonly ceilingRate: number;
  readonly policies: readonly Score[];
  readonly bound: {
    readonly instanceMinutes: number;
    readonly unavoidableViolationMinutes: number;
  };
  readonly verdict: { readonly met: boolean; readonly misses: readonly string[] } | null;
}

export function comparisonJson(c: Comparison): ComparisonJson {
  return {
    trace: c.trace.name,
    fleet: fleetLabel(c.fleet),
    tickS: c.fleet.tickS,
    sampling: c.trace.sampling ?? null,
    feasible: c.feasibility.feasible,
    peakRate: Math.round(c.feasibility.peakRate),
    ceilingRate: Math.round(c.feasibility.ceilingRate),
    policies: c.scores.map((s) => ({ ...s })),
    bound: {
      instanceMinutes: Math.floor(c.bound.instanceMinutes),
      unavoidableViolationMinutes: c.bound.unavoidableViolationMinutes,
    },
    verdict: checkTargets(c.scores) ?? null,
  };
}

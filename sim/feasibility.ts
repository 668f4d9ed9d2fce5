/** Whether a trace's peak fits what the partition cap lets the fleet carry at all. */
import { partitionShares, rangeAssignment, sustainableRate } from './assignment.ts';
import type { FleetParams } from './fleet.ts';
import { partitionsAt, type Trace } from './trace.ts';

export interface Feasibility {
  /** The sample that strains the fleet most (highest rate ÷ ceiling) … */
  readonly peakRate: number;
  /** … and the most the fleet sustains then at its largest useful count, min(max, partitions). */
  readonly ceilingRate: number;
  readonly feasible: boolean;
}

export function feasibility(trace: Trace, fleet: FleetParams): Feasibility {
  const ceilings = new Map<number, number>();
  let worst = { peakRate: 0, ceilingRate: 1, ratio: -1 };
  for (let i = 0; i < trace.rates.length; i++) {
    const partitions = partitionsAt(trace, i * trace.intervalS, fleet.partitions);
    let ceiling = ceilings.get(partitions);
    if (ceiling === undefined) {
      ceiling = sustainableRate(
        partitionShares(partitions, fleet.skew),
        rangeAssignment(partitions, Math.max(1, Math.min(fleet.max, partitions))),
        fleet.capacity * (1 + fleet.capacityNoise),
      );
      ceilings.set(partitions, ceiling);
    }
    const rate = trace.rates[i]!;
    if (rate / ceiling > worst.ratio)
      worst = { peakRate: rate, ceilingRate: ceiling, ratio: rate / ceiling };
  }
  return { peakRate: worst.peakRate, ceilingRate: worst.ceilingRate, feasible: worst.ratio <= 1 };
}

/** The warning printed with a trace the fleet cannot carry. */
export function feasibilityWarning(f: Feasibility): string | undefined {
  if (f.feasible) return undefined;
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  return `infeasible: the peak of ${n(f.peakRate)} msg/s exceeds the ${n(f.ceilingRate)} msg/s the partition cap lets the fleet carry, so no policy can keep the SLO through it`;
}

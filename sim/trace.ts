import type { AppliedSampling } from './sampling.ts';

/** A traffic trace: the produce rate over time, and optionally partition-count changes. */
export interface Trace {
  readonly name: string;
  readonly description: string;
  /** Seconds between samples; rates[i] holds over [i × intervalS, (i + 1) × intervalS). */
  readonly intervalS: number;
  /** Total produce rate of the topic, messages per second. */
  readonly rates: readonly number[];
  /** Partition count from a given second on (a topic's partitions can be increased mid-run). */
  readonly partitionChanges?: readonly PartitionChange[];
  /** Where the data comes from and under which licence (a real trace's first `#` line). */
  readonly source?: string;
  /** The tick this trace runs at unless --tick is given. @default - the fleet's tick */
  readonly tickS?: number;
  /** Samples of measured traffic: noise within a sample and a random phase apply by default. */
  readonly measured?: boolean;
  /** The noise and phase this trace was resampled with (sampling.ts). @default - none */
  readonly sampling?: AppliedSampling;
}

export interface PartitionChange {
  readonly atS: number;
  readonly partitions: number;
}

export function traceDurationS(trace: Trace): number {
  return trace.rates.length * trace.intervalS;
}

/**
 * The largest of `values` and `floor`. A loop, not a spread: a long trace's samples or a long
 * run's minutes overflow the call stack as a call's arguments.
 */
export function maxOf(values: ArrayLike<number>, floor = Number.NEGATIVE_INFINITY): number {
  let max = floor;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
  return max;
}

/**
 * Calls `piece(fromS, toS, rate)` for each stretch of constant rate within [t0, t1], in order: a
 * tick may span several samples (a fine or phase-shifted trace), and each keeps its own rate.
 */
export function forEachPiece(
  trace: Trace,
  t0: number,
  t1: number,
  piece: (fromS: number, toS: number, rate: number) => void,
): void {
  const last = trace.rates.length - 1;
  let from = t0;
  while (from < t1) {
    let i = Math.min(last, Math.max(0, Math.floor(from / trace.intervalS)));
    const rate = trace.rates[i] ?? 0;
    // Samples of one rate in a row are one stretch (a resampled trace repeats a rate for a while).
    while (i < last && (i + 1) * trace.intervalS < t1 && trace.rates[i + 1] === rate) i++;
    const to = i === last ? t1 : Math.min(t1, (i + 1) * trace.intervalS);
    piece(from, to, rate);
    from = to;
  }
}

export function rateAt(trace: Trace, tS: number): number {
  const i = Math.min(trace.rates.length - 1, Math.max(0, Math.floor(tS / trace.intervalS)));
  return trace.rates[i] ?? 0;
}

/** Partition count at `tS`: the last change at or before it, else the fleet's initial count. */
export function partitionsAt(trace: Trace, tS: number, initial: number): number {
  let partitions = initial;
  for (const change of trace.partitionChanges ?? []) {
    if (change.atS <= tS) partitions = change.partitions;
  }
  return partitions;
}

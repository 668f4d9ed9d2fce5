/**
 * The produce-rate history `lagpilot tune` replays: a trace (a CSV or a built-in trace, or the
 * autoscaler's own CloudWatch metrics), the gaps it had and the fleet facts its metrics carried.
 * Tuning splits it by time: the older two thirds to choose on, the newest third to check the
 * choice on, each replayed as measured traffic (noise within a sample, a random phase).
 */
import { samplingFor, withSampling } from '../sim/sampling.ts';
import { type Trace, traceDurationS } from '../sim/trace.ts';
import { TraceError } from '../sim/trace-csv.ts';
import { loadTrace } from '../sim/traces.ts';

/** A stretch with no datapoint: replayed at the last rate before it, and reported. */
export interface Gap {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Fleet facts the autoscaler published, when it did (each one a median of what it reported). */
export interface PublishedFacts {
  /** Messages per second one task consumes (TaskCapacity). */
  readonly capacity?: number;
  /** Seconds from a raised desired count to a consuming member (TaskStartSeconds). */
  readonly startDelayS?: number;
  /** The topic's partitions (Partitions, the latest). */
  readonly partitions?: number;
  /** The task cap, min(max, partitions) (TaskCap, the latest). */
  readonly taskCap?: number;
}

/** The sample interval of one stretch of the history (CloudWatch keeps coarser ones longer). */
export interface Resolution {
  readonly fromMs: number;
  readonly toMs: number;
  readonly periodS: number;
}

export interface History {
  /** Where it came from, for the report. */
  readonly source: string;
  readonly trace: Trace;
  /** Epoch ms of the first sample, when known. */
  readonly startMs?: number;
  readonly gaps: readonly Gap[];
  readonly resolutions: readonly Resolution[];
  readonly facts: PublishedFacts;
}

/** A CSV of timestamp,produce_rate (or a built-in trace by name), as `simulate --trace` reads it. */
export function csvHistory(spec: string): History {
  const trace = loadTrace(spec);
  return { source: spec, trace, gaps: [], resolutions: [], facts: {} };
}

/** The older part (tuned on) and the newest part (checked on), split at a sample boundary. */
export interface Split {
  readonly tune: Trace;
  readonly held: Trace;
  /** Seconds from the start of the history to the first held-out sample. */
  readonly atS: number;
}

/** The share of the history tuned on; the rest, the newest, is held out. */
export const TUNE_SHARE = 2 / 3;

/**
 * The history split by time, each part replayed as measured traffic from the given seed: the
 * held-out part is never seen by the search, and starts as a fresh deployment would meet it.
 */
export function splitHistory(trace: Trace, seed: number): Split {
  const at = Math.floor(trace.rates.length * TUNE_SHARE);
  if (at < 2 || trace.rates.length - at < 2) {
    throw new TraceError(
      `${trace.name}: ${trace.rates.length} samples are too few to tune on two thirds and check on the newest third; give a longer history`,
    );
  }
  const part = (suffix: string, rates: readonly number[]): Trace => {
    const raw: Trace = {
      name: `${trace.name} (${suffix})`,
      description: `${trace.description}, ${suffix}`,
      intervalS: trace.intervalS,
      rates,
      measured: true,
    };
    return withSampling(raw, samplingFor(raw, {}, seed));
  };
  return {
    tune: part('older 2/3', trace.rates.slice(0, at)),
    held: part('newest 1/3', trace.rates.slice(at)),
    atS: at * trace.intervalS,
  };
}

/** Days a trace spans. */
export const daysOf = (trace: Trace): number => traceDurationS(trace) / 86_400;

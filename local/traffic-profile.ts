/**
 * What the traffic generator follows: a produce rate over (local) time. Built-ins are relative
 * to one worker's capacity, so every surge is several times what one worker absorbs whatever
 * `--capacity` is; a CSV (timestamp,produce_rate, as `lagpilot simulate` reads) is played at its
 * own rates with its time divided by the time scale (a 1-minute sample lasts 5 s at scale 12).
 */

import { UsageError } from '../kit/cli.ts';
import { rateAt, traceDurationS } from '../sim/trace.ts';
import { loadTrace } from '../sim/traces.ts';

export interface TrafficProfile {
  readonly name: string;
  readonly description: string;
  /** Length when --duration is not given. */
  readonly durationMs: number;
  /** Messages per second at `ms` after the start, for a run of `totalMs`. */
  rateAt(ms: number, totalMs: number): number;
}

/** Piecewise-constant phases as [share of the run, rate in units of one worker's capacity]. */
function phased(
  name: string,
  description: string,
  capacity: number,
  phases: readonly (readonly [number, number])[],
): TrafficProfile {
  return {
    name,
    description,
    durationMs: 5 * 60_000,
    rateAt(ms, totalMs) {
      let edge = 0;
      for (const [share, load] of phases) {
        edge += share * totalMs;
        if (ms < edge) return load * capacity;
      }
      return (phases.at(-1)?.[1] ?? 0) * capacity;
    },
  };
}

const BUILT_IN: Record<string, (capacity: number) => TrafficProfile> = {
  surge: (c) =>
    phased('surge', 'quiet (½ worker) 20 %, surge (5 workers) 30 %, quiet 50 %', c, [
      [0.2, 0.5],
      [0.3, 5],
      [0.5, 0.5],
    ]),
  ramp: (c) => ({
    name: 'ramp',
    description: 'linear ramp from ½ worker to 6 workers at mid-run and back',
    durationMs: 5 * 60_000,
    rateAt: (ms, totalMs) => c * (0.5 + 5.5 * (1 - Math.abs((2 * ms) / totalMs - 1))),
  }),
  steady: (c) => phased('steady', 'a constant 2 workers of load', c, [[1, 2]]),
  spiky: (c) =>
    phased('spiky', 'quiet (⅓ worker) with two sudden 10× jumps (3⅓ workers) of 15 % each', c, [
      [0.2, 1 / 3],
      [0.15, 10 / 3],
      [0.25, 1 / 3],
      [0.15, 10 / 3],
      [0.25, 1 / 3],
    ]),
};

export const BUILT_IN_PROFILES = Object.keys(BUILT_IN);

export function loadProfile(spec: string, capacity: number, timeScale: number): TrafficProfile {
  const builtIn = BUILT_IN[spec];
  if (builtIn) return builtIn(capacity);
  if (!spec.toLowerCase().endsWith('.csv')) {
    throw new UsageError(
      `--profile "${spec}": give a built-in (${BUILT_IN_PROFILES.join(', ')}) or a .csv file of timestamp,produce_rate`,
    );
  }
  const trace = loadTrace(spec);
  return {
    name: trace.name,
    description: `${spec} (time ÷ ${timeScale})`,
    durationMs: (traceDurationS(trace) * 1000) / timeScale,
    rateAt: (ms) => rateAt(trace, (ms * timeScale) / 1000),
  };
}

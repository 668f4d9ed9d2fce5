/**
 * Sampling a trace the way real traffic arrives: a sample's rate is its interval's mean, not a
 * rate held flat (seeded noise within the sample, keeping its mean), and its jumps do not land on
 * the policies' evaluation boundaries (the samples shifted by a phase against the evaluations).
 * On by default for measured traces, so that no policy profits from a noise-free step shape.
 */
import { UsageError } from '../kit/cli.ts';
import { seeded } from './fleet.ts';
import { maxOf, type Trace } from './trace.ts';

export interface Sampling {
  /** Each piece of a sample × (1 ± noise) (uniform), the sample's mean kept. */
  readonly noise: number;
  /** Seconds the samples are shifted by, or a seeded draw in [0, interval). */
  readonly phaseS: number | 'random';
  readonly seed: number;
}

/** The sampling a trace was given, as recorded in the output. */
export interface AppliedSampling {
  readonly noise: number;
  readonly phaseS: number;
  readonly seed: number;
  /** Length of each noise piece within a sample (4 per sample). */
  readonly pieceS: number;
}

/** Noise pieces per sample. */
const PIECES = 4;

/** Sampling is on by default for measured traces only. */
export const MEASURED_DEFAULT = { noise: 0.2, phaseS: 'random' } as const;

/** What --sample-noise / --sample-phase set; unset: the trace's default. */
export interface SamplingFlags {
  readonly noise?: number;
  readonly phaseS?: number | 'random';
}

/** The sampling a trace runs with: the flags given, else on for measured traces and off for shapes. */
export function samplingFor(trace: Trace, flags: SamplingFlags, seed: number): Sampling {
  const base = trace.measured ? MEASURED_DEFAULT : { noise: 0, phaseS: 0 };
  return { noise: flags.noise ?? base.noise, phaseS: flags.phaseS ?? base.phaseS, seed };
}

/** The resolution of a sampled trace: 5 s when the interval allows, else 1 s. */
function gridOf(intervalS: number): number {
  return intervalS % (5 * PIECES) === 0 ? 5 : 1;
}

/** A stable number from a trace's name, so each trace draws its own phase from one seed. */
function hashOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The phase `sampling` gives `trace` (seconds, a multiple of the grid in [0, interval)). */
function phaseOf(trace: Trace, sampling: Sampling, random: () => number, grid: number): number {
  if (sampling.phaseS === 'random') return grid * Math.floor(random() * (trace.intervalS / grid));
  if (sampling.phaseS % grid !== 0 || sampling.phaseS < 0 || sampling.phaseS >= trace.intervalS) {
    throw new UsageError(
      `--sample-phase ${sampling.phaseS}: must be a multiple of ${grid} s in [0, ${trace.intervalS}) for trace ${trace.name} (its sample interval)`,
    );
  }
  return sampling.phaseS;
}

/** Noise factors for one sample: PIECES draws of 1 ± noise, scaled to average 1. */
function factors(noise: number, random: () => number): number[] {
  const raw = Array.from({ length: PIECES }, () => 1 + noise * (2 * random() - 1));
  const mean = raw.reduce((a, b) => a + b, 0) / PIECES;
  return raw.map((f) => f / mean);
}

/**
 * `trace` resampled at a fine grid: sample i holds over [i × I + phase, (i + 1) × I + phase)
 * (the first sample also before it, the last cut at the trace's end), each of its PIECES pieces ×
 * its noise factor, never above the trace's own peak (a clipped export stays clipped). Without
 * noise and phase, the trace itself.
 */
export function withSampling(trace: Trace, sampling: Sampling): Trace {
  if (sampling.noise === 0 && sampling.phaseS === 0) return trace;
  const I = trace.intervalS;
  const grid = gridOf(I);
  const random = seeded(hashOf(`${sampling.seed}:${trace.name}`));
  const phaseS = phaseOf(trace, sampling, random, grid);
  const pieceS = I / PIECES;
  const peak = maxOf(trace.rates);
  const perSample = I / grid;
  const rates = new Array<number>(trace.rates.length * perSample);
  // Sample -1 is the first sample's rate before its shifted start: it gets its own noise too.
  let sample = -1;
  let noise = factors(sampling.noise, random);
  for (let j = 0; j < rates.length; j++) {
    const at = j * grid - phaseS;
    const i = Math.floor(at / I);
    while (sample < i) {
      sample++;
      noise = factors(sampling.noise, random);
    }
    const piece = Math.floor((at - i * I) / pieceS);
    const rate = trace.rates[Math.max(0, i)]!;
    rates[j] = Math.min(peak, rate * noise[piece]!);
  }
  return {
    ...trace,
    intervalS: grid,
    rates,
    sampling: { noise: sampling.noise, phaseS, seed: sampling.seed, pieceS },
  };
}

/** The sampling line under a trace's heading. */
export function samplingText(s: AppliedSampling): string {
  const noise =
    s.noise > 0
      ? `noise ±${Math.round(s.noise * 100)} % per ${s.pieceS} s within each sample (its mean kept, never above the trace's peak)`
      : 'no noise within a sample';
  return `Sampling: ${noise}; samples shifted ${s.phaseS} s against the policies' evaluations; seed ${s.seed}.`;
}

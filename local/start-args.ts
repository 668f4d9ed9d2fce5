/**
 * The `lagpilot start` command line: options with their defaults, checked at once with the
 * option named.
 */
import { resolve } from 'node:path';
import { count, durationFlag, numberFlag, parseFlags, positive } from '../kit/cli.ts';
import { durationText } from '../kit/duration.ts';

export const START_DEFAULTS = {
  profile: 'surge',
  partitions: 12,
  capacity: 200,
  cadenceMs: 5_000,
  timeScale: 12,
} as const;

export const START_USAGE = `usage: lagpilot start [options]

  --duration <d>      how long to run, e.g. 90s, 4m (default: the profile's own length)
  --profile <p>       surge, ramp, steady, spiky, or a CSV of timestamp,produce_rate (${START_DEFAULTS.profile})
  --partitions <n>    source topic partitions (${START_DEFAULTS.partitions})
  --capacity <msg/s>  one worker's throughput (MIRROR_MAX_RATE per instance) (${START_DEFAULTS.capacity})
  --cadence <d>       control step period (${durationText(START_DEFAULTS.cadenceMs)})
  --time-scale <k>    rule windows and cooldowns (and CSV time) divided by k (${START_DEFAULTS.timeScale})
  --out <dir>         report folder (docs/reports/local-<timestamp>)

Scaling rules come from LAGPILOT_* environment variables, as for the Lambda.
KAFKA_BROKERS uses an existing cluster instead of starting a local broker.
`;

export interface StartOptions {
  /** Undefined: the profile's own length. */
  readonly durationMs: number | undefined;
  readonly profile: string;
  readonly partitions: number;
  /** Messages per second per worker. */
  readonly capacity: number;
  readonly cadenceMs: number;
  readonly timeScale: number;
  readonly outDir: string;
}

const START_FLAGS = [
  'duration',
  'profile',
  'partitions',
  'capacity',
  'cadence',
  'time-scale',
  'out',
] as const;

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z');

export function parseStartArgs(argv: readonly string[], now = new Date()): StartOptions {
  const values = parseFlags(
    argv,
    Object.fromEntries(START_FLAGS.map((flag) => [flag, { type: 'string' as const }])),
  );
  const text = (k: string) => values[k] as string | undefined;
  return {
    durationMs: durationFlag('duration', text('duration')),
    profile: text('profile') ?? START_DEFAULTS.profile,
    partitions:
      numberFlag('partitions', text('partitions'), count, 'a positive whole number') ??
      START_DEFAULTS.partitions,
    capacity:
      numberFlag('capacity', text('capacity'), positive, 'a positive number') ??
      START_DEFAULTS.capacity,
    cadenceMs: durationFlag('cadence', text('cadence')) ?? START_DEFAULTS.cadenceMs,
    timeScale:
      numberFlag('time-scale', text('time-scale'), positive, 'a positive number') ??
      START_DEFAULTS.timeScale,
    outDir: resolve(text('out') ?? `docs/reports/local-${stamp(now)}`),
  };
}

/**
 * The `lagpilot start` command line: options with their defaults, checked at once with the
 * option named.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export class StartUsageError extends Error {
  override name = 'StartUsageError';
}

export const START_DEFAULTS = {
  profile: 'surge',
  partitions: 12,
  capacity: 200,
  cadenceMs: 5_000,
  timeScale: 12,
} as const;

export const START_USAGE = `usage: lagpilot start [options]

  --duration <d>      how long to run, e.g. 90s, 4m (default: the profile's own length)
  --profile <p>       surge, ramp, steady, or a CSV of timestamp,produce_rate (${START_DEFAULTS.profile})
  --partitions <n>    source topic partitions (${START_DEFAULTS.partitions})
  --capacity <msg/s>  one worker's throughput (MIRROR_MAX_RATE per instance) (${START_DEFAULTS.capacity})
  --cadence <d>       control step period (${START_DEFAULTS.cadenceMs / 1000}s)
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

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationMs(flag: string, text: string): number {
  const m = DURATION.exec(text.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : Number.NaN;
  if (!(ms > 0)) {
    throw new StartUsageError(`--${flag} "${text}": write a positive duration such as 90s or 4m`);
  }
  return ms;
}

function positive(flag: string, text: string | undefined, fallback: number, integer: boolean) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0) || (integer && !Number.isInteger(n))) {
    throw new StartUsageError(
      `--${flag} "${text}": must be a positive ${integer ? 'whole number' : 'number'}`,
    );
  }
  return n;
}

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z');

export function parseStartArgs(argv: readonly string[], now = new Date()): StartOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        duration: { type: 'string' },
        profile: { type: 'string' },
        partitions: { type: 'string' },
        capacity: { type: 'string' },
        cadence: { type: 'string' },
        'time-scale': { type: 'string' },
        out: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new StartUsageError((error as Error).message);
  }
  const text = (k: string) => values[k] as string | undefined;
  const duration = text('duration');
  const cadence = text('cadence');
  return {
    durationMs: duration === undefined ? undefined : durationMs('duration', duration),
    profile: text('profile') ?? START_DEFAULTS.profile,
    partitions: positive('partitions', text('partitions'), START_DEFAULTS.partitions, true),
    capacity: positive('capacity', text('capacity'), START_DEFAULTS.capacity, false),
    cadenceMs: cadence === undefined ? START_DEFAULTS.cadenceMs : durationMs('cadence', cadence),
    timeScale: positive('time-scale', text('time-scale'), START_DEFAULTS.timeScale, false),
    outDir: resolve(text('out') ?? `docs/reports/local-${stamp(now)}`),
  };
}

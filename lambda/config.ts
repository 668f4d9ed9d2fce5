import { z } from 'zod';

/**
 * The autoscaler's parameters: every threshold, window, step, cooldown and bound, read from
 * environment variables once at cold start. The CDK app validates its parameters with this same
 * schema at synth time, so a typo fails `cdk synth` with the field named.
 *
 * Each entry: environment variable → [schema, meaning]. Defaults are written here once; the
 * README's parameter table is generated from the same source (`PARAMETERS`).
 */

/** A duration in milliseconds. */
export type Millis = number;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `"90s"`, `"5m"`, `"1h"`, `"500ms"` → milliseconds; anything else is a clear error. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const m = DURATION.exec(text.trim());
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          message: `"${text}" is not a duration with a known unit: write a number followed by ms, s, m or h (e.g. 5m)`,
        });
        return z.NEVER;
      }
      return Number(m[1]) * UNIT_MS[m[2]!]!;
    });

const int = (fallback: number, min = 0) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .default(fallback);

const percent = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .min(0, 'must be 0–100')
    .max(100, 'must be 0–100')
    .default(fallback);

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const list = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .refine((xs) => xs.length > 0, 'must name at least one value (comma-separated)');

/** Parameter definitions, keyed by environment variable. The description feeds the README table. */
export const PARAMETERS = {
  // What to scale and what to watch.
  LAGPILOT_BROKERS: { schema: list, doc: 'Kafka bootstrap brokers, comma-separated `host:port`' },
  LAGPILOT_GROUP_ID: {
    schema: z.string().min(1, 'must not be empty'),
    doc: 'consumer group whose lag drives scaling',
  },
  LAGPILOT_TOPICS: {
    schema: list,
    doc: 'topic(s) the group consumes, comma-separated; partitions are summed and capped on',
  },
  LAGPILOT_CLUSTER: {
    schema: z.string().min(1, 'must not be empty'),
    doc: 'ECS cluster name or ARN of the scaled service',
  },
  LAGPILOT_SERVICE: {
    schema: z.string().min(1, 'must not be empty'),
    doc: 'ECS service name of the scaled service',
  },
  LAGPILOT_KAFKA_AUTH: {
    schema: z
      .enum(['none', 'scram-sha-256', 'scram-sha-512', 'tls', 'msk-iam'], {
        error: 'must be none, scram-sha-256, scram-sha-512, tls or msk-iam',
      })
      .default('none'),
    doc: 'how the autoscaler authenticates to Kafka',
  },
  LAGPILOT_KAFKA_SECRET_ARN: {
    schema: z.string().optional(),
    doc: 'Secrets Manager secret with `{"username","password"}` for SCRAM (never the password itself)',
  },
  LAGPILOT_KAFKA_TLS: {
    schema: bool(false),
    doc: 'connect to the brokers over TLS (implied by tls, msk-iam)',
  },
  LAGPILOT_OFFSET_RESET: {
    schema: z
      .enum(['earliest', 'latest'], { error: 'must be earliest or latest' })
      .default('earliest'),
    doc: "the group's auto.offset.reset: a never-committed partition's lag is end − start (earliest) or 0 (latest)",
  },

  // Bounds.
  LAGPILOT_MIN_TASKS: { schema: int(1, 0), doc: 'never fewer tasks than this' },
  LAGPILOT_MAX_TASKS: {
    schema: int(12, 1),
    doc: 'never more tasks than this (nor more than the partition count)',
  },
  LAGPILOT_BALANCED_COUNTS: {
    schema: bool(true),
    doc: 'only pick task counts that change ceil(partitions/n) (12 partitions: 1,2,3,4,6,12)',
  },

  // Scale up: any signal above its threshold for the whole up-window.
  LAGPILOT_LAG_HIGH: {
    schema: int(10_000),
    doc: 'scale up when total lag (messages) stays above this',
  },
  LAGPILOT_CPU_HIGH: { schema: percent(80), doc: 'scale up when service CPU % stays above this' },
  LAGPILOT_MEMORY_HIGH: {
    schema: percent(80),
    doc: 'scale up when service memory % stays above this',
  },
  LAGPILOT_UP_WINDOW: { schema: duration('5m'), doc: 'how long a scale-up signal must hold' },
  LAGPILOT_UP_FACTOR: {
    schema: z.coerce.number({ error: 'must be a number' }).min(1, 'must be at least 1').default(2),
    doc: 'scale up by at most this factor per step',
  },
  LAGPILOT_UP_COOLDOWN: {
    schema: duration('3m'),
    doc: 'no new judgment this long after a scale-up',
  },

  // Scale down: every signal below its threshold for the whole down-window.
  LAGPILOT_LAG_LOW: { schema: int(1_000), doc: 'scale down only when total lag stays below this' },
  LAGPILOT_CPU_LOW: { schema: percent(30), doc: 'scale down only when CPU % stays below this' },
  LAGPILOT_MEMORY_LOW: {
    schema: percent(50),
    doc: 'scale down only when memory % stays below this',
  },
  LAGPILOT_DOWN_WINDOW: {
    schema: duration('15m'),
    doc: 'how long the calm must hold before scaling down',
  },
  LAGPILOT_DOWN_STEP: {
    schema: z.enum(['one', 'half'], { error: 'must be one (−1) or half (÷2)' }).default('one'),
    doc: 'scale down by one task or by half per step',
  },
  LAGPILOT_DOWN_COOLDOWN: {
    schema: duration('10m'),
    doc: 'no new judgment this long after a scale-down',
  },

  // Diagnoses.
  LAGPILOT_STALL_STEPS: {
    schema: int(5, 1),
    doc: 'a lagging partition whose committed offset has not moved for this many steps is stalled and stops counting toward scale-up',
  },

  // Operation.
  LAGPILOT_DRY_RUN: { schema: bool(false), doc: 'decide and report, but never call UpdateService' },
  LAGPILOT_METRICS_NAMESPACE: {
    schema: z.string().min(1, 'must not be empty').default('Lagpilot'),
    doc: 'CloudWatch namespace of the autoscaler metrics',
  },
} as const;

type Parameters = typeof PARAMETERS;
export type EnvName = keyof Parameters;

/** The parsed parameters, keyed by environment variable name. */
export type RawConfig = { [K in EnvName]: z.output<Parameters[K]['schema']> };

/** Thrown at cold start (and at synth) when parameters are invalid; lists every bad field. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid autoscaler configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const shape = Object.fromEntries(Object.entries(PARAMETERS).map(([k, v]) => [k, v.schema])) as {
  [K in EnvName]: Parameters[K]['schema'];
};

const schema = z.object(shape).superRefine((c, ctx) => {
  if (c.LAGPILOT_MIN_TASKS > c.LAGPILOT_MAX_TASKS) {
    ctx.addIssue({
      code: 'custom',
      path: ['LAGPILOT_MIN_TASKS'],
      message: `min (${c.LAGPILOT_MIN_TASKS}) is above LAGPILOT_MAX_TASKS (${c.LAGPILOT_MAX_TASKS}): lower the min or raise the max`,
    });
  }
  if (c.LAGPILOT_LAG_LOW >= c.LAGPILOT_LAG_HIGH) {
    ctx.addIssue({
      code: 'custom',
      path: ['LAGPILOT_LAG_LOW'],
      message: `must be below LAGPILOT_LAG_HIGH (${c.LAGPILOT_LAG_HIGH}), or scale-up and scale-down fight`,
    });
  }
  if (c.LAGPILOT_CPU_LOW >= c.LAGPILOT_CPU_HIGH) {
    ctx.addIssue({
      code: 'custom',
      path: ['LAGPILOT_CPU_LOW'],
      message: `must be below LAGPILOT_CPU_HIGH (${c.LAGPILOT_CPU_HIGH})`,
    });
  }
  if (c.LAGPILOT_MEMORY_LOW >= c.LAGPILOT_MEMORY_HIGH) {
    ctx.addIssue({
      code: 'custom',
      path: ['LAGPILOT_MEMORY_LOW'],
      message: `must be below LAGPILOT_MEMORY_HIGH (${c.LAGPILOT_MEMORY_HIGH})`,
    });
  }
  if (
    (c.LAGPILOT_KAFKA_AUTH === 'scram-sha-256' || c.LAGPILOT_KAFKA_AUTH === 'scram-sha-512') &&
    !c.LAGPILOT_KAFKA_SECRET_ARN
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['LAGPILOT_KAFKA_SECRET_ARN'],
      message:
        'SCRAM auth needs the ARN of a Secrets Manager secret holding {"username","password"}',
    });
  }
});

/**
 * Parses the environment (only LAGPILOT_* keys are read). Empty strings count as unset, so a
 * blank variable takes the default. Throws one ConfigError listing every bad field.
 */
export function parseRawConfig(env: Record<string, string | undefined>): RawConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(PARAMETERS)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data as RawConfig;
  const problems = result.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? 'config');
    const given = input[field];
    const message =
      issue.code === 'invalid_type' && given === undefined ? 'is required' : issue.message;
    return `${field}${given !== undefined ? `=${JSON.stringify(given)}` : ''}: ${message}`;
  });
  throw new ConfigError(problems);
}

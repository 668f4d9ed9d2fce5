import * as z from 'zod';
import type { Millis, Percent, TaskCount } from './types.ts';

/**
 * The autoscaler's parameters: every threshold, window, step, cooldown and bound, read from
 * environment variables once at cold start. The CDK app validates its parameters with this same
 * schema at synth time, so a typo fails `cdk synth` with the field named.
 *
 * Each entry: environment variable → [schema, meaning]. Defaults are written here once; the
 * README's parameter table is generated from the same source (`PARAMETERS`).
 */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `"90s"`, `"5m"`, `"1h"`, `"500ms"` → milliseconds; anything else is a clear error. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const m = DURATION.exec(text.trim());
      if (text.trim().startsWith('-')) {
        ctx.addIssue({
          code: 'custom',
          message: `"${text}" is negative: a duration must be 0 or more`,
        });
        return z.NEVER;
      }
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          message: `"${text}" is not a duration with a known unit: write a number followed by ms, s, m or h (e.g. 5m)`,
        });
        return z.NEVER;
      }
      return Number(m[1]) * UNIT_MS[m[2]!]!;
    });

/**
 * The control-step cadence: the schedule fires once a minute, so an invocation runs 60 s / interval
 * steps; the interval must divide the minute into whole seconds, and 10 s bounds the cost.
 */
const stepInterval = (fallback: string) =>
  duration(fallback).refine(
    (ms) => ms >= 10_000 && ms <= 60_000 && ms % 1000 === 0 && 60_000 % ms === 0,
    'must divide a minute into whole seconds, from 10s to 1m (10s, 12s, 15s, 20s, 30s or 1m)',
  );

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

/** A comma-separated list of at least one value (the CDK app's list parameters use it too). */
export const commaList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .refine((xs) => xs.length > 0, 'must name at least one value (comma-separated)');

/** Brokers as kafkajs and the worker both want them. */
const brokerList = commaList.refine(
  (xs) => xs.every((b) => /^[^\s:]+:\d+$/.test(b)),
  'each broker must be host:port (e.g. b-1.kafka.internal:9092)',
);

/** Parameter definitions, keyed by environment variable. The description feeds the README table. */
export const PARAMETERS = {
  // What to scale and what to watch.
  LAGPILOT_BROKERS: {
    schema: brokerList,
    doc: 'Kafka bootstrap brokers, comma-separated `host:port`',
  },
  LAGPILOT_GROUP_ID: {
    schema: z.string().min(1, 'must not be empty'),
    doc: 'consumer group whose lag drives scaling',
  },
  LAGPILOT_TOPICS: {
    schema: commaList,
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
    doc: "the group's auto.offset.reset: a never-committed or out-of-range partition's lag is end − start (earliest) or 0 (latest)",
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

  // Cadence.
  LAGPILOT_STEP_INTERVAL: {
    schema: stepInterval('1m'),
    doc: 'time between control steps: one per scheduled invocation (`1m`), or several within it (`30s`, `20s`, `15s`, … down to `10s`; whole seconds dividing a minute) to react sooner to short bursts at a higher Lambda cost',
  },

  // Sizing: how many tasks the measured throughput needs.
  LAGPILOT_LAG_SLO: {
    schema: duration('1m').refine(
      (ms) => ms >= 1000,
      'must be at least 1s: the backlog is sized to drain within it',
    ),
    doc: 'how far behind the group may fall, in time: a scale-up sizes the fleet to drain the backlog within it while carrying the produce rate',
  },
  LAGPILOT_TASK_CAPACITY: {
    schema: z.coerce
      .number({ error: 'must be a number of messages per second' })
      .positive('must be above 0 messages per second (or unset to learn it)')
      .optional(),
    doc: "messages per second one task consumes, until it is learned from the group's saturated throughput; unset: conservative steps until learned",
  },
  LAGPILOT_HEADROOM: {
    schema: z.coerce
      .number({ error: 'must be a number' })
      .min(1, 'must be at least 1')
      .default(1.1),
    doc: 'the produce rate is sized for with this margin, up and down',
  },

  LAGPILOT_PRESCALE_LEAD: {
    schema: duration('3m'),
    doc: "raise capacity this long before a produce-rate burst that recurred at the same minutes of the hour in 3 of the last 4 hours (1.5 × that hour's median), or at the same hour of the week in 3 of the last 4 weeks (1.5 × the hour before it) (`0s`: off); needs a known per-task capacity",
  },

  // Scale up: any signal above its threshold for the whole up-window.
  LAGPILOT_LAG_HIGH: {
    schema: int(10_000),
    doc: 'scale up when total lag (messages) stays above this',
  },
  LAGPILOT_CPU_HIGH: {
    schema: percent(95),
    doc: "scale up when the busiest task's CPU % stays above this",
  },
  LAGPILOT_MEMORY_HIGH: {
    schema: percent(80),
    doc: "scale up when the busiest task's memory % stays above this",
  },
  LAGPILOT_UP_WINDOW: { schema: duration('1m'), doc: 'how long a scale-up signal must hold' },
  LAGPILOT_UP_FACTOR: {
    schema: z.coerce.number({ error: 'must be a number' }).min(1, 'must be at least 1').default(3),
    doc: 'scale up by at most this factor per step while the per-task capacity is unknown',
  },
  LAGPILOT_UP_COOLDOWN: {
    schema: duration('2m'),
    doc: 'no new judgment this long after a scale-up',
  },

  // Scale down: every signal below its threshold for the whole down-window.
  LAGPILOT_LAG_LOW: { schema: int(4_000), doc: 'scale down only when total lag stays below this' },
  LAGPILOT_CPU_LOW: {
    schema: percent(90),
    doc: "scale down only when the busiest task's CPU % stays below this",
  },
  LAGPILOT_MEMORY_LOW: {
    schema: percent(50),
    doc: "scale down only when the busiest task's memory % stays below this",
  },
  LAGPILOT_DOWN_WINDOW: {
    schema: duration('5m'),
    doc: 'how long the calm must hold before scaling down',
  },
  LAGPILOT_DOWN_STEP: {
    schema: z
      .enum(['fit', 'one', 'half'], {
        error: 'must be fit (rate-sized), one (−1) or half (÷2)',
      })
      .default('fit'),
    doc: 'scale down to the smallest count whose per-task capacity carries the peak produce rate of the down-window × headroom (`fit`; by one until the capacity is known), or by one task, or by half (never below that count either)',
  },
  LAGPILOT_DOWN_COOLDOWN: {
    schema: duration('5m'),
    doc: 'no new judgment this long after a scale-down',
  },

  // Diagnoses.
  LAGPILOT_STALL_STEPS: {
    schema: int(5, 1),
    doc: 'a lagging partition whose committed offset has not moved for this many steps is stalled and stops counting toward scale-up',
  },

  // Operation.
  LAGPILOT_STATE_TABLE: {
    schema: z.string().min(1, 'must not be empty'),
    doc: "DynamoDB table (partition key `pk`, string) holding the autoscaler's state: sustain-window history, last action, stall tracking",
  },
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

/** The scaling rules: everything decide() reads, with readable names. */
export interface ScalingRules {
  minTasks: TaskCount;
  maxTasks: TaskCount;
  balancedCounts: boolean;
  lagHigh: number;
  cpuHigh: Percent;
  memoryHigh: Percent;
  upWindowMs: Millis;
  upFactor: number;
  upCooldownMs: Millis;
  lagLow: number;
  cpuLow: Percent;
  memoryLow: Percent;
  downWindowMs: Millis;
  downStep: 'fit' | 'one' | 'half';
  downCooldownMs: Millis;
  stallSteps: number;
  lagSloMs: Millis;
  /** Configured messages per second per task; null: learn it. */
  taskCapacity: number | null;
  headroom: number;
  /** Pre-scale this long before a recurring burst; 0: off. */
  prescaleLeadMs: Millis;
  /** Time between control steps (LAGPILOT_STEP_INTERVAL): the lag samples' cadence. */
  stepIntervalMs: Millis;
}

export type KafkaAuth = RawConfig['LAGPILOT_KAFKA_AUTH'];

/** The Lambda's whole configuration. */
export interface LagpilotConfig {
  rules: ScalingRules;
  kafka: {
    brokers: string[];
    groupId: string;
    topics: string[];
    auth: KafkaAuth;
    secretArn: string | undefined;
    tls: boolean;
    offsetReset: 'earliest' | 'latest';
  };
  target: { cluster: string; service: string };
  stateTable: string;
  dryRun: boolean;
  metricsNamespace: string;
}

const RULE_PARAMETERS = [
  'LAGPILOT_MIN_TASKS',
  'LAGPILOT_MAX_TASKS',
  'LAGPILOT_BALANCED_COUNTS',
  'LAGPILOT_LAG_HIGH',
  'LAGPILOT_CPU_HIGH',
  'LAGPILOT_MEMORY_HIGH',
  'LAGPILOT_UP_WINDOW',
  'LAGPILOT_UP_FACTOR',
  'LAGPILOT_UP_COOLDOWN',
  'LAGPILOT_LAG_LOW',
  'LAGPILOT_CPU_LOW',
  'LAGPILOT_MEMORY_LOW',
  'LAGPILOT_DOWN_WINDOW',
  'LAGPILOT_DOWN_STEP',
  'LAGPILOT_DOWN_COOLDOWN',
  'LAGPILOT_STALL_STEPS',
  'LAGPILOT_LAG_SLO',
  'LAGPILOT_TASK_CAPACITY',
  'LAGPILOT_HEADROOM',
  'LAGPILOT_PRESCALE_LEAD',
  'LAGPILOT_STEP_INTERVAL',
] as const satisfies readonly EnvName[];

type Parsed = Partial<RawConfig>;
type Problem = { field: EnvName; message: string };

type Bound = 'LAGPILOT_LAG_LOW' | 'LAGPILOT_CPU_LOW' | 'LAGPILOT_MEMORY_LOW';
type Ceiling = 'LAGPILOT_LAG_HIGH' | 'LAGPILOT_CPU_HIGH' | 'LAGPILOT_MEMORY_HIGH';

/** A scale-down threshold must sit below its scale-up threshold. */
const lowBelowHigh =
  (low: Bound, high: Ceiling) =>
  (c: Parsed): Problem | undefined => {
    const [l, h] = [c[low], c[high]];
    return l !== undefined && h !== undefined && l >= h
      ? { field: low, message: `must be below ${high} (${h}), or scale-up and scale-down fight` }
      : undefined;
  };

/**
 * Rules between fields. Each check runs only when every field it reads parsed, so a
 * cross-field problem is reported alongside per-field ones instead of hiding behind them.
 */
const CROSS_CHECKS: readonly ((c: Parsed) => Problem | undefined)[] = [
  (c) =>
    c.LAGPILOT_MIN_TASKS !== undefined &&
    c.LAGPILOT_MAX_TASKS !== undefined &&
    c.LAGPILOT_MIN_TASKS > c.LAGPILOT_MAX_TASKS
      ? {
          field: 'LAGPILOT_MIN_TASKS',
          message: `min (${c.LAGPILOT_MIN_TASKS}) is above LAGPILOT_MAX_TASKS (${c.LAGPILOT_MAX_TASKS}): lower the min or raise the max`,
        }
      : undefined,
  (c) =>
    c.LAGPILOT_UP_WINDOW !== undefined &&
    c.LAGPILOT_STEP_INTERVAL !== undefined &&
    c.LAGPILOT_UP_WINDOW < c.LAGPILOT_STEP_INTERVAL
      ? {
          field: 'LAGPILOT_UP_WINDOW',
          message: `is shorter than one step (LAGPILOT_STEP_INTERVAL ${c.LAGPILOT_STEP_INTERVAL / 1000}s): a window must span at least two readings; lengthen it or shorten the interval`,
        }
      : undefined,
  lowBelowHigh('LAGPILOT_LAG_LOW', 'LAGPILOT_LAG_HIGH'),
  lowBelowHigh('LAGPILOT_CPU_LOW', 'LAGPILOT_CPU_HIGH'),
  lowBelowHigh('LAGPILOT_MEMORY_LOW', 'LAGPILOT_MEMORY_HIGH'),
  (c) =>
    (c.LAGPILOT_KAFKA_AUTH === 'scram-sha-256' || c.LAGPILOT_KAFKA_AUTH === 'scram-sha-512') &&
    !c.LAGPILOT_KAFKA_SECRET_ARN
      ? {
          field: 'LAGPILOT_KAFKA_SECRET_ARN',
          message:
            'SCRAM auth needs the ARN of a Secrets Manager secret holding {"username","password"}',
        }
      : undefined,
];

/**
 * Parses the named parameters one by one (empty strings count as unset, so a blank variable
 * takes the default), then the cross-field checks on what parsed. Throws one ConfigError
 * listing every bad field.
 */
function parseFields<K extends EnvName>(
  keys: readonly K[],
  env: Record<string, string | undefined>,
): Pick<RawConfig, K> {
  const parsed: Parsed = {};
  const problems: string[] = [];
  const given = (field: EnvName) => {
    const value = env[field];
    return value !== undefined && value.trim() !== '' ? value : undefined;
  };
  const describe = (field: EnvName, message: string) => {
    const value = given(field);
    return `${field}${value !== undefined ? `=${JSON.stringify(value)}` : ''}: ${message}`;
  };
  for (const key of keys) {
    const value = given(key);
    const result = PARAMETERS[key].schema.safeParse(value);
    if (result.success) {
      (parsed as Record<string, unknown>)[key] = result.data;
    } else {
      for (const issue of result.error.issues) {
        const missing = issue.code === 'invalid_type' && value === undefined;
        problems.push(describe(key, missing ? 'is required' : issue.message));
      }
    }
  }
  for (const check of CROSS_CHECKS) {
    const problem = check(parsed);
    if (problem && (keys as readonly EnvName[]).includes(problem.field)) {
      problems.push(describe(problem.field, problem.message));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed as Pick<RawConfig, K>;
}

/** Every parameter, keyed by environment variable name (the CDK app validates with this). */
export function parseRawConfig(env: Record<string, string | undefined>): RawConfig {
  return parseFields(Object.keys(PARAMETERS) as EnvName[], env);
}

function toRules(c: Pick<RawConfig, (typeof RULE_PARAMETERS)[number]>): ScalingRules {
  return {
    minTasks: c.LAGPILOT_MIN_TASKS,
    maxTasks: c.LAGPILOT_MAX_TASKS,
    balancedCounts: c.LAGPILOT_BALANCED_COUNTS,
    lagHigh: c.LAGPILOT_LAG_HIGH,
    cpuHigh: c.LAGPILOT_CPU_HIGH,
    memoryHigh: c.LAGPILOT_MEMORY_HIGH,
    upWindowMs: c.LAGPILOT_UP_WINDOW,
    upFactor: c.LAGPILOT_UP_FACTOR,
    upCooldownMs: c.LAGPILOT_UP_COOLDOWN,
    lagLow: c.LAGPILOT_LAG_LOW,
    cpuLow: c.LAGPILOT_CPU_LOW,
    memoryLow: c.LAGPILOT_MEMORY_LOW,
    downWindowMs: c.LAGPILOT_DOWN_WINDOW,
    downStep: c.LAGPILOT_DOWN_STEP,
    downCooldownMs: c.LAGPILOT_DOWN_COOLDOWN,
    stallSteps: c.LAGPILOT_STALL_STEPS,
    lagSloMs: c.LAGPILOT_LAG_SLO,
    taskCapacity: c.LAGPILOT_TASK_CAPACITY ?? null,
    headroom: c.LAGPILOT_HEADROOM,
    prescaleLeadMs: c.LAGPILOT_PRESCALE_LEAD,
    stepIntervalMs: c.LAGPILOT_STEP_INTERVAL,
  };
}

/** Only the scaling rules (the simulator and the local system need nothing else). */
export function parseScalingRules(env: Record<string, string | undefined>): ScalingRules {
  return toRules(parseFields(RULE_PARAMETERS, env));
}

/**
 * The scaling rules for a loop that steps at its own cadence rather than the Lambda's
 * (the local system): LAGPILOT_STEP_INTERVAL is not read, `stepIntervalMs` takes its place.
 */
export function parseScalingRulesAt(
  env: Record<string, string | undefined>,
  stepIntervalMs: Millis,
): ScalingRules {
  const keys = RULE_PARAMETERS.filter((k) => k !== 'LAGPILOT_STEP_INTERVAL');
  return toRules({ ...parseFields(keys, env), LAGPILOT_STEP_INTERVAL: stepIntervalMs });
}

/** The Lambda's whole configuration, parsed once at cold start. */
export function parseConfig(env: Record<string, string | undefined>): LagpilotConfig {
  const c = parseRawConfig(env);
  return {
    rules: toRules(c),
    kafka: {
      brokers: c.LAGPILOT_BROKERS,
      groupId: c.LAGPILOT_GROUP_ID,
      topics: c.LAGPILOT_TOPICS,
      auth: c.LAGPILOT_KAFKA_AUTH,
      secretArn: c.LAGPILOT_KAFKA_SECRET_ARN,
      tls: c.LAGPILOT_KAFKA_TLS,
      offsetReset: c.LAGPILOT_OFFSET_RESET,
    },
    target: { cluster: c.LAGPILOT_CLUSTER, service: c.LAGPILOT_SERVICE },
    stateTable: c.LAGPILOT_STATE_TABLE,
    dryRun: c.LAGPILOT_DRY_RUN,
    metricsNamespace: c.LAGPILOT_METRICS_NAMESPACE,
  };
}

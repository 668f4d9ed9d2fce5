import * as z from 'zod';
import {
  bool,
  type CrossCheck,
  commaList,
  defineParameters,
  duration,
  nonEmpty,
  type ParameterSpec,
  percent,
  type Values,
  wholeNumber,
} from '../../kit/params/index.ts';

/**
 * The autoscaler's parameters: every threshold, window, step, cooldown and bound, read from
 * environment variables once at cold start. The CDK app validates its parameters with this same
 * registry at synth time, so a typo fails `cdk synth` with the field named. Defaults are written
 * here once; the README's parameter table and the construct's rule props are generated from it.
 */

/**
 * Who sets a parameter: a scaling rule (`ScalingRules`), another operator option, the Kafka
 * connection the construct wires from its props, or a resource the stack creates.
 */
export type Role = 'rule' | 'option' | 'connection' | 'resource';

interface AutoscalerParameter extends ParameterSpec {
  readonly role: Role;
}

/**
 * The control-step cadence: the schedule fires once a minute, so an invocation runs 60 s / interval
 * steps; the interval must divide the minute into whole seconds, and 10 s bounds the cost.
 */
const stepInterval = (fallback: string) =>
  duration(fallback).refine(
    (ms) => ms >= 10_000 && ms <= 60_000 && ms % 1000 === 0 && 60_000 % ms === 0,
    'must divide a minute into whole seconds, from 10s to 1m (10s, 12s, 15s, 20s, 30s or 1m)',
  );

const int = (fallback: number, min = 0) => wholeNumber(min).default(fallback);
const atLeastOne = (fallback: number) =>
  z.coerce.number({ error: 'must be a number' }).min(1, 'must be at least 1').default(fallback);

/** Brokers as kafkajs and the worker both want them. */
const brokerList = commaList.refine(
  (xs) => xs.every((b) => /^[^\s:]+:\d+$/.test(b)),
  'each broker must be host:port (e.g. b-1.kafka.internal:9092)',
);

/** Parameter definitions, keyed by environment variable. */
export const PARAMETERS = {
  // What to scale and what to watch.
  LAGPILOT_BROKERS: {
    role: 'connection',
    schema: brokerList,
    doc: 'Kafka bootstrap brokers, comma-separated `host:port`',
  },
  LAGPILOT_GROUP_ID: {
    role: 'connection',
    schema: nonEmpty,
    doc: 'consumer group whose lag drives scaling',
  },
  LAGPILOT_TOPICS: {
    role: 'connection',
    schema: commaList,
    doc: 'topic(s) the group consumes, comma-separated; partitions are summed and capped on',
  },
  LAGPILOT_CLUSTER: {
    role: 'resource',
    schema: nonEmpty,
    doc: 'ECS cluster name or ARN of the scaled service',
  },
  LAGPILOT_SERVICE: {
    role: 'resource',
    schema: nonEmpty,
    doc: 'ECS service name of the scaled service',
  },
  LAGPILOT_KAFKA_AUTH: {
    role: 'connection',
    schema: z
      .enum(['none', 'scram-sha-256', 'scram-sha-512', 'tls', 'msk-iam'], {
        error: 'must be none, scram-sha-256, scram-sha-512, tls or msk-iam',
      })
      .default('none'),
    doc: 'how the autoscaler authenticates to Kafka',
  },
  LAGPILOT_KAFKA_SECRET_ARN: {
    role: 'connection',
    schema: z.string().optional(),
    doc: 'Secrets Manager secret with `{"username","password"}` for SCRAM (never the password itself)',
  },
  LAGPILOT_KAFKA_TLS: {
    role: 'connection',
    schema: bool(false),
    doc: "connect to the brokers over TLS; the CDK app's default follows from the auth and port: tls, msk-iam, MSK's :9094/:9096/:9098 and SCRAM imply it, and a contradiction fails synth (docs/deploy.md, TLS)",
  },
  LAGPILOT_KAFKA_CA_SECRET_ARN: {
    role: 'connection',
    schema: z.string().optional(),
    doc: "Secrets Manager secret whose string is the PEM bundle of the CA(s) that signed the brokers' certificates, for a private CA; default: the public CAs",
  },
  LAGPILOT_OFFSET_RESET: {
    role: 'option',
    schema: z
      .enum(['earliest', 'latest'], { error: 'must be earliest or latest' })
      .default('earliest'),
    doc: "the group's auto.offset.reset: a never-committed or out-of-range partition's lag is end − start (earliest) or 0 (latest)",
  },

  // Bounds.
  LAGPILOT_MIN_TASKS: { role: 'rule', schema: int(1, 0), doc: 'never fewer tasks than this' },
  LAGPILOT_MAX_TASKS: {
    role: 'rule',
    schema: int(12, 1),
    doc: "never more tasks than this (nor, for a classic or consumer group, more than the partition count; a share group's cap is this alone)",
  },
  LAGPILOT_BALANCED_COUNTS: {
    role: 'rule',
    schema: bool(true),
    doc: 'only pick task counts that change ceil(partitions/n) (12 partitions: 1,2,3,4,6,12)',
  },

  // Cadence.
  LAGPILOT_STEP_INTERVAL: {
    role: 'rule',
    duration: true,
    schema: stepInterval('15s'),
    doc: 'time between control steps within each minute (`15s`: at 0, 15, 30 and 45 s, the later ones from the step queue, or within the scheduled invocation without one; `1m`: one step per invocation; whole seconds dividing a minute, from `10s`); see LAGPILOT_STEP_WHEN',
  },
  LAGPILOT_STEP_WHEN: {
    role: 'rule',
    schema: z.enum(['always', 'moving'], { error: 'must be always or moving' }).default('always'),
    doc: 'run the steps after the first of a minute `always`, or only while something moves (`moving`: a backlog, a produce rate above half of what the fleet carries, an action not settled): a quiet service then runs one step a minute, but a jump out of the quiet is seen up to a minute later (docs/autoscaler.md, Cadence)',
  },

  // Sizing: how many tasks the measured throughput needs.
  LAGPILOT_LAG_SLO: {
    role: 'rule',
    duration: true,
    schema: duration('1m').refine(
      (ms) => ms >= 1000,
      'must be at least 1s: the backlog is sized to drain within it',
    ),
    doc: 'how far behind the group may fall, in time: a scale-up sizes the fleet to drain the backlog within it while carrying the produce rate',
  },
  LAGPILOT_SLO_ATTAINMENT: {
    role: 'rule',
    schema: z.coerce
      .number({ error: 'must be a percentage of minutes, e.g. 99.9' })
      .min(50, 'must be at least 50 (%)')
      .max(99.999, 'must be below 100 (%): a budget of zero minutes cannot be planned for')
      .default(99.9),
    doc: "the share of minutes (%) the lag SLO must hold: while the autoscaler's own record has spent the budget of the last 1 / (1 − target) minutes (16 h at 99.9), or while its running attainment (28 days) is below the target, it holds a floor sized to absorb the peak this time of day through a task start; the floor falls back once that window is clean and the attainment on target",
  },
  LAGPILOT_TASK_START: {
    role: 'rule',
    duration: true,
    schema: duration('1m'),
    doc: "how long a new task takes from a raised desired count to consuming as a group member, until measured from the service's own counts (the median of the last scale-ups); part of the reaction horizon",
  },
  LAGPILOT_TASK_CAPACITY: {
    role: 'rule',
    schema: z.coerce
      .number({ error: 'must be a number of messages per second' })
      .positive('must be above 0 messages per second (or unset to learn it)')
      .optional(),
    doc: "messages per second one task consumes, until it is learned from the group's saturated throughput; unset: conservative steps until learned",
  },
  LAGPILOT_HEADROOM: {
    role: 'rule',
    schema: atLeastOne(1),
    doc: 'the produce rate is sized for with this margin, up and down (the lag SLO is already a buffer: a margin on top of it is paid twice)',
  },

  LAGPILOT_PRESCALE_LEAD: {
    role: 'rule',
    duration: true,
    schema: duration('3m'),
    doc: "raise capacity this long before a produce-rate burst that recurred at the same minutes of the hour in 3 of the last 4 hours (1.5 × that hour's median), or at the same hour of the week in 3 of the last 4 weeks (1.5 × the hour before it) (`0s`: off); needs a known per-task capacity",
  },

  // Scale up: any signal above its threshold for the whole up-window.
  LAGPILOT_LAG_HIGH: {
    role: 'rule',
    schema: int(10_000),
    doc: 'scale up when total lag (messages) stays above this',
  },
  LAGPILOT_CPU_HIGH: {
    role: 'rule',
    schema: percent(95),
    doc: "scale up when the busiest task's CPU % stays above this",
  },
  LAGPILOT_MEMORY_HIGH: {
    role: 'rule',
    schema: percent(80),
    doc: "scale up when the busiest task's memory % stays above this",
  },
  LAGPILOT_UP_WINDOW: {
    role: 'rule',
    duration: true,
    schema: duration('1m'),
    doc: 'how long a scale-up signal must hold',
  },
  LAGPILOT_UP_FACTOR: {
    role: 'rule',
    schema: atLeastOne(3),
    doc: 'scale up by at most this factor per step while the per-task capacity is unknown',
  },
  LAGPILOT_UP_COOLDOWN: {
    role: 'rule',
    duration: true,
    schema: duration('2m'),
    doc: 'no new judgment this long after a scale-up',
  },

  // Scale down: every signal below its threshold for the whole down-window.
  LAGPILOT_LAG_LOW: {
    role: 'rule',
    schema: int(4_000),
    doc: "scale down only when total lag stays below this, or below a tenth of the lag SLO's worth of production when that is more (the lag in flight at a high produce rate)",
  },
  LAGPILOT_CPU_LOW: {
    role: 'rule',
    schema: percent(90),
    doc: "scale down only when the busiest task's CPU % stays below this",
  },
  LAGPILOT_MEMORY_LOW: {
    role: 'rule',
    schema: percent(50),
    doc: "scale down only when the busiest task's memory % stays below this",
  },
  LAGPILOT_DOWN_WINDOW: {
    role: 'rule',
    duration: true,
    schema: duration('2m'),
    doc: 'how long the calm must hold before scaling down; the scale-down carries the peak produce rate of this window',
  },
  LAGPILOT_DOWN_STEP: {
    role: 'rule',
    schema: z
      .enum(['fit', 'one', 'half'], {
        error: 'must be fit (rate-sized), one (−1) or half (÷2)',
      })
      .default('fit'),
    doc: 'scale down to the smallest count whose per-task capacity carries the peak produce rate of the down-window × headroom (`fit`; by one until the capacity is known), or by one task, or by half (never below that count either)',
  },
  LAGPILOT_DOWN_COOLDOWN: {
    role: 'rule',
    duration: true,
    schema: duration('5m'),
    doc: 'no new judgment this long after a scale-down',
  },

  // Diagnoses.
  LAGPILOT_STALL_STEPS: {
    role: 'rule',
    schema: int(5, 1),
    doc: 'a lagging partition whose committed offset has not moved for this many steps is stalled and stops counting toward scale-up',
  },

  // Operation.
  LAGPILOT_STATE_TABLE: {
    role: 'resource',
    schema: nonEmpty,
    doc: "DynamoDB table (partition key `pk`, string) holding the autoscaler's state: sustain-window history, last action, stall tracking",
  },
  LAGPILOT_STEP_QUEUE_URL: {
    role: 'resource',
    schema: z.string().optional(),
    doc: 'SQS queue whose delayed messages run the steps after the first of each minute, one short invocation each (the CDK app creates it); unset: the scheduled invocation runs them itself, sleeping between',
  },
  LAGPILOT_DRY_RUN: {
    role: 'option',
    schema: bool(false),
    doc: 'decide and report, but never call UpdateService',
  },
  LAGPILOT_METRICS_NAMESPACE: {
    role: 'connection',
    schema: nonEmpty.default('Lagpilot'),
    doc: 'CloudWatch namespace of the autoscaler metrics',
  },
} as const satisfies Readonly<Record<string, AutoscalerParameter>>;

type Parameters = typeof PARAMETERS;

/** An autoscaler environment parameter name, e.g. `LAGPILOT_LAG_HIGH`. */
export type EnvName = keyof Parameters;

/** The parsed parameters, keyed by environment variable name. */
export type RawConfig = Values<Parameters>;

type NamesOf<R extends Role> = {
  [K in EnvName]: Parameters[K]['role'] extends R ? K : never;
}[EnvName];

/** The parameters of a role (or roles), in declaration order. */
function namesOf<R extends Role>(...roles: R[]): NamesOf<R>[] {
  return (Object.keys(PARAMETERS) as EnvName[]).filter((name): name is NamesOf<R> =>
    (roles as Role[]).includes(PARAMETERS[name].role),
  );
}

/** What decide() reads: thresholds, windows, steps, cooldowns, bounds, sizing, cadence. */
export const RULE_PARAMETERS = namesOf('rule');

/** What an operator sets on the autoscaler construct as props: the rules and the options. */
export type PropEnvName = NamesOf<'rule' | 'option'>;
export const PROP_PARAMETERS = namesOf('rule', 'option');

/** What the construct wires itself from its other props and the stack's resources. */
export const WIRED_PARAMETERS = namesOf('connection', 'resource');

/** What only the stack knows: the service, the cluster and the state table it creates. */
export const RESOURCE_PARAMETERS = namesOf('resource');

type Parsed = Partial<RawConfig>;
type Bound = 'LAGPILOT_LAG_LOW' | 'LAGPILOT_CPU_LOW' | 'LAGPILOT_MEMORY_LOW';
type Ceiling = 'LAGPILOT_LAG_HIGH' | 'LAGPILOT_CPU_HIGH' | 'LAGPILOT_MEMORY_HIGH';

/** A scale-down threshold must sit below its scale-up threshold. */
const lowBelowHigh = (low: Bound, high: Ceiling) => (c: Parsed) => {
  const [l, h] = [c[low], c[high]];
  return l !== undefined && h !== undefined && l >= h
    ? {
        field: low,
        related: [high],
        message: `must be below ${high} (${h}), or scale-up and scale-down fight`,
      }
    : undefined;
};

const CROSS_CHECKS: readonly CrossCheck<Parameters>[] = [
  (c) =>
    c.LAGPILOT_MIN_TASKS !== undefined &&
    c.LAGPILOT_MAX_TASKS !== undefined &&
    c.LAGPILOT_MIN_TASKS > c.LAGPILOT_MAX_TASKS
      ? {
          field: 'LAGPILOT_MIN_TASKS',
          related: ['LAGPILOT_MAX_TASKS'],
          message: `min (${c.LAGPILOT_MIN_TASKS}) is above LAGPILOT_MAX_TASKS (${c.LAGPILOT_MAX_TASKS}): lower the min or raise the max`,
        }
      : undefined,
  (c) =>
    c.LAGPILOT_UP_WINDOW !== undefined &&
    c.LAGPILOT_STEP_INTERVAL !== undefined &&
    c.LAGPILOT_UP_WINDOW < c.LAGPILOT_STEP_INTERVAL
      ? {
          field: 'LAGPILOT_UP_WINDOW',
          related: ['LAGPILOT_STEP_INTERVAL'],
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
          related: ['LAGPILOT_KAFKA_AUTH'],
          message:
            'SCRAM auth needs the ARN of a Secrets Manager secret holding {"username","password"}',
        }
      : undefined,
];

/** The autoscaler's parameters as a registry: names, defaults, docs and the parser. */
export const AUTOSCALER_PARAMETERS = defineParameters(PARAMETERS, {
  keyedBy: 'env',
  heading: 'invalid autoscaler configuration',
  checks: CROSS_CHECKS,
});

import { AUTOSCALER_PARAMETERS, type RawConfig, RULE_PARAMETERS } from './parameters.ts';
import type { Millis, Percent, TaskCount } from './types.ts';

/**
 * The autoscaler's configuration as its code reads it, parsed once at cold start from the
 * parameters declared in `parameters.ts`. Every parser throws one ConfigError listing every bad
 * field.
 */

export {
  AUTOSCALER_PARAMETERS,
  type EnvName,
  PARAMETERS,
  type RawConfig,
  RULE_PARAMETERS,
} from './parameters.ts';

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
  /** Steps after an invocation's first: always, or only while something moves. */
  stepWhen: 'always' | 'moving';
  /** Share of minutes (%) the lag SLO must hold (LAGPILOT_SLO_ATTAINMENT). */
  sloAttainment: Percent;
  /** A new task's start until measured: raised desired count → consuming group member. */
  taskStartMs: Millis;
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
    /** Secret holding the PEM CA bundle of a private CA; undefined: the public CAs. */
    caSecretArn?: string | undefined;
    offsetReset: 'earliest' | 'latest';
  };
  target: { cluster: string; service: string };
  stateTable: string;
  /** SQS queue that runs the steps after a minute's first (unset: one invocation sleeps between them). */
  stepQueueUrl?: string | undefined;
  dryRun: boolean;
  metricsNamespace: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Every parameter, keyed by environment variable name (the CDK app validates with this). */
export function parseRawConfig(env: Env): RawConfig {
  return AUTOSCALER_PARAMETERS.parseAll(env);
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
    stepWhen: c.LAGPILOT_STEP_WHEN,
    sloAttainment: c.LAGPILOT_SLO_ATTAINMENT,
    taskStartMs: c.LAGPILOT_TASK_START,
  };
}

/** Only the scaling rules (the simulator and the local system need nothing else). */
export function parseScalingRules(env: Env): ScalingRules {
  return toRules(AUTOSCALER_PARAMETERS.parse(RULE_PARAMETERS, env));
}

/**
 * The scaling rules for a loop that steps at its own cadence rather than the Lambda's
 * (the local system): LAGPILOT_STEP_INTERVAL is not read, `stepIntervalMs` takes its place.
 */
export function parseScalingRulesAt(env: Env, stepIntervalMs: Millis): ScalingRules {
  const keys = RULE_PARAMETERS.filter((k) => k !== 'LAGPILOT_STEP_INTERVAL');
  return toRules({
    ...AUTOSCALER_PARAMETERS.parse(keys, env),
    LAGPILOT_STEP_INTERVAL: stepIntervalMs,
  });
}

/** The parameters the lag source connects with (the Lambda's, and `lagpilot lag`'s). */
export const KAFKA_PARAMETERS = [
  'LAGPILOT_BROKERS',
  'LAGPILOT_GROUP_ID',
  'LAGPILOT_TOPICS',
  'LAGPILOT_KAFKA_AUTH',
  'LAGPILOT_KAFKA_SECRET_ARN',
  'LAGPILOT_KAFKA_TLS',
  'LAGPILOT_KAFKA_CA_SECRET_ARN',
  'LAGPILOT_OFFSET_RESET',
] as const;

/** Only the Kafka connection, with the cross-checks on it (SCRAM needs its secret). */
export function parseKafkaConfig(env: Env): LagpilotConfig['kafka'] {
  return toKafka(AUTOSCALER_PARAMETERS.parse(KAFKA_PARAMETERS, env));
}

function toKafka(c: Pick<RawConfig, (typeof KAFKA_PARAMETERS)[number]>): LagpilotConfig['kafka'] {
  return {
    brokers: c.LAGPILOT_BROKERS,
    groupId: c.LAGPILOT_GROUP_ID,
    topics: c.LAGPILOT_TOPICS,
    auth: c.LAGPILOT_KAFKA_AUTH,
    secretArn: c.LAGPILOT_KAFKA_SECRET_ARN,
    tls: c.LAGPILOT_KAFKA_TLS,
    caSecretArn: c.LAGPILOT_KAFKA_CA_SECRET_ARN,
    offsetReset: c.LAGPILOT_OFFSET_RESET,
  };
}

/** The Lambda's whole configuration, parsed once at cold start. */
export function parseConfig(env: Env): LagpilotConfig {
  const c = parseRawConfig(env);
  return {
    rules: toRules(c),
    kafka: toKafka(c),
    target: { cluster: c.LAGPILOT_CLUSTER, service: c.LAGPILOT_SERVICE },
    stateTable: c.LAGPILOT_STATE_TABLE,
    stepQueueUrl: c.LAGPILOT_STEP_QUEUE_URL,
    dryRun: c.LAGPILOT_DRY_RUN,
    metricsNamespace: c.LAGPILOT_METRICS_NAMESPACE,
  };
}

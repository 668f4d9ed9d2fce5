import { Duration } from 'aws-cdk-lib';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../kit/params/config-error.ts';
import { envNameOf } from '../kit/params/names.ts';
import { type CrossCheck, defineParameters, type Values } from '../kit/params/registry.ts';
import { commaList, wholeNumber as int } from '../kit/params/schemas.ts';
import {
  AUTOSCALER_PARAMETERS,
  PROP_PARAMETERS,
  parseRawConfig,
  type RawConfig,
  RESOURCE_PARAMETERS,
} from '../lambda/core/index.ts';
import {
  CLIENTS,
  DEFAULT_CLIENT,
  DEFAULT_GROUP_PROTOCOL,
  GROUP_PROTOCOLS,
} from '../worker/src/config.ts';
import { authIssues } from './auth-parameters.ts';
import { labelled, standIn, toEnvValue } from './parameters.ts';
import type { ScalingRuleProps } from './scaling-rule-props.ts';
import { unknownNames } from './unknown-names.ts';

/**
 * The CDK app's parameters, read from `cdk.json` context and environment variables (the
 * environment wins: `LAGPILOT_LAG_HIGH=20000 npx cdk deploy`). Context keys are the camelCase
 * of the variable minus its prefix (`LAGPILOT_LAG_HIGH` ↔ `lagHigh`).
 *
 * Two registries of one kind: the autoscaler's own (`lambda/core/parameters.ts`, the same
 * code the Lambda runs at cold start) and the deployment's below (sizes, network, alarms, the
 * worker's topics and processing). A bad value fails synth with every bad field named.
 */

const text = z.string().trim().min(1, 'must not be empty');
const optionalText = text.optional();
const json = z.string().transform((s, ctx) => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
    return z.NEVER;
  }
});

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const MSK_CLUSTER_ARN = /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/]+\/[^/]+$/;
const SECURITY_GROUP_ID = /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const VPC_ID = /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** Memory (MiB) Fargate accepts for each CPU size: [min, max, step]. */
const FARGATE_MEMORY: Readonly<Record<number, readonly [number, number, number]>> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16_384, 1024],
  4096: [8192, 30_720, 1024],
  8192: [16_384, 61_440, 4096],
  16384: [32_768, 122_880, 8192],
};

const FARGATE_CPU = ['256', '512', '1024', '2048', '4096', '8192', '16384'] as const;
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/** Deployment parameters, keyed by context key. The doc feeds the README table. */
const DEPLOY_SPECS = {
  outputTopic: { schema: text, doc: 'topic the workers produce to (`MIRROR_OUTPUT`)' },
  partitionKey: {
    schema: z.string().startsWith('/', 'must be a JSON pointer, e.g. /customerId').optional(),
    doc: "JSON pointer whose value keys the produced record (`MIRROR_PARTITION`); default: the worker's",
  },
  workerFilter: {
    schema: optionalText,
    doc: "the worker's filter expression (`MIRROR_FILTER`); default: every message passes",
  },
  workerTransform: {
    schema: json.optional(),
    doc: "the worker's transform, JSON (`MIRROR_TRANSFORM`); default: unchanged",
  },
  workerOnError: {
    schema: z.enum(['dlq', 'skip'], { error: 'must be dlq or skip' }).default('dlq'),
    doc: 'what a failing message does (`MIRROR_ON_ERROR`): go to `workerDlqTopic`, or be counted and skipped',
  },
  workerDlqTopic: {
    schema: optionalText,
    doc: 'dead-letter topic (`MIRROR_DLQ_TOPIC`); required when `workerOnError` is dlq',
  },
  workerMaxRate: {
    schema: int(1, 1_000_000).optional(),
    doc: 'messages per second per task, at most (`MIRROR_MAX_RATE`); default: unlimited',
  },
  workerThreads: {
    // The worker's own bound: a larger value would pass synth and fail the task at start.
    schema: int(1, 256).optional(),
    doc: "processing concurrency per task, 1–256 (`MIRROR_THREADS`); default: the worker's",
  },
  workerClient: {
    schema: z.enum(CLIENTS, { error: `must be ${CLIENTS.join(', ')}` }).optional(),
    doc: `Kafka client library of the worker (\`MIRROR_CLIENT\`): ${CLIENTS.join(', ')}; default: the worker's (${DEFAULT_CLIENT})`,
  },
  workerGroupProtocol: {
    schema: z.enum(GROUP_PROTOCOLS, { error: `must be ${GROUP_PROTOCOLS.join(', ')}` }).optional(),
    doc: `consumer group protocol of the worker (\`MIRROR_GROUP_PROTOCOL\`): ${GROUP_PROTOCOLS.join(', ')}; consumer (KIP-848, Kafka 4.0+) needs workerClient platformatic; default: the worker's (${DEFAULT_GROUP_PROTOCOL})`,
  },
  workerShutdownSeconds: {
    schema: int(1, 115).default(30),
    doc: 'seconds a stopping worker drains (`MIRROR_SHUTDOWN_TIMEOUT`); the stop timeout is 5 s more',
  },
  workerCpu: {
    schema: z.coerce
      .string()
      .pipe(z.enum(FARGATE_CPU, { error: `must be one of ${FARGATE_CPU.join(', ')}` }))
      .default('512')
      .transform(Number),
    doc: 'Fargate CPU units per task',
  },
  workerMemory: { schema: int(512, 122_880).default(1024), doc: 'memory (MiB) per task' },
  workerArch: {
    schema: z.enum(['arm64', 'x86_64'], { error: 'must be arm64 or x86_64' }).default('arm64'),
    doc: 'CPU architecture of the worker tasks and image',
  },
  workerImage: {
    schema: optionalText,
    doc: 'a prebuilt worker image URI (a private ECR URI gets pull rights); default: build `worker/Dockerfile` at deploy',
  },
  capacityProvider: {
    schema: z
      .enum(['FARGATE', 'FARGATE_SPOT'], { error: 'must be FARGATE or FARGATE_SPOT' })
      .default('FARGATE'),
    doc: 'where the worker tasks run: FARGATE, or FARGATE_SPOT (cheaper, tasks can be reclaimed with 2 min notice; uncommitted records are replayed)',
  },
  kafkaSecretKmsKeyArn: {
    schema: z
      .string()
      .regex(KMS_KEY_ARN, 'must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>')
      .optional(),
    doc: 'the customer-managed KMS key encrypting `kafkaSecretArn` (MSK SCRAM requires one): the roles reading the secret get kms:Decrypt on it',
  },
  mskClusterArn: {
    schema: z
      .string()
      .regex(
        MSK_CLUSTER_ARN,
        'must be an MSK cluster ARN, arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>',
      )
      .optional(),
    doc: 'the MSK cluster, for `kafkaAuth=msk-iam`: the worker and autoscaler get kafka-cluster rights on it, its topics and the group',
  },
  brokerSecurityGroupId: {
    schema: z.string().regex(SECURITY_GROUP_ID, 'must be a security group id, sg-…').optional(),
    doc: "the brokers' security group: the stack admits the worker's and autoscaler's groups on the broker ports of `brokers`; default: add that rule yourself",
  },
  vpcId: {
    schema: z.string().regex(VPC_ID, 'must be a VPC id, vpc- and 8 or 17 hex digits').optional(),
    doc: 'deploy into this existing VPC (with `vpcAzs`, `vpcPrivateSubnetIds`); default: a new VPC',
  },
  vpcAzs: {
    schema: commaList.optional(),
    doc: "the existing VPC's availability zones, comma-separated",
  },
  vpcPrivateSubnetIds: {
    schema: commaList.optional(),
    doc: "the existing VPC's private subnet ids (one per AZ, with NAT egress), comma-separated",
  },
  alarmEmail: {
    schema: z.email('must be an email address').optional(),
    doc: 'email subscribed to the alarm topic; default: no topic',
  },
  lagSecondsSlo: {
    schema: int(1, 86_400).default(300),
    doc: 'alarm when the oldest unconsumed message is older than this (seconds) for 5 min',
  },
  lagAlarmMinutes: {
    schema: int(1, 1440).default(15),
    doc: 'alarm when total lag stays above `lagHigh` this long (minutes)',
  },
  logRetentionDays: {
    schema: z.coerce
      .number({ error: 'must be a number' })
      .refine((d) => RETENTION_DAYS.includes(d), `must be one of ${RETENTION_DAYS.join(', ')}`)
      .default(30),
    doc: 'retention of the worker and autoscaler logs (days)',
  },
} as const;

type DeploySpecs = typeof DEPLOY_SPECS;
export type DeployKey = keyof DeploySpecs;
export type DeploySettings = Values<DeploySpecs>;

/** Rules between deployment fields, each with its fix. */
const DEPLOY_CHECKS: readonly CrossCheck<DeploySpecs>[] = [
  (p) =>
    p.workerOnError === 'dlq' && !p.workerDlqTopic
      ? {
          field: 'workerDlqTopic',
          related: ['workerOnError'],
          message:
            'is required while workerOnError is dlq: name the topic, or set workerOnError=skip',
        }
      : undefined,
  (p) =>
    p.workerGroupProtocol === 'consumer' && p.workerClient !== 'platformatic'
      ? {
          field: 'workerGroupProtocol',
          related: ['workerClient'],
          message:
            'needs workerClient=platformatic (kafkajs speaks the classic protocol only): set workerClient=platformatic, or workerGroupProtocol=auto',
        }
      : undefined,
  (p) =>
    p.workerCpu && p.workerMemory ? fargateMemoryIssue(p.workerCpu, p.workerMemory) : undefined,
  (p) =>
    p.vpcId && (!p.vpcAzs || !p.vpcPrivateSubnetIds)
      ? { field: 'vpcId', message: 'an existing VPC also needs vpcAzs and vpcPrivateSubnetIds' }
      : undefined,
  (p) =>
    p.vpcAzs && p.vpcPrivateSubnetIds && p.vpcAzs.length !== p.vpcPrivateSubnetIds.length
      ? {
          field: 'vpcPrivateSubnetIds',
          related: ['vpcAzs'],
          message: `needs one subnet per AZ (${p.vpcAzs.length} AZs given)`,
        }
      : undefined,
];

function fargateMemoryIssue(cpu: number, memory: number): ConfigIssue | undefined {
  const [low, high, step] = FARGATE_MEMORY[cpu] ?? [0, 0, 1];
  // 512 MiB is Fargate's odd one out: valid with 256 CPU only.
  if (cpu === 256 && memory === 512) return undefined;
  if (memory >= low && memory <= high && memory % step === 0) return undefined;
  return {
    field: 'workerMemory',
    related: ['workerCpu'],
    message: `Fargate runs ${cpu} CPU units with ${low}–${high} MiB in steps of ${step}: change workerMemory or workerCpu`,
  };
}

/** The deployment's parameters as a registry: names, defaults, docs and the parser. */
export const DEPLOY_PARAMETERS = defineParameters(DEPLOY_SPECS, {
  keyedBy: 'context',
  heading: 'invalid deployment parameters',
  checks: DEPLOY_CHECKS,
});

const HEADING = 'invalid lagpilot parameters (cdk.json context or LAGPILOT_* environment)';

/** What the app reads: the autoscaler's connection and rules, and the deployment settings. */
export interface AppParameters {
  readonly brokers: string[];
  readonly groupId: string;
  readonly topics: string[];
  readonly kafkaAuth: 'none' | 'scram-sha-256' | 'scram-sha-512' | 'tls' | 'msk-iam';
  readonly kafkaSecretArn?: string;
  readonly kafkaTls: boolean;
  readonly metricsNamespace: string;
  /** Only the rules that were set; the rest keep the autoscaler's defaults. */
  readonly rules: ScalingRuleProps;
  readonly deploy: DeploySettings;
}

/**
 * Reads and validates every parameter from the app's context (`app.node.getAllContext()`) and
 * the environment; throws one error naming each bad or unknown field.
 */
export function readParameters(
  context: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): AppParameters {
  const read = (contextKey: string): string | undefined => {
    const fromEnv = env[envNameOf(contextKey)];
    if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv;
    const fromContext = context[contextKey];
    return fromContext === undefined || fromContext === null ? undefined : toEnvValue(fromContext);
  };
  const given = <K extends string>(keys: readonly K[], keyOf: (key: K) => string) =>
    Object.fromEntries(
      keys.flatMap((key) => {
        const value = read(keyOf(key));
        return value === undefined ? [] : [[key, value]];
      }),
    ) as Record<string, string>;

  const operatorSet = AUTOSCALER_PARAMETERS.names.filter(
    (name) => !(RESOURCE_PARAMETERS as readonly string[]).includes(name),
  );
  const scalerEnv = given(operatorSet, (name) => AUTOSCALER_PARAMETERS.contextKey(name));
  const deployInput = given(DEPLOY_PARAMETERS.names, (key) => key);

  const issues: ConfigIssue[] = unknownNames(context, env, [
    ...AUTOSCALER_PARAMETERS.names.map((name) => AUTOSCALER_PARAMETERS.contextKey(name)),
    ...DEPLOY_PARAMETERS.names,
  ]);
  // The stack fills in the service and table; stand-ins let the schema check the rest.
  const config = collect(issues, () =>
    parseRawConfig({
      ...Object.fromEntries(RESOURCE_PARAMETERS.map((n) => [n, standIn(n)])),
      ...scalerEnv,
    }),
  );
  const deploy = collect(issues, () => DEPLOY_PARAMETERS.parseAll(deployInput));
  if (config && deploy) issues.push(...authIssues(config, deploy));
  if (issues.length > 0 || !config || !deploy) throw new ConfigError(HEADING, issues);

  return {
    brokers: config.LAGPILOT_BROKERS,
    groupId: config.LAGPILOT_GROUP_ID,
    topics: config.LAGPILOT_TOPICS,
    kafkaAuth: config.LAGPILOT_KAFKA_AUTH,
    kafkaSecretArn: config.LAGPILOT_KAFKA_SECRET_ARN,
    kafkaTls: config.LAGPILOT_KAFKA_TLS,
    metricsNamespace: config.LAGPILOT_METRICS_NAMESPACE,
    rules: ruleProps(config, scalerEnv),
    deploy,
  };
}

/** `parse()`'s result, or its ConfigError's issues added to `issues` (labelled with both names). */
function collect<T>(issues: ConfigIssue[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...labelled(error));
    return undefined;
  }
}

/** The rules that were given, as construct props (durations back to `Duration`). */
function ruleProps(config: RawConfig, given: Record<string, string>): ScalingRuleProps {
  const props: Record<string, unknown> = {};
  for (const name of PROP_PARAMETERS) {
    if (given[name] === undefined) continue;
    const value = config[name];
    props[AUTOSCALER_PARAMETERS.contextKey(name)] = AUTOSCALER_PARAMETERS.isDuration(name)
      ? Duration.millis(value as number)
      : value;
  }
  return props as ScalingRuleProps;
}

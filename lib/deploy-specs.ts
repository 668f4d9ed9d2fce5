import { z } from 'zod';
import type { Values } from '../kit/params/registry.ts';
import { commaList, wholeNumber as int } from '../kit/params/schemas.ts';
import {
  CLIENTS,
  DEFAULT_CLIENT,
  DEFAULT_GROUP_PROTOCOL,
  GROUP_PROTOCOLS,
} from '../worker/src/config.ts';

/**
 * The deployment's own parameters (sizes, network, alarms, the worker's topics and processing),
 * keyed by context key; `lib/deploy-params.ts` checks them together and reads them.
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

/** Memory (MiB) Fargate accepts for each CPU size: [min, max, step] (256 also takes 512). */
export const FARGATE_MEMORY: Readonly<Record<number, readonly [number, number, number]>> = {
  256: [1024, 2048, 1024],
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
export const DEPLOY_SPECS = {
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
    schema: z.enum(['arm64', 'x86_64'], { error: 'must be arm64 or x86_64' }).optional(),
    doc: 'CPU architecture of the worker tasks and image; default: arm64, or x86_64 with `capacityProvider=FARGATE_SPOT` (Fargate Spot runs x86_64 only)',
  },
  workerImage: {
    schema: optionalText,
    doc: 'a prebuilt worker image URI (a private ECR URI gets pull rights); default: build `worker/Dockerfile` at deploy',
  },
  capacityProvider: {
    schema: z
      .enum(['FARGATE', 'FARGATE_SPOT'], { error: 'must be FARGATE or FARGATE_SPOT' })
      .default('FARGATE'),
    doc: 'where the worker tasks run: FARGATE, or FARGATE_SPOT (cheaper, x86_64 only, tasks can be reclaimed with 2 min notice; uncommitted records are replayed)',
  },
  onDemandBase: {
    schema: int(0, 100_000).default(0),
    doc: 'with `capacityProvider=FARGATE_SPOT`: this many tasks always run on FARGATE, the rest on Spot',
  },
  onDemandWeight: {
    schema: int(0, 1000).default(0),
    doc: 'with `capacityProvider=FARGATE_SPOT`: of the tasks beyond `onDemandBase`, FARGATE gets this many for each one on Spot (0: all on Spot)',
  },
  kafkaSecretKmsKeyArn: {
    schema: z
      .string()
      .regex(KMS_KEY_ARN, 'must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>')
      .optional(),
    doc: 'the customer-managed KMS key encrypting `kafkaSecretArn` (MSK SCRAM requires one), `autoscalerKafkaSecretArn` and `kafkaCaSecretArn`: the roles reading them get kms:Decrypt on it, through Secrets Manager only',
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
  brokerSecurityGroupIds: {
    schema: commaList
      .refine(
        (ids) => ids.every((id) => SECURITY_GROUP_ID.test(id)),
        'must be security group ids, sg-…, comma-separated',
      )
      .optional(),
    doc: "the brokers' security group(s), in `vpcId`, comma-separated (one per broker if so): the stack admits the worker's and autoscaler's groups on each, on the ports of `brokers`",
  },
  workerSecurityGroupId: {
    schema: z.string().regex(SECURITY_GROUP_ID, 'must be a security group id, sg-…').optional(),
    doc: 'an existing security group for the worker tasks, already admitted by the brokers (with `autoscalerSecurityGroupId`); default: a new group',
  },
  autoscalerSecurityGroupId: {
    schema: z.string().regex(SECURITY_GROUP_ID, 'must be a security group id, sg-…').optional(),
    doc: 'an existing security group for the autoscaler function, already admitted by the brokers (with `workerSecurityGroupId`); default: a new group',
  },
  autoscalerKafkaSecretArn: {
    schema: optionalText,
    doc: "SCRAM: a secret of the autoscaler's own Kafka user (describe rights only), encrypted with the same key; default: the worker's `kafkaSecretArn`",
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

export type DeploySpecs = typeof DEPLOY_SPECS;
export type DeployKey = keyof DeploySpecs;
export type DeploySettings = Values<DeploySpecs>;

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { describe, expect, expectTypeOf, it } from 'vitest';
import cdkJson from '../../cdk.json' with { type: 'json' };
import {
  END_MARKER,
  RULE_PROPS_FILE,
  renderParameterTable,
  renderRuleProps,
  START_MARKER,
  withParameterTable,
} from '../../dev/parameter-docs.ts';
import { type ContextKey, contextKeyOf, envNameOf } from '../../kit/params/names.ts';
import { PARAMETERS } from '../../lambda/core/config.ts';
import type { PropEnvName } from '../../lambda/core/parameters.ts';
import { DEPLOY_PARAMETERS, readParameters } from '../../lib/deploy-params.ts';
import type { ScalingRuleProps } from '../../lib/scaling-rule-props.ts';
import { ConfigSchema } from '../../worker/src/config.ts';

const read = (values: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
  readParameters({ ...cdkJson.context, ...values }, env);

const MSK_CLUSTER =
  'arn:aws:kafka:eu-west-1:111122223333:cluster/orders/0a1b2c3d-e4f5-6789-abcd-ef0123456789-2';
const MSK_BROKER = 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9096';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:AmazonMSK_orders-AbCdEf';
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('parameter names', () => {
  it('derives every context key from its variable and back', () => {
    for (const name of Object.keys(PARAMETERS)) {
      expect(envNameOf(contextKeyOf(name))).toBe(name);
    }
    expect(contextKeyOf('LAGPILOT_LAG_HIGH')).toBe('lagHigh');
    expect(contextKeyOf('LAGPILOT_KAFKA_SECRET_ARN')).toBe('kafkaSecretArn');
  });
});

describe('readParameters', () => {
  it('reads the cdk.json defaults with no environment (what an offline synth sees)', () => {
    const p = read();
    expect(p.brokers).toEqual(cdkJson.context.brokers.split(','));
    expect(p.topics).toEqual(['orders']);
    expect(p.rules).toEqual({});
    expect(p.deploy).toMatchObject({ workerCpu: 512, workerMemory: 1024, lagSecondsSlo: 300 });
  });

  it('lets the environment win over context', () => {
    const p = read(
      { lagHigh: 5000 },
      { LAGPILOT_LAG_HIGH: '20000', LAGPILOT_WORKER_CPU: '1024', LAGPILOT_WORKER_MEMORY: '2048' },
    );
    expect(p.rules.lagHigh).toBe(20_000);
    expect(p.deploy.workerCpu).toBe(1024);
  });

  it('takes typed context values and turns durations into Durations', () => {
    const p = read({ lagHigh: 5000, upWindow: '90s', dryRun: true, downStep: 'half' });
    expect(p.rules).toMatchObject({ lagHigh: 5000, dryRun: true, downStep: 'half' });
    expect(p.rules.upWindow?.toSeconds()).toBe(90);
    expect(p.rules.upWindow).toBeInstanceOf(Duration);
  });

  it('treats a blank variable as unset', () => {
    expect(read({ lagHigh: 5000 }, { LAGPILOT_LAG_HIGH: ' ' }).rules.lagHigh).toBe(5000);
  });

  it('fails naming the context key and the variable of a bad autoscaler value', () => {
    expect(() => read({ lagHigh: 'abc' })).toThrow(
      /lagHigh \(LAGPILOT_LAG_HIGH\)="abc": must be a number/,
    );
    expect(() => read({}, { LAGPILOT_UP_WINDOW: '5 minutes' })).toThrow(
      /upWindow \(LAGPILOT_UP_WINDOW\)="5 minutes": .*not a duration/,
    );
  });

  it('fails when minTasks is above maxTasks, saying how to fix it', () => {
    expect(() => read({ minTasks: 6, maxTasks: 4 })).toThrow(
      /minTasks \(LAGPILOT_MIN_TASKS\)="6": min \(6\) is above LAGPILOT_MAX_TASKS \(4\): lower the min or raise the max/,
    );
  });

  it('lists every bad field at once, autoscaler and deployment alike', () => {
    let message = '';
    try {
      read({ lagHigh: 'abc', workerCpu: 300, workerTransform: '{oops' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/lagHigh \(LAGPILOT_LAG_HIGH\)/);
    expect(message).toMatch(/workerCpu \(LAGPILOT_WORKER_CPU\)="300": must be one of 256, 512/);
    expect(message).toMatch(
      /workerTransform \(LAGPILOT_WORKER_TRANSFORM\)="\{oops": must be valid JSON/,
    );
  });

  it("holds worker settings to the worker's own bounds", () => {
    expect(read({ workerThreads: 256 }).deploy.workerThreads).toBe(256);
    expect(() => read({ workerThreads: 257 })).toThrow(
      /workerThreads \(LAGPILOT_WORKER_THREADS\)="257": must be at most 256/,
    );
    expect(() => read({ brokers: 'b-1.kafka.example.internal' })).toThrow(
      /brokers \(LAGPILOT_BROKERS\)="b-1.kafka.example.internal": each broker must be host:port/,
    );
  });

  it('needs a dead-letter topic unless failing messages are skipped', () => {
    expect(() => read({ workerDlqTopic: null })).toThrow(
      /workerDlqTopic \(LAGPILOT_WORKER_DLQ_TOPIC\): is required while workerOnError is dlq/,
    );
    expect(read({ workerDlqTopic: null, workerOnError: 'skip' }).deploy.workerOnError).toBe('skip');
  });

  it('needs the subnets and AZs of an existing VPC, one subnet per AZ', () => {
    expect(() => read({ vpcId: 'vpc-0123456789abcdef0' })).toThrow(
      /vpcId \(LAGPILOT_VPC_ID\).*needs vpcAzs and vpcPrivateSubnetIds/,
    );
    expect(() =>
      read({ vpcId: 'vpc-0123456789abcdef0', vpcAzs: 'a,b', vpcPrivateSubnetIds: 'subnet-1' }),
    ).toThrow(
      /vpcPrivateSubnetIds \(LAGPILOT_VPC_PRIVATE_SUBNET_IDS\).*one subnet per AZ \(2 AZs given\)/,
    );
  });

  it('requires the Kafka coordinates when cdk.json lacks them', () => {
    expect(() => readParameters({}, {})).toThrow(/brokers \(LAGPILOT_BROKERS\): is required/);
  });

  it('refuses a misspelt name instead of ignoring it, suggesting the right one', () => {
    expect(() => read({ lagHihg: 5000 })).toThrow(
      /lagHihg \(context\): unknown parameter; did you mean lagHigh\?/,
    );
    expect(() => read({}, { LAGPILOT_MAX_TASK: '8' })).toThrow(
      /LAGPILOT_MAX_TASK \(environment\): unknown parameter; did you mean LAGPILOT_MAX_TASKS\?/,
    );
    // CDK's own context (feature flags, lookups) is not a parameter.
    expect(() =>
      read({ '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:x': 1 }),
    ).not.toThrow();
  });

  it('refuses SCRAM without a secret, and MSK IAM without its cluster', () => {
    expect(() => read({ kafkaAuth: 'scram-sha-512' })).toThrow(/kafkaSecretArn/);
    expect(() => read({ kafkaAuth: 'msk-iam' })).toThrow(
      /mskClusterArn \(LAGPILOT_MSK_CLUSTER_ARN\): is required while kafkaAuth is msk-iam/,
    );
    const iam = read({ kafkaAuth: 'msk-iam', mskClusterArn: MSK_CLUSTER, brokers: 'b-1:9098' });
    expect(iam.deploy.mskClusterArn).toBe(MSK_CLUSTER);
    expect(() => read({ mskClusterArn: MSK_CLUSTER })).toThrow(
      /mskClusterArn .*only applies to kafkaAuth=msk-iam \(kafkaAuth is none\)/,
    );
    expect(() =>
      read({ kafkaAuth: 'msk-iam', mskClusterArn: 'orders', brokers: 'b-1:9098' }),
    ).toThrow(/mskClusterArn \(LAGPILOT_MSK_CLUSTER_ARN\)="orders": must be an MSK cluster ARN/);
  });

  it('names a malformed secret ARN instead of failing in CloudFormation', () => {
    expect(() => read({ kafkaAuth: 'scram-sha-512', kafkaSecretArn: 'AmazonMSK_orders' })).toThrow(
      /kafkaSecretArn \(LAGPILOT_KAFKA_SECRET_ARN\)="AmazonMSK_orders": must be the complete ARN of a Secrets Manager secret/,
    );
  });

  it('asks for the KMS key of SCRAM on MSK, and only for SCRAM', () => {
    const scram = { kafkaAuth: 'scram-sha-512', kafkaSecretArn: SECRET };
    expect(() => read({ ...scram, brokers: MSK_BROKER })).toThrow(
      /kafkaSecretKmsKeyArn .*required for SCRAM on MSK/,
    );
    expect(
      read({ ...scram, brokers: MSK_BROKER, kafkaSecretKmsKeyArn: KEY }).deploy
        .kafkaSecretKmsKeyArn,
    ).toBe(KEY);
    // A self-managed cluster's secret may use the default key.
    expect(() => read(scram)).not.toThrow();
    expect(() => read({ kafkaSecretKmsKeyArn: KEY })).toThrow(
      /only applies to the SCRAM and CA bundle secrets/,
    );
    expect(() => read({ ...scram, kafkaSecretKmsKeyArn: 'alias/kafka' })).toThrow(
      /kafkaSecretKmsKeyArn \(LAGPILOT_KAFKA_SECRET_KMS_KEY_ARN\)="alias\/kafka": must be a KMS key ARN/,
    );
  });

  it('refuses CPU/memory pairs Fargate cannot run, naming the allowed range', () => {
    expect(() => read({ workerCpu: 1024, workerMemory: 1024 })).toThrow(
      /workerMemory .*Fargate runs 1024 CPU units with 2048–8192 MiB in steps of 1024/,
    );
    for (const workerMemory of [4096, 1536]) {
      expect(() => read({ workerCpu: 256, workerMemory })).toThrow(
        /256 CPU units with 512, 1024 or 2048 MiB/,
      );
    }
    for (const workerMemory of [512, 1024, 2048]) {
      expect(read({ workerCpu: 256, workerMemory }).deploy.workerMemory).toBe(workerMemory);
    }
    expect(read({ workerCpu: 4096, workerMemory: 30_720 }).deploy.workerCpu).toBe(4096);
  });

  it('refuses a malformed VPC or security group id', () => {
    const vpc = { vpcAzs: 'eu-west-1a', vpcPrivateSubnetIds: 'subnet-0123456789abcdef0' };
    expect(() => read({ ...vpc, vpcId: 'my-vpc' })).toThrow(
      /vpcId \(LAGPILOT_VPC_ID\)="my-vpc": must be a VPC id/,
    );
    expect(read({ ...vpc, vpcId: 'vpc-0123456789abcdef0' }).deploy.vpcId).toBe(
      'vpc-0123456789abcdef0',
    );
    expect(() => read({ brokerSecurityGroupIds: 'sg-0123456789abcdef0,kafka' })).toThrow(
      /brokerSecurityGroupIds \(LAGPILOT_BROKER_SECURITY_GROUP_IDS\)="sg-0123456789abcdef0,kafka": must be security group ids/,
    );
    expect(() => read({ workerSecurityGroupId: 'kafka' })).toThrow(
      /workerSecurityGroupId \(LAGPILOT_WORKER_SECURITY_GROUP_ID\)="kafka": must be a security group id/,
    );
  });

  it('takes the consumer group protocol only with the client that runs it, naming the fix', () => {
    expect(read({ workerGroupProtocol: 'auto' }).deploy.workerGroupProtocol).toBe('auto');
    expect(
      read({ workerGroupProtocol: 'consumer', workerClient: 'platformatic' }).deploy
        .workerGroupProtocol,
    ).toBe('consumer');
    expect(() => read({ workerGroupProtocol: 'consumer' })).toThrow(
      /workerGroupProtocol \(LAGPILOT_WORKER_GROUP_PROTOCOL\)="consumer": needs workerClient=platformatic/,
    );
  });

  it("takes every client the worker runs, and documents the worker's own default", () => {
    const workerClient = ConfigSchema.shape.client;
    for (const client of workerClient.unwrap().options) {
      expect(read({ workerClient: client }).deploy.workerClient).toBe(client);
    }
    expect(read().deploy.workerClient).toBeUndefined();
    expect(DEPLOY_PARAMETERS.specs.workerClient.doc).toContain(
      `default: the worker's (${workerClient.parse(undefined)})`,
    );
    expect(() => read({ workerClient: 'librdkafka' })).toThrow(
      /workerClient \(LAGPILOT_WORKER_CLIENT\)="librdkafka": must be kafkajs, platformatic, kafkajs\+platformatic/,
    );
  });

  it('runs on FARGATE unless FARGATE_SPOT is chosen', () => {
    expect(read({}).deploy.capacityProvider).toBe('FARGATE');
    expect(read({ capacityProvider: 'FARGATE_SPOT' }).deploy.capacityProvider).toBe('FARGATE_SPOT');
    expect(() => read({ capacityProvider: 'SPOT' })).toThrow(/must be FARGATE or FARGATE_SPOT/);
  });
});

describe('the CDK app', () => {
  it('fails synth on a typo, naming the field, before building anything', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'lagpilot-synth-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      env: { ...process.env, LAGPILOT_LAG_HIGH: 'abc', CDK_OUTDIR: outdir },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('lagHigh (LAGPILOT_LAG_HIGH)="abc": must be a number');
  });
});

describe('generated parameter docs (npm run docs:params)', () => {
  const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

  it('README documents every parameter exactly as the schemas define them', () => {
    const readme = read('README.md');
    expect(readme).toBe(withParameterTable(readme));
  });

  it('sets only parameters of the generated table in the commands the docs give', () => {
    const readme = read('README.md');
    const table = readme.slice(readme.indexOf(START_MARKER), readme.indexOf(END_MARKER));
    const documented = new Set(
      [...table.matchAll(/^\| [^|]*\| `(LAGPILOT_\w+)`/gm)].map((m) => m[1]),
    );
    expect(documented.size).toBeGreaterThan(60);
    const guides = ['README.md', 'docs/deploy.md', 'docs/autoscaler.md', 'docs/local.md'];
    const set = guides.flatMap((path) =>
      [...read(path).matchAll(/\b(LAGPILOT_\w+)=/g)].map((m) => `${path}: ${m[1]}`),
    );
    expect(set.length).toBeGreaterThan(20);
    expect(set.filter((s) => !documented.has(s.split(': ')[1]))).toEqual([]);
  });

  it('docs/deploy.md, linked from the README, names only context keys of the generated table', () => {
    const readme = read('README.md');
    expect(readme).toContain('](docs/deploy.md)');
    const table = readme.slice(readme.indexOf(START_MARKER), readme.indexOf(END_MARKER));
    const documented = new Set([...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]));
    const guide = read('docs/deploy.md');
    const named = new Set([
      ...[...guide.matchAll(/`([a-z]+[A-Z]\w*)`/g)].map((m) => m[1]), // `vpcId`
      ...[...guide.matchAll(/`([a-z]\w*)=/g)].map((m) => m[1]), // `kafkaAuth=msk-iam`
      ...[...guide.matchAll(/^\s*"(\w+)":/gm)].map((m) => m[1]), // "brokers": … in a cdk.json block
    ]);
    expect(named.size).toBeGreaterThan(15);
    expect([...named].filter((key) => !documented.has(key))).toEqual([]);
  });

  it('derives every name, default and doc of a parameter from its one declaration', () => {
    const table = renderParameterTable();
    expect(table).toContain(
      `| \`upWindow\` | \`LAGPILOT_UP_WINDOW\` | \`1m\` | ${PARAMETERS.LAGPILOT_UP_WINDOW.doc} |`,
    );
    expect(table).toContain(
      `| \`workerMemory\` | \`LAGPILOT_WORKER_MEMORY\` | \`1024\` | ${DEPLOY_PARAMETERS.specs.workerMemory.doc} *(deployment)* |`,
    );
    expect(table).toContain('| — | `LAGPILOT_STATE_TABLE` | set by the stack |');
    const props = renderRuleProps();
    expect(props).toContain("readonly upWindow?: RuleValueOf<'LAGPILOT_UP_WINDOW'>;");
    expect(props).toMatch(
      /`LAGPILOT_UP_WINDOW`: how long a scale-up signal must hold\.\n\s+\* @default Duration\.minutes\(1\)/,
    );
    // Set by its context key, the rule arrives as the prop, a Duration.
    expect(
      readParameters({ ...cdkJson.context, upWindow: '2m' }, {}).rules.upWindow?.toMinutes(),
    ).toBe(2);
    const env = { LAGPILOT_WORKER_MEMORY: '2048' };
    expect(readParameters(cdkJson.context, env).deploy.workerMemory).toBe(2048);
  });

  it('the construct documents every scaling rule as a prop, with its default', () => {
    expect(read(RULE_PROPS_FILE)).toBe(renderRuleProps());
    expect(renderRuleProps()).toContain('@default Duration.minutes(5)');
    // A rule in the schema but not in the props (or the reverse) does not compile.
    expectTypeOf<keyof ScalingRuleProps>().toEqualTypeOf<ContextKey<PropEnvName>>();
  });
});

import { gunzipSync } from 'node:zlib';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../kit/params/config-error.ts';
import { EcsScalingTarget } from '../../lambda/adapters/ecs-target.ts';
import { kafkaSecurity } from '../../lambda/adapters/kafka-auth.ts';
import { CloudWatchMetricsSource, clusterName } from '../../lambda/adapters/metrics-source.ts';
import { DynamoStateStore, MemoryStateStore } from '../../lambda/adapters/state-store.ts';
import type { LagpilotConfig } from '../../lambda/core/config.ts';
import { ServiceNotFoundError, StateConflictError } from '../../lambda/core/errors.ts';
import { partitionLag } from '../../lambda/core/measure.ts';
import { EMPTY_STATE, type ScalerState } from '../../lambda/core/types.ts';

const ecs = mockClient(ECSClient);
const cw = mockClient(CloudWatchClient);
const ddb = mockClient(DynamoDBClient);
const sm = mockClient(SecretsManagerClient);
beforeEach(() => {
  ecs.reset();
  cw.reset();
  ddb.reset();
  sm.reset();
});

describe('partitionLag', () => {
  it.each([
    ['committed', 40, 100, 0, 'earliest', 60],
    ['committed at the end', 100, 100, 0, 'earliest', 0],
    ['committed at the log start', 50, 100, 50, 'latest', 50],
    [
      'committed below the log start (retention), earliest: from the log start',
      10,
      100,
      50,
      'earliest',
      50,
    ],
    [
      'committed below the log start (retention), latest: jumps to the end',
      10,
      100,
      50,
      'latest',
      0,
    ],
    ['never committed, earliest', null, 100, 30, 'earliest', 70],
    ['never committed, latest', null, 100, 30, 'latest', 0],
    [
      'committed past the end (topic recreated), earliest: re-reads the log',
      150,
      100,
      20,
      'earliest',
      80,
    ],
    [
      'committed past the end (topic recreated), latest: jumps to the end',
      150,
      100,
      20,
      'latest',
      0,
    ],
  ] as const)('%s', (_, committed, end, start, reset, lag) => {
    expect(partitionLag(committed, end, start, reset)).toBe(lag);
  });
});

describe('EcsScalingTarget', () => {
  const target = new EcsScalingTarget(new ECSClient({}), 'fleet', 'mirror');

  it('reads desired/running/pending and a rolling deployment', async () => {
    ecs.on(DescribeServicesCommand, { cluster: 'fleet', services: ['mirror'] }).resolves({
      services: [
        {
          serviceName: 'mirror',
          status: 'ACTIVE',
          desiredCount: 4,
          runningCount: 3,
          pendingCount: 1,
          deployments: [
            { status: 'PRIMARY', rolloutState: 'IN_PROGRESS' },
            { status: 'ACTIVE', rolloutState: 'COMPLETED' },
          ],
        },
      ],
    });
    expect(await target.describe()).toEqual({
      desired: 4,
      running: 3,
      pending: 1,
      deploying: true,
    });
  });

  it('a single completed deployment is not rolling', async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'mirror',
          status: 'ACTIVE',
          desiredCount: 2,
          runningCount: 2,
          pendingCount: 0,
          deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
        },
      ],
    });
    expect((await target.describe()).deploying).toBe(false);
  });

  it('a missing service is a typed error naming cluster and service', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ reason: 'MISSING' }] });
    const error = await target.describe().catch((e) => e);
    expect(error).toBeInstanceOf(ServiceNotFoundError);
    expect(error.message).toBe(
      'ECS service mirror not found in cluster fleet (MISSING): check LAGPILOT_CLUSTER and LAGPILOT_SERVICE',
    );
  });

  it('sets the desired count with UpdateService', async () => {
    ecs.on(UpdateServiceCommand).resolves({});
    await target.setDesired(6);
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: 'fleet',
      service: 'mirror',
      desiredCount: 6,
    });
  });

  it('a failed UpdateService is a typed error with the count', async () => {
    ecs.on(UpdateServiceCommand).rejects(new Error('AccessDeniedException'));
    await expect(target.setDesired(6)).rejects.toThrow(
      'UpdateService mirror to 6 failed: AccessDeniedException',
    );
  });
});

describe('CloudWatchMetricsSource', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0);
  const source = new CloudWatchMetricsSource(
    new CloudWatchClient({}),
    'arn:aws:ecs:us-east-1:123456789012:cluster/fleet',
    'mirror',
  );

  it('asks for ECS CPU and memory averages by cluster name and service, 1-minute period, over the window', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'cpu',
          Timestamps: [new Date(now - 120_000), new Date(now - 60_000)],
          Values: [50, 90],
        },
        { Id: 'memory', Timestamps: [new Date(now - 60_000)], Values: [40] },
      ],
    });
    const samples = await source.resources(now, 15 * 60_000);
    expect(samples).toEqual([
      { at: now - 120_000, cpu: 50, memory: null },
      { at: now - 60_000, cpu: 90, memory: 40 },
    ]);
    const dims = [
      { Name: 'ClusterName', Value: 'fleet' },
      { Name: 'ServiceName', Value: 'mirror' },
    ];
    expect(cw).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: new Date(now - 18 * 60_000),
      EndTime: new Date(now),
      MetricDataQueries: [
        {
          Id: 'cpu',
          MetricStat: {
            Metric: { Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Dimensions: dims },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: true,
        },
        {
          Id: 'memory',
          MetricStat: {
            Metric: { Namespace: 'AWS/ECS', MetricName: 'MemoryUtilization', Dimensions: dims },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: true,
        },
      ],
    });
  });

  it('follows pagination', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'cpu', Timestamps: [new Date(now - 60_000)], Values: [10] }],
        NextToken: 'p2',
      })
      .resolvesOnce({
        MetricDataResults: [{ Id: 'memory', Timestamps: [new Date(now - 60_000)], Values: [20] }],
      });
    expect(await source.resources(now, 60_000)).toEqual([
      { at: now - 60_000, cpu: 10, memory: 20 },
    ]);
    expect(cw).toHaveReceivedNthCommandWith(GetMetricDataCommand, 2, { NextToken: 'p2' });
  });

  it('a failure is a typed metrics error', async () => {
    cw.on(GetMetricDataCommand).rejects(new Error('Throttling'));
    await expect(source.resources(now, 60_000)).rejects.toMatchObject({
      kind: 'transient',
      retriable: true,
      message: 'GetMetricData for mirror failed: Throttling',
    });
  });

  it('reads the cluster name out of an ARN', () => {
    expect(clusterName('arn:aws:ecs:eu-west-1:1:cluster/prod')).toBe('prod');
    expect(clusterName('prod')).toBe('prod');
  });
});

describe('DynamoStateStore', () => {
  const store = new DynamoStateStore(new DynamoDBClient({}), 'lagpilot-state', 'fleet/mirror');
  const state: ScalerState = { ...EMPTY_STATE, partitionCount: 12 };

  it('loads nothing as the empty state at version 0, with a consistent read', async () => {
    ddb.on(GetItemCommand).resolves({});
    expect(await store.load()).toEqual({ value: EMPTY_STATE, version: 0 });
    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: 'lagpilot-state',
      Key: { pk: { S: 'fleet/mirror' } },
      ConsistentRead: true,
    });
  });

  it('creates the item only if absent, then writes only over the version read', async () => {
    ddb.on(PutItemCommand).resolves({});
    await store.save(state, 0);
    await store.save(state, 7);
    const first = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(first.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(first.Item?.version).toEqual({ N: '1' });
    expect(JSON.parse(gunzipSync(first.Item!.state!.B!).toString())).toEqual(state);
    expect(ddb).toHaveReceivedNthCommandWith(PutItemCommand, 2, {
      ConditionExpression: '#version = :expected',
      ExpressionAttributeValues: { ':expected': { N: '7' } },
    });
  });

  it('round-trips the state through the stored item', async () => {
    ddb.on(PutItemCommand).resolves({});
    await store.save(state, 3);
    const item = ddb.commandCalls(PutItemCommand)[0]!.args[0].input.Item!;
    ddb.on(GetItemCommand).resolves({ Item: item });
    expect(await store.load()).toEqual({ value: state, version: 4 });
  });

  it('a lost version check is a StateConflictError', async () => {
    ddb
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    await expect(store.save(state, 2)).rejects.toBeInstanceOf(StateConflictError);
  });
});

describe('MemoryStateStore', () => {
  it('keeps the same version contract', async () => {
    const store = new MemoryStateStore();
    const read = await store.load();
    await store.save({ ...EMPTY_STATE, partitionCount: 3 }, read.version);
    await expect(store.save(EMPTY_STATE, read.version)).rejects.toBeInstanceOf(StateConflictError);
    expect(await store.load()).toEqual({
      value: { ...EMPTY_STATE, partitionCount: 3 },
      version: 1,
    });
  });
});

describe('kafkaSecurity', () => {
  const kafka: LagpilotConfig['kafka'] = {
    brokers: ['b:9096'],
    groupId: 'g',
    topics: ['t'],
    auth: 'scram-sha-512',
    secretArn: 'arn:secret',
    tls: true,
    offsetReset: 'earliest',
  };
  const client = () => new SecretsManagerClient({});

  it('reads SCRAM credentials from the secret', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'arn:secret' }).resolves({
      SecretString: JSON.stringify({ username: 'u', password: 'p' }),
    });
    expect(await kafkaSecurity(kafka, client, 'us-east-1')).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
  });

  it('a malformed secret fails without echoing it', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"user":"u","pass":"hunter2"}' });
    const error = await kafkaSecurity(kafka, client, 'us-east-1').catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(
      /must be a JSON object with string fields "username" and "password"/,
    );
    expect(error.message).not.toMatch(/hunter2/);
  });

  it('none and tls need no secret', async () => {
    expect(
      await kafkaSecurity({ ...kafka, auth: 'none', tls: false }, client, 'us-east-1'),
    ).toEqual({ ssl: false });
    expect(await kafkaSecurity({ ...kafka, auth: 'tls', tls: false }, client, 'us-east-1')).toEqual(
      { ssl: true },
    );
    expect(sm).not.toHaveReceivedAnyCommand();
  });

  it('a private CA bundle from its secret is trusted for TLS, and only with TLS', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    sm.on(GetSecretValueCommand, { SecretId: 'arn:ca' }).resolves({ SecretString: pem });
    sm.on(GetSecretValueCommand, { SecretId: 'arn:secret' }).resolves({
      SecretString: JSON.stringify({ username: 'u', password: 'p' }),
    });
    const withCa = { ...kafka, caSecretArn: 'arn:ca' };
    expect(await kafkaSecurity(withCa, client, 'us-east-1')).toEqual({
      ssl: { ca: [pem] },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
    expect(
      await kafkaSecurity({ ...withCa, auth: 'tls', tls: false }, client, 'us-east-1'),
    ).toEqual({ ssl: { ca: [pem] } });
  });

  it('a CA secret without a PEM certificate fails naming the parameter, without echoing it', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'arn:ca' }).resolves({ SecretString: 'hunter2' });
    const error = await kafkaSecurity(
      { ...kafka, auth: 'tls', caSecretArn: 'arn:ca' },
      client,
      'us-east-1',
    ).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/LAGPILOT_KAFKA_CA_SECRET_ARN.*PEM certificates/);
    expect(error.message).not.toMatch(/hunter2/);
  });

  it('msk-iam signs an OAUTHBEARER token for kafka-cluster:Connect with the role credentials, over TLS', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLAGPILOTTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    try {
      const security = await kafkaSecurity(
        { ...kafka, auth: 'msk-iam', tls: false },
        client,
        'eu-west-1',
      );
      expect(security.ssl).toBe(true);
      const sasl = security.sasl as {
        mechanism: string;
        oauthBearerProvider: () => Promise<{ value: string }>;
      };
      expect(sasl.mechanism).toBe('oauthbearer');
      const url = Buffer.from((await sasl.oauthBearerProvider()).value, 'base64url').toString();
      expect(url).toMatch(
        /^https:\/\/kafka\.eu-west-1\.amazonaws\.com\/\?Action=kafka-cluster%3AConnect&/,
      );
      expect(url).toContain('X-Amz-Credential=AKIDLAGPILOTTEST%2F');
      expect(url).toContain('X-Amz-Signature=');
    } finally {
      vi.unstubAllEnvs();
    }
    await expect(kafkaSecurity({ ...kafka, auth: 'msk-iam' }, client, undefined)).rejects.toThrow(
      /set AWS_REGION/,
    );
  });
});

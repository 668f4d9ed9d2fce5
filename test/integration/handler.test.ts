import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import type { Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ConfigError } from '../../kit/params/config-error.ts';
import { sleep } from '../../kit/process.ts';
import { parseConfig } from '../../lambda/core/config.ts';
import {
  createHandler,
  type InvocationSummary,
  type StepSummary,
} from '../../lambda/handler/app.ts';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';

const MINUTE = 60_000;
const PARTITIONS = 4;
const aws = {
  endpoint: inject('awsEndpoint'),
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};

/**
 * The whole handler, end to end: a real broker holding the group's lag, moto holding the ECS
 * service, the state table and the CPU/memory datapoints. The clock is injected and advanced
 * one minute per invocation; the test plays ECS's part by running as many consumers in the
 * group as the service's desired count (moto reports them running at once).
 */
describe(`autoscaler handler end to end on Kafka ${inject('kafkaVersion')} and moto`, () => {
  const kafka = testKafka('lagpilot-fleet');
  const admin = kafka.admin();
  const ecs = new ECSClient(aws);
  const cloudwatch = new CloudWatchClient(aws);
  const dynamo = new DynamoDBClient(aws);
  const topic = uniqueName('e2e');
  const groupId = uniqueName('e2e-group');
  const cluster = uniqueName('fleet');
  const service = uniqueName('mirror');
  const table = uniqueName('lagpilot-state');
  const consumers: Consumer[] = [];
  let draining = false;
  let clock = Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE;

  const env = {
    LAGPILOT_BROKERS: inject('kafkaBrokers'),
    LAGPILOT_GROUP_ID: groupId,
    LAGPILOT_TOPICS: topic,
    LAGPILOT_CLUSTER: cluster,
    LAGPILOT_SERVICE: service,
    LAGPILOT_STATE_TABLE: table,
    LAGPILOT_MAX_TASKS: '10',
    // One step per invocation: the test drives the clock a minute at a time.
    LAGPILOT_STEP_INTERVAL: '1m',
    LAGPILOT_UP_WINDOW: '2m',
    LAGPILOT_UP_COOLDOWN: '1m',
    LAGPILOT_DOWN_WINDOW: '3m',
    LAGPILOT_DOWN_COOLDOWN: '1m',
    // The fleet is paused on purpose while lag builds: not a stall for this test.
    LAGPILOT_STALL_STEPS: '100',
  };

  async function desiredCount(): Promise<number> {
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    return out.services?.[0]?.desiredCount ?? -1;
  }

  /** ECS's part: run `n` consumers in the group, then wait until the group is stable with them. */
  async function resizeFleet(n: number) {
    while (consumers.length > n) await consumers.pop()!.disconnect();
    while (consumers.length < n) {
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, rebalanceTimeout: 5_000 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
          // Until the test drains, the workers hold back: lag builds up.
          while (!draining) {
            await heartbeat();
            await sleep(100);
          }
          const last = batch.messages.at(-1);
          if (last) resolveOffset(last.offset);
          await consumer.commitOffsets([
            { topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) },
          ]);
          await commitOffsetsIfNecessary();
        },
      });
      consumers.push(consumer);
    }
    await eventually(async () => {
      const { groups } = await admin.describeGroups([groupId]);
      const g = groups[0];
      const settled =
        n === 0 ? g?.members.length === 0 : g?.state === 'Stable' && g.members.length === n;
      return settled ? true : undefined;
    }, 60_000);
  }

  async function putUtilisation(cpu: number, memory: number) {
    const dims = [
      { Name: 'ClusterName', Value: cluster },
      { Name: 'ServiceName', Value: service },
    ];
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ECS',
        MetricData: [
          {
            MetricName: 'CPUUtilization',
            Dimensions: dims,
            Value: cpu,
            Unit: 'Percent',
            Timestamp: new Date(clock),
          },
          {
            MetricName: 'MemoryUtilization',
            Dimensions: dims,
            Value: memory,
            Unit: 'Percent',
            Timestamp: new Date(clock),
          },
        ],
      }),
    );
  }

  let handler: Awaited<ReturnType<typeof createHandler>>;
  const context = {
    functionName: 'lagpilot-autoscaler',
    awsRequestId: 'req',
    invokedFunctionArn: 'arn',
  } as Context;

  /** One scheduled invocation one minute after the last; then the fleet follows the service. */
  async function invoke(cpu: number, memory: number): Promise<StepSummary & { desired: number }> {
    clock += MINUTE;
    await putUtilisation(cpu, memory);
    const summary = (await handler({}, context)) as StepSummary;
    const desired = await desiredCount();
    await resizeFleet(desired);
    return { ...summary, desired };
  }

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS }],
      waitForLeaders: true,
    });
    await admin.setOffsets({
      groupId,
      topic,
      partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({
        partition,
        offset: '0',
      })),
    });
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: service,
        containerDefinitions: [{ name: 'worker', image: 'worker:latest', memory: 512 }],
      }),
    );
    // moto quirks: a service created with the ECS deployment controller keeps its first
    // deployment IN_PROGRESS forever (moto starts it with 0 running tasks and never completes
    // it), so the test service uses the EXTERNAL controller (no deployments listed); and only
    // UpdateService marks tasks running.
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: service,
        taskDefinition: service,
        desiredCount: 1,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    await ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: 1 }));
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    handler = await createHandler(parseConfig(env), { aws, now: () => clock });
    await resizeFleet(1);
  });

  afterAll(async () => {
    draining = true;
    await resizeFleet(0).catch(() => undefined);
    await admin.disconnect();
  });

  it('scales up while lag stays above the threshold, capped at the partition count, and down slowly once it drains', async () => {
    const log = vi.spyOn(process.stdout, 'write');
    const producer = kafka.producer();
    await producer.connect();
    const burst = Array.from({ length: 20_000 }, (_, i) => ({ key: `k${i}`, value: 'x' }));
    await producer.send({ topic, messages: burst });
    await producer.disconnect();

    // Lag 20,000 > 10,000 on a paused fleet (no consume rate to size by): after the 2-minute
    // window, ×3 to the balanced 2, then 4 (= partitions).
    const up: Awaited<ReturnType<typeof invoke>>[] = [];
    for (let i = 0; i < 8; i++) up.push(await invoke(50, 60));
    const counts = up.map((s) => s.desired);
    expect(counts[0]).toBe(1);
    expect(Math.max(...counts)).toBe(PARTITIONS);
    expect(counts.at(-1)).toBe(PARTITIONS);
    expect(up.find((s) => s.action === 'up')?.cause).toMatchObject({
      rule: 'up',
      signals: [{ kind: 'lag', value: 20_000, threshold: 10_000, windowMs: 120_000 }],
    });
    expect(up.at(-1)?.cause).toMatchObject({ rule: 'hold', hold: { kind: 'no-useful-count' } });

    // The decision log line and the EMF metrics went to stdout.
    const written = log.mock.calls.map((c) => String(c[0])).join('');
    log.mockRestore();
    expect(written).toMatch(
      /"message":"scale 1→2: lag 20,000 > 10,000 for 2\/2 min; cap 4 \(partitions\)"/,
    );
    expect(written).toMatch(/"cause":\{"rule":"up","signals":\[\{"kind":"lag","value":20000/);
    expect(written).toMatch(/"TotalLag":20000/);

    // Drain, then calm CPU/memory: it comes down only after the 3-minute window. Nothing was
    // produced, so no step saw the group saturated and the per-task capacity is unknown: the
    // step is conservative, one down (3 drains no faster than 2 on 4 partitions).
    draining = true;
    await eventually(async () => {
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0);
      return committed >= 20_000 ? true : undefined;
    }, 60_000);
    const down: Awaited<ReturnType<typeof invoke>>[] = [];
    for (let i = 0; i < 10; i++) down.push(await invoke(10, 30));
    const firstDown = down.findIndex((s) => s.action === 'down');
    expect(firstDown).toBeGreaterThanOrEqual(2); // the calm must cover the whole window first
    expect(down[firstDown]!.cause).toMatchObject({
      rule: 'down',
      min: 1,
      step: { kind: 'fixed', step: 'one', capacityUnknown: true },
      calm: {
        signals: [
          { kind: 'lag', value: 0, threshold: 4_000 },
          { kind: 'cpu', value: 10, threshold: 90 },
          { kind: 'memory', value: 30, threshold: 50 },
        ],
        windowMs: 180_000,
      },
    });
    expect(down[firstDown]!.reasons).toEqual([
      'scale 4→2: lag 0 < 4,000, cpu 10% < 90%, memory 30% < 50% for 3/3 min; min 1',
      'step down by one: per-task capacity not known yet',
    ]);
    const steps = down.filter((s) => s.action === 'down').map((s) => `${s.from}→${s.to}`);
    expect(steps[0]).toBe('4→2');
    expect(steps.every((s, i) => i === 0 || s === '2→1')).toBe(true);
  });

  it('with a 20 s step interval one invocation runs three steps, each with its decision line and datapoints', async () => {
    const fast = await createHandler(parseConfig({ ...env, LAGPILOT_STEP_INTERVAL: '20s' }), {
      aws,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    clock += MINUTE;
    await putUtilisation(10, 30);
    const started = clock;
    const log = vi.spyOn(process.stdout, 'write');
    const summary = (await fast(
      {},
      { ...context, getRemainingTimeInMillis: () => 58_000 - (clock - started) },
    )) as StepSummary & { steps: StepSummary[] };
    const written = log.mock.calls.map((c) => String(c[0])).join('');
    log.mockRestore();
    expect(clock - started).toBe(40_000);
    expect(summary.steps).toHaveLength(3);
    expect(summary.steps.every((s) => s.errors === 0)).toBe(true);
    expect(written.match(/"decision":\{/g)).toHaveLength(3);
    expect(written.match(/"TotalLag":/g)).toHaveLength(3);
  });

  it('with a step queue, the scheduled invocation runs one step and each queued step the next', async () => {
    const sqs = new SQSClient(aws);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('steps') }));
    const chained = await createHandler(
      parseConfig({ ...env, LAGPILOT_STEP_INTERVAL: '15s', LAGPILOT_STEP_QUEUE_URL: QueueUrl }),
      { aws, now: () => clock, sleep: () => Promise.reject(new Error('a chained step sleeps')) },
    );
    clock += MINUTE;
    await putUtilisation(10, 30);
    const minuteStart = clock;
    const delayed = async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
        }),
      );
      return Number(Attributes?.ApproximateNumberOfMessagesDelayed);
    };
    const first = (await chained({}, context)) as InvocationSummary;
    expect(first.steps).toHaveLength(1);
    expect(first.queued).toEqual({ minuteStart, due: minuteStart + 15_000 });
    expect(await delayed()).toBe(1);

    // SQS delivers each message once its delay is over; the test plays the event source.
    const deliver = async (due: number) => {
      clock = due + 300;
      const body = JSON.stringify({ minuteStart, due });
      return (await chained({ Records: [{ body }] }, context)) as InvocationSummary;
    };
    expect((await deliver(minuteStart + 15_000)).queued?.due).toBe(minuteStart + 30_000);
    expect((await deliver(minuteStart + 30_000)).queued?.due).toBe(minuteStart + 45_000);
    const last = await deliver(minuteStart + 45_000);
    expect(last.steps).toHaveLength(1);
    expect(last.errors).toBe(0);
    expect(last.queued).toBeUndefined();
    expect(await delayed()).toBe(3);

    // A message delivered after its minute ended runs nothing; neither does one not ours.
    clock = minuteStart + 2 * MINUTE;
    const late = JSON.stringify({ minuteStart, due: minuteStart + 15_000 });
    expect(await chained({ Records: [{ body: late }] }, context)).toMatchObject({
      skipped: expect.stringMatching(/came late/),
    });
    expect(await chained({ Records: [{ body: 'hello' }] }, context)).toEqual({
      skipped: 'not a step message',
    });
  });

  it('an invalid configuration fails the Lambda init with every bad field', async () => {
    vi.stubEnv('LAGPILOT_MIN_TASKS', '9');
    vi.stubEnv('LAGPILOT_MAX_TASKS', '3');
    vi.stubEnv('LAGPILOT_UP_WINDOW', 'soon');
    try {
      const error = await import('../../lambda/handler/handler.ts').catch((e) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^LAGPILOT_BROKERS: is required/),
          expect.stringMatching(/^LAGPILOT_UP_WINDOW="soon"/),
          expect.stringMatching(
            /^LAGPILOT_MIN_TASKS="9": min \(9\) is above LAGPILOT_MAX_TASKS \(3\)/,
          ),
        ]),
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, inject, it } from 'vitest';
import { WORKER_METRIC_DIMENSION } from '../../worker/src/cloudwatch-metrics.ts';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { createTopics } from '../helpers/worker-data.ts';
import { endOffset, WorkerProcess, workersOfBlock } from '../helpers/worker-process.ts';

const AWS = { region: 'us-east-1', accessKeyId: 'test', secretAccessKey: 'test' };

describe('worker counters in CloudWatch (moto)', () => {
  const kafka = testKafka();
  const workers = workersOfBlock();
  const cloudwatch = new CloudWatchClient({
    endpoint: inject('awsEndpoint'),
    region: AWS.region,
    credentials: { accessKeyId: AWS.accessKeyId, secretAccessKey: AWS.secretAccessKey },
  });
  const sum = async (namespace: string, group: string, metric: string) => {
    const now = Date.now();
    const { Datapoints = [] } = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: metric,
        Dimensions: [{ Name: WORKER_METRIC_DIMENSION, Value: group }],
        StartTime: new Date(now - 3_600_000),
        EndTime: new Date(now + 60_000),
        Period: 60,
        Statistics: ['Sum'],
      }),
    );
    return Datapoints.reduce((total, d) => total + (d.Sum ?? 0), 0);
  };

  it('publishes the dead-lettered and forwarded counts that a DLQ alarm reads back', async () => {
    const [input, output, dlq] = ['cw-in', 'cw-out', 'cw-dlq'].map(uniqueName) as [
      string,
      string,
      string,
    ];
    const group = uniqueName('cw-g');
    const namespace = uniqueName('LagpilotWorkerTest');
    await createTopics(kafka, { [input]: 1, [output]: 1, [dlq]: 1 });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      acks: -1,
      messages: [
        { key: 'k', value: JSON.stringify({ user: 'u1' }) },
        { key: 'k', value: 'not json {' },
        { key: 'k', value: JSON.stringify({ other: true }) },
        { key: 'k', value: '[' },
        { key: 'k', value: JSON.stringify({ user: 'u2' }) },
      ],
    });
    await producer.disconnect();

    const worker = await WorkerProcess.start({
      MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
      MIRROR_APPID: group,
      MIRROR_INPUT: input,
      MIRROR_OUTPUT: output,
      MIRROR_PARTITION: '/user',
      MIRROR_DLQ_TOPIC: dlq,
      MIRROR_METRICS_NAMESPACE: namespace,
      MIRROR_METRICS_INTERVAL: '1',
      AWS_ENDPOINT_URL: inject('awsEndpoint'),
      AWS_REGION: AWS.region,
      AWS_ACCESS_KEY_ID: AWS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey,
    });
    workers.push(worker);
    await worker.ready();
    await eventually(async () => ((await endOffset(kafka, dlq)) >= 3 ? true : undefined), 60_000);

    await eventually(
      async () => ((await sum(namespace, group, 'DeadLettered')) === 3 ? true : undefined),
      30_000,
    );
    expect(await sum(namespace, group, 'RecordsIn')).toBe(5);
    expect(await sum(namespace, group, 'RecordsOut')).toBe(2);
    expect(await sum(namespace, group, 'Errors')).toBe(3);
    expect(await sum(namespace, 'another-group', 'DeadLettered')).toBe(0);
    worker.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});

import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetrics } from '../../worker/src/cloudwatch-metrics.ts';
import { Stats } from '../../worker/src/stats.ts';

const cloudwatch = mockClient(CloudWatchClient);

function sent(call: number) {
  const input = cloudwatch.commandCalls(PutMetricDataCommand)[call]!.args[0].input;
  return Object.fromEntries((input.MetricData ?? []).map((d) => [d.MetricName, d.Value]));
}

describe('worker counters → CloudWatch', () => {
  beforeEach(() => cloudwatch.reset());

  function publisher() {
    const stats = new Stats();
    const metrics = new CloudWatchMetrics(stats, {
      namespace: 'Lagpilot',
      group: 'orders-mirror',
      intervalMs: 3_600_000,
      client: new CloudWatchClient({ region: 'eu-west-1' }),
    });
    return { stats, metrics };
  }

  it('publishes each counter’s increase since the last publish, in its namespace, by group', async () => {
    const { stats, metrics } = publisher();
    stats.consumed = 10;
    stats.produced = 7;
    stats.filtered = 1;
    stats.dlq = 2;
    stats.errors = 2;
    await metrics.flush();
    stats.consumed = 15;
    stats.produced = 12;
    await metrics.stop();
    const [first] = cloudwatch.commandCalls(PutMetricDataCommand);
    expect(first!.args[0].input).toMatchObject({
      Namespace: 'Lagpilot',
      MetricData: expect.arrayContaining([
        expect.objectContaining({
          MetricName: 'DeadLettered',
          Dimensions: [{ Name: 'group', Value: 'orders-mirror' }],
          Unit: 'Count',
        }),
      ]),
    });
    expect(sent(0)).toEqual({
      RecordsIn: 10,
      RecordsOut: 7,
      Filtered: 1,
      DeadLettered: 2,
      Errors: 2,
    });
    expect(sent(1)).toEqual({
      RecordsIn: 5,
      RecordsOut: 5,
      Filtered: 0,
      DeadLettered: 0,
      Errors: 0,
    });
  });

  it('loses nothing when a publish fails: the next one carries the increase', async () => {
    const { stats, metrics } = publisher();
    cloudwatch.on(PutMetricDataCommand).rejectsOnce(new Error('throttled')).resolves({});
    stats.dlq = 4;
    await metrics.flush();
    stats.dlq = 5;
    await metrics.stop();
    expect(sent(1).DeadLettered).toBe(5);
  });
});

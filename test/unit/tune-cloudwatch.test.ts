import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { windowsFor } from '../../tune/cloudwatch-query.ts';
import { readCloudWatchHistory } from '../../tune/index.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);

describe('lagpilot tune --service: CloudWatch reads', () => {
  it('reads 1-minute periods for 15 days, 5-minute to 63, hourly beyond, without overlap', () => {
    const w = windowsFor(NOW, 70);
    expect(w.map((x) => x.periodS)).toEqual([3600, 300, 60]);
    expect(w[0]!.fromMs).toBe(NOW - 70 * DAY);
    expect(w[1]!.fromMs).toBe(w[0]!.toMs);
    expect(w[2]!.fromMs).toBe(w[1]!.toMs);
    expect([w[0]!.toMs, w[1]!.toMs, w[2]!.toMs]).toEqual([NOW - 63 * DAY, NOW - 15 * DAY, NOW]);
    expect(windowsFor(NOW, 2)).toEqual([{ fromMs: NOW - 2 * DAY, toMs: NOW, periodS: 60 }]);
  });

  it('follows NextToken through every page of a request', async () => {
    const cw = mockClient(CloudWatchClient);
    const at = (m: number) => new Date(NOW - 3 * 60_000 + m * 60_000);
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Label: 'ProduceRate', Timestamps: [at(0)], Values: [10] }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [{ Label: 'ProduceRate', Timestamps: [at(1), at(2)], Values: [20, 30] }],
      });
    const history = await readCloudWatchHistory(
      { service: 's', namespace: 'Lagpilot', days: 1 },
      { client: new CloudWatchClient({ region: 'us-east-1' }), nowMs: NOW },
    );
    expect(history.trace.rates).toEqual([10, 20, 30]);
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.NextToken).toBe('page-2');
    cw.restore();
  });

  it('names the permission when CloudWatch denies the call', async () => {
    const cw = mockClient(CloudWatchClient);
    cw.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudwatch:GetMetricData'), {
        name: 'AccessDenied',
      }),
    );
    await expect(
      readCloudWatchHistory(
        { service: 's', namespace: 'Lagpilot', days: 1 },
        { client: new CloudWatchClient({ region: 'us-east-1' }), nowMs: NOW },
      ),
    ).rejects.toThrow(
      /refused the call \(AccessDenied: .*\): the caller needs cloudwatch:GetMetricData/,
    );
    cw.restore();
  });
});

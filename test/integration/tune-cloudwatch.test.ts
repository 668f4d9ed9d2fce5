import {
  CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Moto, startMoto } from '../../dev/moto-server.ts';
import { readCloudWatchHistory } from '../../tune/index.ts';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const client = (endpoint: string) =>
  new CloudWatchClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });

const MIN = 60_000;
const DAY = 86_400_000;
/** Now, on an hour: every tier's datapoints land on their own period's boundaries. */
const NOW = Math.floor(Date.now() / 3_600_000) * 3_600_000;

/** Datapoints of one metric for `service`, every `everyMs` over [from, to). */
function points(
  name: string,
  service: string,
  from: number,
  to: number,
  everyMs: number,
  value: (t: number) => number,
): MetricDatum[] {
  const out: MetricDatum[] = [];
  for (let t = from; t < to; t += everyMs) {
    out.push({
      MetricName: name,
      Dimensions: [{ Name: 'service', Value: service }],
      Timestamp: new Date(t),
      Value: value(t),
      Unit: 'Count/Second',
    });
  }
  return out;
}

async function put(cw: CloudWatchClient, namespace: string, data: MetricDatum[]) {
  for (let i = 0; i < data.length; i += 500) {
    await cw.send(
      new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(i, i + 500) }),
    );
  }
}

describe('lagpilot tune --service: the history from CloudWatch (moto)', () => {
  const cw = client(inject('awsEndpoint'));
  const namespace = `LagpilotTune${Date.now()}`;
  const service = 'orders-mirror';

  beforeAll(async () => {
    const rate = (t: number) => 1_000 + ((t / MIN) % 7);
    await put(cw, namespace, [
      // Hourly, 66 to 64 days ago; 5-minute, 20 to 19 days ago; 1-minute, the last 6 hours but
      // for a 30-minute hole two hours ago.
      ...points('ProduceRate', service, NOW - 66 * DAY, NOW - 64 * DAY, 60 * MIN, () => 500),
      ...points('ProduceRate', service, NOW - 20 * DAY, NOW - 19 * DAY, 5 * MIN, () => 800),
      ...points('ProduceRate', service, NOW - 6 * 60 * MIN, NOW - 150 * MIN, MIN, rate),
      ...points('ProduceRate', service, NOW - 120 * MIN, NOW, MIN, rate),
      ...points('TaskCapacity', service, NOW - 60 * MIN, NOW, MIN, () => 1_250),
      ...points('TaskStartSeconds', service, NOW - 60 * MIN, NOW, MIN, () => 45),
      ...points('Partitions', service, NOW - 60 * MIN, NOW, MIN, () => 24),
      ...points('ProduceRate', 'other-service', NOW - 60 * MIN, NOW, MIN, () => 1),
    ]);
  });

  it('reads each age at the resolution CloudWatch keeps, through many requests, and reports the gaps', async () => {
    const history = await readCloudWatchHistory(
      { service, namespace, days: 66 },
      { client: cw, nowMs: NOW, periodsPerRequest: 1_440 },
    );
    expect(history.resolutions.map((r) => r.periodS)).toEqual([3600, 300, 60]);
    expect(history.trace.intervalS).toBe(60);
    expect(history.startMs).toBe(NOW - 66 * DAY);
    // The hourly stretch holds 500 for 60 one-minute samples per hour; the newest minute is the last rate.
    expect(history.trace.rates.slice(0, 120).every((r) => r === 500)).toBe(true);
    expect(history.trace.rates.length).toBe((66 * DAY) / MIN);
    const hole = history.gaps.find((g) => g.fromMs === NOW - 150 * MIN);
    expect(hole).toEqual({ fromMs: NOW - 150 * MIN, toMs: NOW - 120 * MIN });
    expect(history.gaps.find((g) => g.fromMs === NOW - 64 * DAY)?.toMs).toBe(NOW - 20 * DAY);
    expect(history.facts).toEqual({ capacity: 1_250, startDelayS: 45, partitions: 24 });
  });

  it('names the namespace it should read when the one given has no ProduceRate', async () => {
    await expect(
      // moto matches a query with dimensions by name and dimensions only, whatever its namespace:
      // a service that published nowhere stands for it.
      readCloudWatchHistory(
        { service: 'orders-elsewhere', namespace: 'NoSuchNamespace', days: 1 },
        { client: cw, nowMs: NOW },
      ),
    ).rejects.toThrow(
      /namespace "NoSuchNamespace" has no ProduceRate metric.*give that as --namespace/,
    );
  });

  it('names the services that do publish when the one given does not', async () => {
    await expect(
      readCloudWatchHistory(
        { service: 'orders-typo', namespace, days: 1 },
        { client: cw, nowMs: NOW },
      ),
    ).rejects.toThrow(
      /no ProduceRate for service "orders-typo".*orders-mirror.*other-service|other-service.*orders-mirror/,
    );
  });

  it('says the history is empty when the service published nothing in the days asked', async () => {
    await expect(
      readCloudWatchHistory(
        { service, namespace, days: 10 },
        { client: cw, nowMs: NOW - 21 * DAY },
      ),
    ).rejects.toThrow(/empty history: service "orders-mirror" published no ProduceRate.*--days/);
  });

  describe('with credentials CloudWatch refuses', () => {
    let locked: Moto;
    beforeAll(async () => {
      locked = await startMoto();
      // From the next request on, moto checks every request against IAM: "test" is no known key.
      await fetch(`${locked.endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
    });
    afterAll(() => locked?.stop());

    it('names the permission to grant', async () => {
      await expect(
        readCloudWatchHistory(
          { service, namespace, days: 1 },
          { client: client(locked.endpoint), nowMs: NOW },
        ),
      ).rejects.toThrow(/CloudWatch refused the call .*cloudwatch:GetMetricData/);
    });
  });
});

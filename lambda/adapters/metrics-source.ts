/**
 * CPU and memory of the ECS service from CloudWatch: `AWS/ECS` CPUUtilization and
 * MemoryUtilization by ClusterName/ServiceName, 1-minute period, statistic Maximum (the busiest
 * task: a saturated worker on a hot partition is not averaged away), over the longest
 * sustain window plus the few minutes CloudWatch takes to publish a datapoint. The kept
 * history merges these by timestamp, so a cold start judges the whole window at once.
 */

import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  AutoscalerError,
  type EpochMs,
  type MetricsSource,
  type Millis,
  messageOf,
  RESOURCE_PERIOD_MS,
  type ResourceSample,
} from '../core/index.ts';

const PERIOD_S = RESOURCE_PERIOD_MS / 1000;
/** ECS metrics arrive 1–3 minutes late; ask a little further back than the window. */
const PUBLISH_DELAY_MS = 3 * 60_000;

/** `arn:aws:ecs:…:cluster/name` or `name` → `name` (the metric dimension wants the name). */
export const clusterName = (cluster: string): string => cluster.slice(cluster.lastIndexOf('/') + 1);

export class CloudWatchMetricsSource implements MetricsSource {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly cluster: string,
    private readonly service: string,
  ) {}

  async resources(now: EpochMs, windowMs: Millis): Promise<ResourceSample[]> {
    const dimensions = [
      { Name: 'ClusterName', Value: clusterName(this.cluster) },
      { Name: 'ServiceName', Value: this.service },
    ];
    const query = (Id: string, MetricName: string) => ({
      Id,
      MetricStat: {
        Metric: { Namespace: 'AWS/ECS', MetricName, Dimensions: dimensions },
        Period: PERIOD_S,
        Stat: 'Maximum',
      },
      ReturnData: true,
    });
    const results: MetricDataResult[] = [];
    let NextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new GetMetricDataCommand({
            StartTime: new Date(now - windowMs - PUBLISH_DELAY_MS),
            EndTime: new Date(now),
            MetricDataQueries: [
              query('cpu', 'CPUUtilization'),
              query('memory', 'MemoryUtilization'),
            ],
            ScanBy: 'TimestampAscending',
            NextToken,
          }),
        );
        results.push(...(page.MetricDataResults ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
    } catch (error) {
      throw new AutoscalerError(
        'transient',
        `GetMetricData for ${this.service} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    return samplesOf(results);
  }
}

/** Joins the cpu and memory series by timestamp, oldest first. */
export function samplesOf(results: readonly MetricDataResult[]): ResourceSample[] {
  const byTime = new Map<number, ResourceSample>();
  for (const r of results) {
    const field = r.Id === 'cpu' ? 'cpu' : r.Id === 'memory' ? 'memory' : undefined;
    if (!field) continue;
    (r.Timestamps ?? []).forEach((t, i) => {
      const at = t.getTime();
      const value = r.Values?.[i];
      if (value === undefined) return;
      const sample = byTime.get(at) ?? { at, cpu: null, memory: null };
      sample[field] = value;
      byTime.set(at, sample);
    });
  }
  return [...byTime.values()].sort((a, b) => a.at - b.at);
}

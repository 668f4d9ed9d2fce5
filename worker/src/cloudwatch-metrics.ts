import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { log } from './log.ts';
import type { Stats } from './stats.ts';

/**
 * The worker's counters in CloudWatch: every interval, each counter's increase since the last
 * publish goes out with PutMetricData (one call, a `Count` per metric, the group as the only
 * dimension so every task adds to the same series). No sidecar and no log parsing: the task
 * role's `cloudwatch:PutMetricData` (conditioned on the namespace) is all it needs.
 */

/** Metric name → the Stats counter it reports. */
export const WORKER_METRICS = {
  RecordsIn: 'consumed',
  RecordsOut: 'produced',
  Filtered: 'filtered',
  DeadLettered: 'dlq',
  Errors: 'errors',
} as const satisfies Record<string, keyof Stats>;

export type WorkerMetricName = keyof typeof WORKER_METRICS;

/** The one dimension of every worker metric: the consumer group id. */
export const WORKER_METRIC_DIMENSION = 'group';

type Counter = (typeof WORKER_METRICS)[WorkerMetricName];

export interface CloudWatchMetricsOptions {
  readonly namespace: string;
  readonly group: string;
  readonly intervalMs: number;
  /** @default a client from the environment (region, credentials, AWS_ENDPOINT_URL) */
  readonly client?: CloudWatchClient;
}

export class CloudWatchMetrics {
  readonly #client: CloudWatchClient;
  readonly #timer: NodeJS.Timeout;
  #sent: Record<Counter, number>;

  constructor(
    readonly stats: Stats,
    readonly options: CloudWatchMetricsOptions,
  ) {
    this.#client = options.client ?? new CloudWatchClient({});
    this.#sent = this.#snapshot();
    // Zeroes from the start: a stalled fleet reads as 0, not as missing data.
    this.#timer = setInterval(() => void this.flush(), options.intervalMs);
    this.#timer.unref();
  }

  /** Publishes the increases since the last publish; a failure is logged and retried next time. */
  async flush(): Promise<void> {
    const now = this.#snapshot();
    const timestamp = new Date();
    const dimensions = [{ Name: WORKER_METRIC_DIMENSION, Value: this.options.group }];
    try {
      await this.#client.send(
        new PutMetricDataCommand({
          Namespace: this.options.namespace,
          MetricData: Object.entries(WORKER_METRICS).map(([name, counter]) => ({
            MetricName: name,
            Dimensions: dimensions,
            Timestamp: timestamp,
            Unit: StandardUnit.Count,
            Value: now[counter] - this.#sent[counter],
          })),
        }),
      );
      this.#sent = now;
    } catch (err) {
      // Unsent increases stay counted and go out with the next publish.
      log('WARN', `CloudWatch metrics not published: ${(err as Error).message}`, {
        event: 'metrics_failed',
      });
    }
  }

  /** Stops the timer and publishes what is left. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  #snapshot(): Record<Counter, number> {
    const s = this.stats;
    return {
      consumed: s.consumed,
      produced: s.produced,
      filtered: s.filtered,
      dlq: s.dlq,
      errors: s.errors,
    };
  }
}

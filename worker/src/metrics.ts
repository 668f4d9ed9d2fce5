import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Stats } from './stats.ts';

const PREFIX = 'lagpilot_worker_';

/**
 * What /metrics serves: the worker's counters and gauges, read from Stats at each scrape, beside
 * prom-client's default process metrics (resident memory, heap, event-loop lag, GC, handles).
 * One registry per worker, not the library's global one.
 */
export class WorkerMetrics {
  readonly #registry = new Registry();

  constructor(stats: Stats, now: () => number = Date.now) {
    collectDefaultMetrics({ register: this.#registry });
    const registers = [this.#registry];
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name: PREFIX + name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name: PREFIX + name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    counter('messages_consumed_total', 'Records read from the input topics.', () => stats.consumed);
    counter(
      'messages_produced_total',
      'Records acknowledged by the output topics.',
      () => stats.produced,
    );
    counter(
      'messages_filtered_total',
      'Records dropped by the filter or routes.',
      () => stats.filtered,
    );
    counter('messages_dlq_total', 'Records sent to the dead-letter topic.', () => stats.dlq);
    counter('messages_skipped_total', 'Bad records skipped (on_error=skip).', () => stats.skipped);
    counter('errors_total', 'Bad records (dead-lettered or skipped).', () => stats.errors);
    counter('rebalances_total', 'Group joins after the first.', () => stats.rebalances);
    counter(
      'commits_rejected_total',
      'Commits refused because the partition moved.',
      () => stats.commitsRejected,
    );
    gauge(
      'assigned_partitions',
      'Partitions assigned to this instance.',
      () => stats.assignedPartitions,
    );
    gauge(
      'time_since_last_commit_seconds',
      'Seconds since the last offset commit (-1: none yet).',
      () => (stats.lastCommitAt === undefined ? -1 : (now() - stats.lastCommitAt) / 1000),
    );
    gauge('uptime_seconds', 'Seconds since start.', () => (now() - stats.startedAt) / 1000);
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.#registry.metrics();
  }
}

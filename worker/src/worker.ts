import type { Server } from 'node:http';
import { AssignmentTracker } from './assignment-tracker.ts';
import { BatchProcessor, FatalDeliveryError } from './batch-processor.ts';
import { consumerSettings, createPort } from './client.ts';
import { CloudWatchMetrics } from './cloudwatch-metrics.ts';
import type { Config } from './config.ts';
import { startHttpServer } from './http-server.ts';
import { credentialsFromEnv } from './kafka-credentials.ts';
import type { InBatch, KafkaPort, TopicPartition } from './kafka-port.ts';
import { log } from './log.ts';
import { WorkerMetrics } from './metrics.ts';
import { Pipeline } from './pipeline.ts';
import { RateLimiter } from './rate-limiter.ts';
import { Stats } from './stats.ts';
import { withinTime } from './timebox.ts';

/** How long a worker whose consumer died stays up (not ready) before it exits 1. */
const CRASH_GRACE_MS = 3_000;

/** A topic the worker writes to is missing: the worker never creates topics. */
export class MissingTopicError extends Error {
  override name = 'MissingTopicError';
}

/**
 * One mirroring worker: wires config → client → pipeline → processor, tracks the group
 * assignment (logging real assignments and revocations only), serves health and metrics,
 * prints stats, and shuts down in time-boxed steps.
 */
export class MirrorWorker {
  readonly stats = new Stats();
  #port: KafkaPort | undefined;
  #http: Server | undefined;
  #statsTimer: NodeJS.Timeout | undefined;
  #metrics: CloudWatchMetrics | undefined;
  readonly #assignment = new AssignmentTracker();
  #stopping: Promise<boolean> | undefined;
  #crashExit: NodeJS.Timeout | undefined;

  constructor(readonly config: Config) {}

  get ready(): boolean {
    return this.#assignment.joined && !this.#stopping && !this.#crashExit;
  }

  async start(): Promise<void> {
    const c = this.config;
    const pipeline = new Pipeline({
      output: c.output,
      routes: c.routes,
      filter: c.filter,
      transform: c.transform,
      partition: c.partition,
      maxMessageBytes: c.max_message_bytes,
    });
    this.#http = await startHttpServer(
      c.http_port,
      { ready: () => this.ready },
      new WorkerMetrics(this.stats),
    );
    // The bound port, which http_port 0 leaves to the system.
    const address = this.#http.address();
    const bound = typeof address === 'object' && address ? address.port : c.http_port;
    log('INFO', `serving /healthz, /readyz, /metrics on port ${bound}`, {
      event: 'http_listening',
      port: bound,
    });
    const port = createPort(c, credentialsFromEnv());
    this.#port = port;
    const partitions = new Map<string, number>();
    const writes = [
      ...pipeline.outputs,
      ...(c.on_error === 'dlq' && c.dlq_topic ? [c.dlq_topic] : []),
    ];
    for (const topic of writes) {
      try {
        partitions.set(topic, await port.partitionCount(topic));
      } catch (err) {
        throw new MissingTopicError(
          `topic "${topic}" is not readable on ${c.bootstrap.join(',')}: ${(err as Error).message}; create it first (the worker never creates topics)`,
        );
      }
    }
    const processor = new BatchProcessor(
      pipeline,
      port,
      partitions,
      { onError: c.on_error, dlqTopic: c.dlq_topic },
      this.stats,
      c.max_rate ? { limiter: new RateLimiter(c.max_rate) } : {},
    );
    this.#statsTimer = setInterval(() => this.#printStats(), c.stats_interval * 1000);
    this.#statsTimer.unref();
    if (c.metrics_namespace) {
      this.#metrics = new CloudWatchMetrics(this.stats, {
        namespace: c.metrics_namespace,
        group: c.appid,
        intervalMs: c.metrics_interval * 1000,
      });
    }
    log('INFO', 'worker starting', {
      group: c.appid,
      input: c.input,
      outputs: [...partitions.keys()],
      client: c.client,
      threads: c.threads,
    });
    await port.consume(consumerSettings(c), {
      onBatch: async (batch, ctx) => {
        try {
          await processor.process(batch, ctx);
        } catch (err) {
          if (err instanceof FatalDeliveryError) this.#fatal(err, batch);
          throw err;
        }
      },
      onAssignment: (tps) => this.#onAssignment(tps),
      onCrash: (err) => this.#onCrash(err),
    });
  }

  /**
   * The client's consumer stopped for good: not ready at once, and exit after a short grace
   * (for the log and the failed readiness to be seen) so that ECS starts a replacement.
   */
  #onCrash(err: Error): void {
    if (this.#crashExit || this.#stopping) return;
    log('ERROR', `consumer stopped: ${err.message}; exiting for a replacement`, {
      event: 'consumer_crashed',
      error: err.name,
      graceSeconds: CRASH_GRACE_MS / 1000,
    });
    this.#crashExit = setTimeout(() => {
      void withinTime(this.#port?.disconnect() ?? Promise.resolve(), 5_000).finally(() =>
        process.exit(1),
      );
    }, CRASH_GRACE_MS);
  }

  #onAssignment(tps: TopicPartition[]): void {
    const { assigned, revoked, rebalance } = this.#assignment.update(tps);
    if (rebalance) this.stats.rebalances++;
    this.stats.assignedPartitions = this.#assignment.size;
    if (revoked.length > 0) {
      log('INFO', 'partitions revoked', { event: 'partitions_revoked', partitions: revoked });
    }
    if (assigned.length > 0) {
      log('INFO', 'partitions assigned', { event: 'partitions_assigned', partitions: assigned });
    }
    if (this.#assignment.size === 0) {
      log('INFO', 'joined with no partitions: more instances than partitions, idle', {
        event: 'idle',
      });
    }
  }

  #printStats(): void {
    const { line, fields } = this.stats.interval();
    log('INFO', line, { event: 'stats', ...fields });
  }

  #fatal(err: Error, batch: InBatch): void {
    log('ERROR', `stopping: ${err.message}; uncommitted records are replayed by the next owner`, {
      event: 'fatal',
      topic: batch.topic,
      partition: batch.partition,
      offset: batch.records[0]?.offset,
      lastOffset: batch.records.at(-1)?.offset,
    });
    void withinTime(this.#port?.disconnect() ?? Promise.resolve(), 5_000).finally(() =>
      process.exit(1),
    );
  }

  /**
   * Stop fetching → finish running batches (each produces and commits) → leave the group →
   * close connections, each step bounded by what is left of shutdown_timeout. True if every
   * step finished in time.
   */
  stop(reason = 'stop requested'): Promise<boolean> {
    this.#stopping ??= this.#shutdown(reason);
    return this.#stopping;
  }

  async #shutdown(reason: string): Promise<boolean> {
    const deadline = Date.now() + this.config.shutdown_timeout * 1000;
    const left = (reserveMs: number) => deadline - Date.now() - reserveMs;
    log('INFO', `shutting down: ${reason}`, {
      event: 'shutdown',
      timeoutSeconds: this.config.shutdown_timeout,
    });
    clearInterval(this.#statsTimer);
    // A stop asked for while the consumer is dead replaces the crash exit: nothing is left to drain.
    clearTimeout(this.#crashExit);
    const drained = this.#port ? await withinTime(this.#port.stopConsuming(), left(3_000)) : true;
    if (!drained)
      log(
        'WARN',
        'in-flight batches did not finish in time: their records are replayed by the next owner',
      );
    const closed = this.#port ? await withinTime(this.#port.disconnect(), left(1_000)) : true;
    this.#printStats();
    if (this.#metrics) await withinTime(this.#metrics.stop(), left(0));
    await withinTime(new Promise((r) => this.#http?.close(r) ?? r(undefined)), left(0));
    log('INFO', 'stopped', { event: 'stopped', drained, closed });
    return drained && closed;
  }
}

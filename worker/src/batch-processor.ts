import { type Admission, Coalescer } from './coalescer.ts';
import {
  type BatchContext,
  CommitRejectedError,
  type Headers,
  type InBatch,
  type InRecord,
  type KafkaPort,
  type OutRecord,
  type TopicPartition,
} from './kafka-port.ts';
import { log } from './log.ts';
import { partitionForKey } from './murmur2.ts';
import { OffsetTracker } from './offset-tracker.ts';
import type { Outcome, Pipeline, RejectReason } from './pipeline.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { aloneBytes, BATCH_OVERHEAD, recordBytes } from './record-size.ts';
import { sleep } from './sleep.ts';
import type { Stats } from './stats.ts';

export interface BatchProcessorOptions {
  /**
   * Caps the messages per second (`max_rate`).
   * @default - no cap
   */
  readonly limiter?: RateLimiter;
  /**
   * Waits between commit attempts (200 ms, then 400 ms).
   * @default a real timer
   */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ErrorPolicy {
  onError: 'dlq' | 'skip';
  dlqTopic?: string | undefined;
}

/** A failure the worker cannot step over (produce or commit failed after the client's retries). */
export class FatalDeliveryError extends Error {
  override name = 'FatalDeliveryError';
}

/** Records per produce request: large enough to amortise a round trip, small enough to heartbeat between. */
const CHUNK_RECORDS = 4000;
const COMMIT_ATTEMPTS = 3;
const COMMIT_BACKOFF_MS = 200;

type CommitOffset = TopicPartition & { offset: bigint };

/**
 * One produce request writes one record batch per partition, and the broker refuses a batch
 * over the topic's max.message.bytes: merged records of a partition stay within `maxBytes`
 * (max_message_bytes, which must not exceed it), the rest waits for the next request.
 */
function batchBytesAtMost(maxBytes: number): () => Admission<OutRecord> {
  return () => {
    const used = new Map<string, number[]>();
    return (r) => {
      const perPartition = used.get(r.topic) ?? [];
      used.set(r.topic, perPartition);
      // Records the client places itself (dead letters) count as one partition's: a stricter bound.
      const p = r.partition ?? 0;
      const before = perPartition[p] ?? BATCH_OVERHEAD;
      const size = recordBytes(r);
      // A record alone in its batch always goes: the pipeline held it to max_message_bytes.
      if (before > BATCH_OVERHEAD && before + size > maxBytes) return false;
      perPartition[p] = before + size;
      return true;
    };
  };
}

/** The last offset per partition (a merged commit request names each partition once). */
function latestPerPartition(offsets: CommitOffset[]): CommitOffset[] {
  const latest = new Map<string, CommitOffset>();
  for (const o of offsets) latest.set(`${o.topic}\0${o.partition}`, o);
  return [...latest.values()];
}

/**
 * Mirrors one partition's batch: pipeline each record, produce in chunks (each awaited, so one
 * partition never has two produce requests in flight and a retry cannot reorder a key), then
 * commit the highest offset whose produce was acknowledged. Produce and commit requests of
 * partitions processed concurrently are merged (one of each in flight).
 */
export class BatchProcessor {
  readonly #produce: Coalescer<OutRecord>;
  readonly #commit: Coalescer<CommitOffset>;
  readonly #writesNullHeaders: boolean;

  constructor(
    private readonly pipeline: Pipeline,
    port: KafkaPort,
    /** Partition count of every output topic (and the DLQ), read at start. */
    private readonly partitions: ReadonlyMap<string, number>,
    private readonly policy: ErrorPolicy,
    private readonly stats: Stats,
    private readonly options: BatchProcessorOptions = {},
  ) {
    this.#writesNullHeaders = port.writesNullHeaders;
    this.#produce = new Coalescer((records) => port.produce(records), {
      admission: batchBytesAtMost(pipeline.maxMessageBytes),
      // A failed produce is fatal: nothing after it may go out under reused sequence numbers.
      stopOnFailure: true,
    });
    this.#commit = new Coalescer((offsets) => port.commit(latestPerPartition(offsets)));
  }

  async process(batch: InBatch, ctx: BatchContext): Promise<void> {
    const tracker = new OffsetTracker();
    let failure: { error: unknown; first: bigint; last: bigint } | undefined;
    for (let i = 0; i < batch.records.length; i += CHUNK_RECORDS) {
      const chunk =
        batch.records.length <= CHUNK_RECORDS
          ? batch.records
          : batch.records.slice(i, i + CHUNK_RECORDS);
      const first = chunk[0]!.offset;
      tracker.track(first, chunk[chunk.length - 1]!.offset);
      if (this.options.limiter) {
        // A chunk at a low max_rate takes longer than the session timeout: kafkajs heartbeats
        // only when asked, so each second's instalment asks.
        const heartbeat = () => ctx.heartbeat();
        await this.options.limiter.take(chunk.length, heartbeat);
        await heartbeat();
      }
      try {
        await this.#mirrorChunk(batch, chunk);
      } catch (error) {
        failure = { error, first, last: chunk[chunk.length - 1]!.offset };
        break;
      }
      tracker.ack(first);
    }
    const next = tracker.committable();
    const whole = failure === undefined && next !== undefined;
    // Every record acknowledged: the commit may pass what the client filtered out after them.
    const end =
      whole && batch.endOffset !== undefined && batch.endOffset > next ? batch.endOffset : next;
    if (end !== undefined) await this.#commitOffset(batch, end);
    if (failure) {
      throw new FatalDeliveryError(
        `produce for ${batch.topic}[${batch.partition}] offsets ${failure.first}..${failure.last} failed after retries: ${(failure.error as Error).message}`,
      );
    }
  }

  async #mirrorChunk(batch: InBatch, chunk: InRecord[]): Promise<void> {
    const out: OutRecord[] = [];
    let mirrored = 0;
    let filtered = 0;
    let bad = 0;
    for (const record of chunk) {
      const outcome = this.#guarded(batch, record, out);
      if (outcome.kind === 'filtered') filtered++;
      else if (outcome.kind === 'rejected') {
        bad++;
        if (this.policy.onError === 'dlq')
          out.push(this.#deadLetter(batch, record, outcome.reason, outcome.detail));
      } else mirrored++;
    }
    if (out.length > 0) await this.#produce.push(out);
    // Counted once acknowledged, so processed = filtered + completed + errors at every stats line.
    this.stats.consumed += chunk.length;
    this.stats.filtered += filtered;
    this.stats.completed += mirrored;
    this.stats.produced += out.length - (this.policy.onError === 'dlq' ? bad : 0);
    this.stats.errors += bad;
    if (this.policy.onError === 'dlq') this.stats.dlq += bad;
    else this.stats.skipped += bad;
  }

  /**
   * One record through the pipeline and onto its output partitions, appended to `out`. Whatever
   * fails here is this record's fault, never the worker's: it becomes a bad record with the
   * error as its detail, and `out` is left as it was.
   */
  #guarded(batch: InBatch, record: InRecord, out: OutRecord[]): Outcome {
    const before = out.length;
    try {
      const outcome = this.pipeline.run(record);
      if (outcome.kind !== 'mirror') return outcome;
      const unwritable = this.#nullHeaderNames(record);
      if (unwritable) {
        return {
          kind: 'rejected',
          reason: 'unwritable-header',
          detail: `null value in header(s) ${unwritable}: this client's producer cannot write one (client kafkajs+platformatic can)`,
        };
      }
      for (const r of outcome.out) {
        const count = this.partitions.get(r.topic)!;
        // Keyless records keep their input partition (as MirrorMaker 2 does): order holds and
        // each input batch becomes one output batch.
        const partition = r.key ? partitionForKey(r.key, count) : batch.partition % count;
        out.push({ topic: r.topic, partition, key: r.key, value: r.value, headers: r.headers });
      }
      return outcome;
    } catch (err) {
      out.length = before;
      const detail = `${(err as Error).name}: ${(err as Error).message}`;
      log('WARN', `record not processable: ${detail}`, {
        topic: batch.topic,
        partition: batch.partition,
        offset: record.offset,
      });
      return { kind: 'rejected', reason: 'unprocessable', detail };
    }
  }

  /** Names of the record's null-valued headers when the producer cannot write them. */
  #nullHeaderNames(record: InRecord): string | undefined {
    if (this.#writesNullHeaders) return undefined;
    const names = record.headers.filter(([, v]) => v === null).map(([k]) => JSON.stringify(k));
    return names.length > 0 ? names.join(', ') : undefined;
  }

  #deadLetter(batch: InBatch, record: InRecord, reason: RejectReason, detail: string): OutRecord {
    // A producer that cannot write null header values gets the record without them; the
    // detail names them.
    const nulls = this.#nullHeaderNames(record);
    const headers = nulls ? record.headers.filter(([, v]) => v !== null) : record.headers;
    const why =
      nulls && reason !== 'unwritable-header'
        ? `${detail}; null header(s) left out: ${nulls}`
        : detail;
    const dead = (value: Buffer | null, kept: Headers, left: string): OutRecord => ({
      topic: this.policy.dlqTopic!,
      key: record.key,
      value,
      headers: [
        ...kept,
        ['lagpilot.error.reason', Buffer.from(reason)],
        ['lagpilot.error.detail', Buffer.from(`${why}${left}`.slice(0, 500))],
        ['lagpilot.source.topic', Buffer.from(batch.topic)],
        ['lagpilot.source.partition', Buffer.from(String(batch.partition))],
        ['lagpilot.source.offset', Buffer.from(record.offset.toString())],
      ],
    });
    // A dead letter must fit the dead-letter topic, or its produce fails and the worker exits on
    // the same record every restart. What does not fit is left out; the headers point back to it.
    const max = this.pipeline.maxMessageBytes;
    const whole = dead(reason === 'oversized' ? null : record.value, headers, '');
    if (aloneBytes(whole) <= max) return whole;
    const noValue = dead(
      null,
      headers,
      '; value left out: the dead letter would exceed max_message_bytes',
    );
    if (aloneBytes(noValue) <= max) return noValue;
    return dead(
      null,
      [],
      '; value and headers left out: the dead letter would exceed max_message_bytes',
    );
  }

  async #commitOffset(batch: InBatch, offset: bigint): Promise<void> {
    const tp = { topic: batch.topic, partition: batch.partition, offset };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#commit.push([tp]);
        this.stats.lastCommitAt = Date.now();
        return;
      } catch (err) {
        if (err instanceof CommitRejectedError) {
          // The partition moved to another member: it replays from the last commit (at-least-once).
          this.stats.commitsRejected++;
          log(
            'WARN',
            'commit rejected: partition reassigned, its next owner replays from the last commit',
            { ...tp, error: err.message },
          );
          return;
        }
        if (attempt >= COMMIT_ATTEMPTS) {
          throw new FatalDeliveryError(
            `commit of ${batch.topic}[${batch.partition}]@${offset} failed ${attempt} times: ${(err as Error).message}`,
          );
        }
        await (this.options.sleep ?? sleep)(COMMIT_BACKOFF_MS * attempt);
      }
    }
  }
}

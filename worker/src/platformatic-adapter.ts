import {
  Consumer,
  type Message,
  type MessagesStream,
  ProduceAcks,
  Producer,
} from '@platformatic/kafka';
import type { KafkaCredentials } from './kafka-credentials.ts';
import {
  CommitRejectedError,
  type ConsumeHandlers,
  type ConsumerSettings,
  type Header,
  type InRecord,
  type KafkaPort,
  type OutRecord,
  type ProducerSettings,
  type TopicPartition,
} from './kafka-port.ts';
import { log } from './log.ts';
import { type PlatformaticBase, platformaticBase } from './platformatic-options.ts';
import { withinTime } from './timebox.ts';

/** Records held in memory before the stream is paused (backpressure). */
const MAX_BUFFERED = 20_000;
/** Records handed to one onBatch call. */
const MAX_BATCH = 10_000;

interface PartitionQueue extends TopicPartition {
  records: InRecord[];
  running: boolean;
}

const tpKey = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * @platformatic/kafka 1.35: the message stream is regrouped into per-partition batches, run
 * one at a time per partition and `concurrency` partitions at once. Its group client rejoins as
 * soon as a heartbeat reports a rebalance, without a hook to commit first: a batch still running
 * then may fail to commit and be replayed by the next owner (duplicates, never loss).
 */
export class PlatformaticPort implements KafkaPort {
  readonly writesNullHeaders = true;
  readonly #base: PlatformaticBase;
  readonly #producer: Producer;
  #consumer: Consumer | undefined;
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  readonly #queues = new Map<string, PartitionQueue>();
  #buffered = 0;
  #running = 0;
  #concurrency = 1;
  #stopping = false;
  #idle: Array<() => void> = [];
  #handlers: ConsumeHandlers | undefined;

  constructor(
    brokers: string[],
    credentials: KafkaCredentials,
    clientId: string,
    producer: ProducerSettings,
  ) {
    this.#base = platformaticBase(brokers, credentials, clientId);
    this.#producer = new Producer({
      ...this.#base,
      idempotent: true,
      acks: ProduceAcks.ALL,
      maxInflights: 1,
      autocreateTopics: false,
      compression: producer.compression,
      timeout: producer.requestTimeoutMs,
    });
  }

  async partitionCount(topic: string): Promise<number> {
    // The client keeps retrying a topic that does not exist: give up after a while.
    const metadata = this.#producer.metadata({ topics: [topic] });
    if (!(await withinTime(metadata, 15_000)))
      throw new Error('no metadata for the topic within 15 s');
    return (await metadata).topics.get(topic)!.partitionsCount;
  }

  async consume(s: ConsumerSettings, handlers: ConsumeHandlers): Promise<void> {
    this.#handlers = handlers;
    this.#concurrency = s.concurrency;
    const consumer = new Consumer({
      ...this.#base,
      groupId: s.groupId,
      sessionTimeout: s.sessionTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      rebalanceTimeout: s.rebalanceTimeoutMs,
      autocreateTopics: false,
    });
    this.#consumer = consumer;
    consumer.on('consumer:group:join', ({ assignments }) => this.#onJoin(assignments ?? []));
    const stream = await consumer.consume({
      topics: s.topics,
      autocommit: false,
      mode: 'committed',
      fallbackMode: s.fromBeginning ? 'earliest' : 'latest',
      maxBytes: s.maxBytes,
      maxBytesPerPartition: s.maxBytesPerPartition,
      maxWaitTime: s.maxWaitMs,
    });
    this.#stream = stream;
    // The stream may have joined before the listener saw it.
    if (consumer.assignments) this.#onJoin(consumer.assignments);
    stream.on('data', (m: Message) => this.#enqueue(m));
    // The stream destroys itself on an error it cannot retry: it will not fetch again.
    stream.on('error', (err: Error) => {
      if (!this.#stopping) handlers.onCrash(err);
    });
    stream.on('close', () => {
      if (!this.#stopping) handlers.onCrash(new Error('the message stream closed'));
    });
  }

  #onJoin(assignments: Array<{ topic: string; partitions: number[] }>): void {
    const assigned = assignments.flatMap((a) =>
      a.partitions.map((partition) => ({ topic: a.topic, partition })),
    );
    const keep = new Set(assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    // Records fetched for partitions that moved away are not ours to mirror any more.
    for (const [k, q] of this.#queues) {
      if (keep.has(k)) continue;
      this.#buffered -= q.records.length;
      q.records = [];
    }
    this.#handlers!.onAssignment(assigned);
  }

  #enqueue(m: Message): void {
    if (this.#stopping) return;
    const k = tpKey(m.topic, m.partition);
    let q = this.#queues.get(k);
    if (!q) {
      q = { topic: m.topic, partition: m.partition, records: [], running: false };
      this.#queues.set(k, q);
    }
    // The client's header map is keyed by Buffer objects: repeated names stay separate entries.
    const headers: Header[] = [];
    for (const [hk, hv] of m.headers) headers.push([hk.toString(), hv ?? null]);
    q.records.push({ offset: m.offset, key: m.key ?? null, value: m.value ?? null, headers });
    if (++this.#buffered >= MAX_BUFFERED) this.#stream?.pause();
    this.#schedule();
  }

  #schedule(): void {
    for (const q of this.#queues.values()) {
      if (this.#running >= this.#concurrency || this.#stopping) return;
      if (!q.running && q.records.length > 0) void this.#run(q);
    }
  }

  /** One batch, then the partition goes to the back of the line so that every partition gets its turn. */
  async #run(q: PartitionQueue): Promise<void> {
    q.running = true;
    this.#running++;
    try {
      const records = q.records.splice(0, MAX_BATCH);
      this.#buffered -= records.length;
      if (this.#buffered < MAX_BUFFERED / 2 && this.#stream?.isPaused()) this.#stream.resume();
      await this.#handlers!.onBatch(
        { topic: q.topic, partition: q.partition, records },
        { heartbeat: async () => {} },
      );
    } catch (err) {
      log('ERROR', `batch of ${q.topic}[${q.partition}] failed: ${(err as Error).message}`);
    } finally {
      q.running = false;
      this.#running--;
      const k = tpKey(q.topic, q.partition);
      this.#queues.delete(k);
      this.#queues.set(k, q);
      if (this.#running === 0) for (const r of this.#idle.splice(0)) r();
      this.#schedule();
    }
  }

  async commit(offsets: Array<TopicPartition & { offset: bigint }>): Promise<void> {
    try {
      await this.#consumer!.commit({ offsets: offsets.map((o) => ({ ...o, leaderEpoch: -1 })) });
    } catch (err) {
      const e = err as { findBy?: (k: string, v: unknown) => unknown };
      if (e.findBy?.('needsRejoin', true)) throw new CommitRejectedError((err as Error).message);
      throw err;
    }
  }

  async produce(records: OutRecord[]): Promise<void> {
    await this.#producer.send({
      messages: records.map((r) => ({
        topic: r.topic,
        partition: r.partition,
        key: r.key ?? undefined,
        value: r.value ?? undefined,
        // Without serialisers the client takes Buffers only, header names included.
        // One Buffer per name, so repeated names stay separate; undefined is written as null.
        headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), v ?? undefined])) as Map<
          Buffer,
          Buffer
        >,
      })),
    });
  }

  async stopConsuming(): Promise<void> {
    this.#stopping = true;
    this.#stream?.pause();
    if (this.#running > 0) await new Promise<void>((r) => this.#idle.push(r));
    await this.#stream?.close();
    await this.#consumer?.close(true);
  }

  async disconnect(): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled([this.#consumer?.close(true), this.#producer.close()]);
  }
}

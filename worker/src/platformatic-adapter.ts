import {
  Consumer,
  type Message,
  type MessagesStream,
  ProduceAcks,
  Producer,
} from '@platformatic/kafka';
import { MAX_BUFFERED_WEIGHT, recordWeight, weightOf } from './buffer-weight.ts';
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
import { PartitionOwnership } from './partition-ownership.ts';
import { PartitionPositions } from './partition-positions.ts';
import { commitAsOf, commitOwned } from './platformatic-commit.ts';
import { groupProtocol, type Membership, watchMembership } from './platformatic-membership.ts';
import { type PlatformaticBase, platformaticBase } from './platformatic-options.ts';
import {
  type Assignments,
  byTopic,
  startOffsets,
  toPartitions,
  tpKey,
} from './platformatic-positions.ts';
import { sleep } from './sleep.ts';
import { withinTime } from './timebox.ts';

/** Records handed to one onBatch call. */
const MAX_BATCH = 10_000;

interface PartitionQueue extends TopicPartition {
  records: InRecord[];
  running: boolean;
}

/**
 * @platformatic/kafka: the message stream is regrouped into per-partition batches, run one at a
 * time per partition and `concurrency` partitions at once. Records the stream delivers out of
 * order (fetched before an assignment change, or by a fetch in flight at it) are dropped and the
 * stream sent back (partition-positions.ts); each newly assigned partition is read from its
 * committed offset, which this port reads from the broker.
 *
 * Classic protocol: the client rejoins as soon as a heartbeat reports a rebalance, without a hook
 * to commit first: a batch still running commits under the generation it was read in, is
 * refused, and is replayed by the next owner (duplicates, never loss; platformatic-commit.ts).
 *
 * Consumer protocol (KIP-848): the broker gives a revoked partition to its next owner only once
 * this member acknowledges the revocation, and that acknowledgement waits here until the
 * partition's running batch has been produced and committed (platformatic-membership.ts); the
 * partitions that stay keep being processed meanwhile.
 */
export class PlatformaticPort implements KafkaPort {
  readonly writesNullHeaders = true;
  readonly #base: PlatformaticBase;
  readonly #producer: Producer;
  #consumer: Consumer | undefined;
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  readonly #queues = new Map<string, PartitionQueue>();
  /** The queued records' weight (buffer-weight.ts): the stream pauses above the bound. */
  #buffered = 0;
  #running = 0;
  #concurrency = 1;
  #stopping = false;
  /** Classic protocol, from a rebalance reported by a heartbeat to the rejoin's end: no batch starts. */
  #rebalancing = false;
  #idle: Array<() => void> = [];
  #handlers: ConsumeHandlers | undefined;
  readonly #positions = new PartitionPositions();
  /** The group generation of the last join this port saw (classic protocol). */
  #generation = -1;
  /** Consumer protocol: the membership hooks and what this member owns. */
  #membership: Membership | undefined;
  readonly #ownership = new PartitionOwnership();
  readonly #isRunning = (k: string) => this.#queues.get(k)?.running === true;
  #drainTimeoutMs = 30_000;
  /** What each running batch's commit is fenced by: its generation (classic) or ownership token. */
  readonly #batchFence = new Map<string, number | undefined>();
  #fromBeginning = true;

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
    this.#fromBeginning = s.fromBeginning;
    // Past the rebalance timeout the broker fences a member that has not acknowledged.
    this.#drainTimeoutMs = s.rebalanceTimeoutMs / 2;
    const protocol = await groupProtocol(this.#producer, s.groupProtocol);
    log('INFO', `consumer group protocol: ${protocol}`, { event: 'group_protocol', protocol });
    const consumer = new Consumer({
      ...this.#base,
      groupId: s.groupId,
      sessionTimeout: s.sessionTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      rebalanceTimeout: s.rebalanceTimeoutMs,
      autocreateTopics: false,
      ...(protocol === 'consumer' ? { groupProtocol: 'consumer' as const } : {}),
    });
    this.#consumer = consumer;
    if (protocol === 'consumer') {
      this.#membership = watchMembership(consumer, {
        onAssignment: (a) => this.#onAssignment(a),
        beforeHeartbeat: () =>
          this.#ownership.released(this.#isRunning, this.#drainTimeoutMs, (r) =>
            r.timedOut
              ? log('WARN', 'revoked partitions still running at the drain timeout: released', {
                  event: 'revocation_drain_timeout',
                  ...r,
                })
              : log('INFO', 'revoked partitions drained and committed: released', {
                  event: 'revocation_released',
                  ...r,
                }),
          ),
        onFenced: () => this.#onFenced(),
      });
    } else this.#watchClassic(consumer);
    // A rejoin that failed for good is emitted as 'error' (unhandled, it would kill the process):
    // out of the group, the stream reads nothing more.
    consumer.on('error', (err: Error) => {
      if (this.#stopping) log('WARN', `consumer error while stopping: ${err.message}`);
      else handlers.onCrash(err);
    });
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
    // The stream may have joined and loaded its positions before the listeners saw it.
    if (protocol === 'classic' && consumer.assignments) this.#onJoin(consumer.assignments);
    stream.on('data', (m: Message) => this.#enqueue(m));
    // The stream destroys itself on an error it cannot retry: it will not fetch again.
    stream.on('error', (err: Error) => {
      if (!this.#stopping) handlers.onCrash(err);
    });
    stream.on('close', () => {
      if (!this.#stopping) handlers.onCrash(new Error('the message stream closed'));
    });
  }

  #watchClassic(consumer: Consumer): void {
    consumer.on('consumer:group:join', ({ assignments }) => this.#onJoin(assignments ?? []));
    // The client rejoins at once, with no hook to finish running batches first: at least no
    // batch starts whose commit the new generation would refuse after it was produced.
    consumer.on('consumer:group:rebalance', () => {
      this.#rebalancing = true;
    });
    consumer.on('consumer:rejoin', () => {
      this.#rebalancing = false;
      this.#schedule();
    });
  }

  #onJoin(assignments: Assignments): void {
    // The stream reads every assigned partition again from its committed offset: what was
    // fetched before is either not ours any more or read again, in order.
    this.#rebalancing = false;
    const generation = this.#consumer!.generationId;
    this.#generation = generation;
    this.#positions.resetAll();
    for (const q of this.#queues.values()) this.#drop(q);
    this.#resumeIfRoom();
    this.#handlers!.onAssignment(toPartitions(assignments));
    void this.#loadPositions(() => this.#generation === generation, assignments);
  }

  /**
   * Consumer protocol: the client's new assignment, before it acknowledges anything. Revoked
   * partitions start nothing more; their acknowledgement waits for their running batches.
   */
  #onAssignment(assignments: Assignments): void {
    const assigned = toPartitions(assignments);
    const { gained, revoked } = this.#ownership.assign(
      assigned.map((tp) => tpKey(tp.topic, tp.partition)),
    );
    for (const k of [...revoked, ...gained]) {
      this.#positions.forget(k);
      const q = this.#queues.get(k);
      if (q) this.#drop(q);
    }
    this.#resumeIfRoom();
    this.#handlers!.onAssignment(assigned);
    if (gained.length === 0) return;
    const tokens = new Map(gained.map((k) => [k, this.#ownership.token(k)]));
    const current = () => [...tokens].every(([k, t]) => this.#ownership.holds(k, t));
    void this.#loadPositions(current, byTopic(gained));
  }

  /** Consumer protocol: the broker dropped this member; it owns nothing until it is given partitions again. */
  #onFenced(): void {
    log('WARN', 'fenced by the group coordinator: every partition is lost', { event: 'fenced' });
    this.#ownership.fence();
    this.#positions.resetAll();
    for (const q of this.#queues.values()) this.#drop(q);
    this.#resumeIfRoom();
  }

  /** Reads where each partition starts; retried until it succeeds or `current` turns false. */
  async #loadPositions(current: () => boolean, assignments: Assignments): Promise<void> {
    const live = () => !this.#stopping && current();
    while (live() && assignments.length > 0) {
      try {
        const starts = await startOffsets(this.#consumer!, assignments, this.#fromBeginning);
        if (!live()) return;
        for (const [k, offset] of starts) {
          this.#positions.start(k, offset);
          this.#seek(k);
        }
        return;
      } catch (err) {
        log('WARN', `reading the committed offsets failed, retrying: ${(err as Error).message}`);
        await sleep(1_000);
      }
    }
  }

  #drop(q: PartitionQueue): void {
    this.#buffered -= weightOf(q.records);
    q.records = [];
  }

  #resumeIfRoom(): void {
    if (this.#stopping || this.#buffered >= MAX_BUFFERED_WEIGHT / 2) return;
    if (this.#stream?.isPaused()) this.#stream.resume();
  }

  /** Sends the stream back to the partition's position (its own fetch position ran ahead). */
  #seek(k: string): void {
    const next = this.#positions.next(k);
    if (next !== undefined) this.#stream?.offsetsToFetch.set(k, next);
  }

  #enqueue(m: Message): void {
    if (this.#stopping) return;
    const k = tpKey(m.topic, m.partition);
    const admission = this.#positions.admit(k, m.offset);
    if (admission !== 'accept') {
      if (admission === 'seek') this.#seek(k);
      return;
    }
    let q = this.#queues.get(k);
    if (!q) {
      q = { topic: m.topic, partition: m.partition, records: [], running: false };
      this.#queues.set(k, q);
    }
    // The client's header map is keyed by Buffer objects: repeated names stay separate entries.
    const headers: Header[] = [];
    for (const [hk, hv] of m.headers) headers.push([hk.toString(), hv ?? null]);
    const record = { offset: m.offset, key: m.key ?? null, value: m.value ?? null, headers };
    q.records.push(record);
    this.#buffered += recordWeight(record);
    if (this.#buffered >= MAX_BUFFERED_WEIGHT) this.#stream?.pause();
    this.#schedule();
  }

  #schedule(): void {
    for (const q of this.#queues.values()) {
      if (this.#running >= this.#concurrency || this.#stopping || this.#rebalancing) return;
      if (!q.running && q.records.length > 0) void this.#run(q);
    }
  }

  /** One batch, then the partition goes to the back of the line so that every partition gets its turn. */
  async #run(q: PartitionQueue): Promise<void> {
    q.running = true;
    this.#running++;
    const k = tpKey(q.topic, q.partition);
    this.#batchFence.set(k, this.#membership ? this.#ownership.token(k) : this.#generation);
    const records = q.records.splice(0, MAX_BATCH);
    this.#buffered -= weightOf(records);
    this.#resumeIfRoom();
    try {
      await this.#handlers!.onBatch(
        { topic: q.topic, partition: q.partition, records },
        { heartbeat: async () => {} },
      );
      // Read again after a join while the batch ran, its records must not be mirrored twice.
      const end = records.at(-1)!.offset + 1n;
      this.#positions.mirrored(k, end);
      this.#buffered -= weightOf(q.records.filter((r) => r.offset < end));
      q.records = q.records.filter((r) => r.offset >= end);
    } catch (err) {
      log('ERROR', `batch of ${q.topic}[${q.partition}] failed: ${(err as Error).message}`);
      // Nothing after it may be mirrored (and committed) before it: read it all again.
      this.#drop(q);
      this.#positions.rewind(k, records[0]!.offset);
      this.#seek(k);
      this.#resumeIfRoom();
    } finally {
      q.running = false;
      this.#running--;
      this.#batchFence.delete(k);
      this.#queues.delete(k);
      this.#queues.set(k, q);
      this.#ownership.settle(this.#isRunning);
      if (this.#running === 0) for (const r of this.#idle.splice(0)) r();
      this.#schedule();
    }
  }

  /**
   * Classic protocol: each offset is committed under the generation its batch was read in, so
   * the broker refuses the commit of a batch that outlived its generation (platformatic-commit.ts).
   */
  async commit(offsets: Array<TopicPartition & { offset: bigint }>): Promise<void> {
    const membership = this.#membership;
    if (membership) {
      return commitOwned(this.#consumer!, membership.memberEpoch, offsets, (k) =>
        this.#ownership.holds(k, this.#batchFence.get(k) ?? this.#ownership.token(k)),
      );
    }
    const byGeneration = new Map<number, Array<TopicPartition & { offset: bigint }>>();
    for (const o of offsets) {
      const g = this.#batchFence.get(tpKey(o.topic, o.partition)) ?? this.#generation;
      byGeneration.set(g, [...(byGeneration.get(g) ?? []), o]);
    }
    const results = await Promise.allSettled(
      [...byGeneration].map(([g, group]) => commitAsOf(this.#consumer!, g, group)),
    );
    // A refusal names the partitions; any other failure is the caller's to retry.
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    const other = failed.find((e) => !(e instanceof CommitRejectedError));
    if (other) throw other;
    if (failed.length > 0) throw failed[0];
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
        headers:
          r.headers.length === 0
            ? undefined
            : (new Map(r.headers.map(([k, v]) => [Buffer.from(k), v ?? undefined])) as Map<
                Buffer,
                Buffer
              >),
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

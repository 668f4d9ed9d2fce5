import {
  CompressionTypes,
  type Consumer,
  type IHeaders,
  Kafka,
  type KafkaConfig,
  type KafkaMessage,
  logLevel,
  type Offsets,
  Partitioners,
  type Producer,
  type SASLOptions,
} from '../../kit/kafkajs.ts';
import { leaveGroup, SocketGate } from './group-exit.ts';
import type { KafkaCredentials } from './kafka-credentials.ts';
import {
  CommitRejectedError,
  type ConsumeHandlers,
  type ConsumerSettings,
  type Header,
  type Headers,
  type InRecord,
  type KafkaPort,
  type OutRecord,
  type ProducerSettings,
  type TopicPartition,
} from './kafka-port.ts';
import { type Level, log } from './log.ts';
import { type PlatformaticBase, platformaticBase } from './platformatic-options.ts';
import { sleep } from './sleep.ts';
import { withinTime } from './timebox.ts';

const LEVELS: Record<number, Level> = {
  [logLevel.ERROR]: 'ERROR',
  [logLevel.WARN]: 'WARN',
  [logLevel.INFO]: 'INFO',
  [logLevel.DEBUG]: 'DEBUG',
};
const REJECTED = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);
/** How long kafkajs's own stop (end of the current fetch, then LeaveGroup) may take outside a rebalance. */
const OWN_STOP_MS = 3_000;

/** What an empty object inherits under `name` (`Object` for `constructor`, Object.prototype for `__proto__`). */
const INHERITED: Record<string, unknown> = {};

/**
 * kafkajs decodes headers into a plain object: a repeated name becomes an array in record
 * order, and a name that an object inherits (`constructor`, `__proto__`, `toString`, …) becomes
 * `[inherited member, value…]`. The inherited member is dropped; every value, null included,
 * is kept. Names come in kafkajs's object order (first appearance, integer-like names first).
 */
function headersOf(h: IHeaders | undefined): Header[] {
  const out: Header[] = [];
  if (!h) return out;
  for (const name of Object.keys(h)) {
    const v: unknown = h[name];
    const values: unknown[] = Array.isArray(v) ? v : [v];
    values.forEach((one, i) => {
      if (one === null || Buffer.isBuffer(one)) out.push([name, one]);
      else if (!(i === 0 && values.length > 1 && one === INHERITED[name]))
        throw new Error(`header "${name}" holds a ${typeof one}, not bytes`);
    });
  }
  return out;
}

/** Header conversion never throws out of a batch: a record it fails on is marked unreadable. */
function toRecord(m: KafkaMessage): InRecord {
  const record: InRecord = { offset: BigInt(m.offset), key: m.key, value: m.value, headers: [] };
  try {
    record.headers = headersOf(m.headers);
  } catch (err) {
    record.unreadable = `headers: ${(err as Error).message}`;
  }
  return record;
}

/** A name repeated in `headers` becomes an array, in order; the null prototype keeps `__proto__` an own name. */
function kafkajsHeaders(headers: Headers): IHeaders {
  const out: Record<string, Array<Buffer | null>> = Object.create(null);
  for (const [name, value] of headers) {
    const list = out[name];
    if (list) list.push(value);
    else out[name] = [value];
  }
  return out as IHeaders;
}

/** kafkajs 2.2.4: eager group protocol, idempotent producer serialised per broker (one request in flight). */
export class KafkajsPort implements KafkaPort {
  /** Its record encoder sizes a header value with Buffer.byteLength before testing for null. */
  readonly writesNullHeaders = false;
  readonly #kafka: Kafka;
  readonly #config: KafkaConfig;
  readonly #base: PlatformaticBase;
  /** The consumer's sockets only: closing them must not touch the producer's or the admin's. */
  readonly #gate = new SocketGate();
  readonly #producer: Producer;
  readonly #compression: CompressionTypes;
  readonly #timeout: number;
  #consumer: Consumer | undefined;
  /**
   * The group's own commit, taken from a batch payload. `consumer.commitOffsets()` is not used:
   * once stop() has begun it returns without committing, so the batches drained during a
   * shutdown would be replayed by the next owner.
   */
  #groupCommit: ((offsets: Offsets) => Promise<void>) | undefined;
  #producerReady: Promise<void> | undefined;
  #topics: string[] = [];
  #groupId = '';
  /** From the last join; kafkajs rejoins with it, so it names the member during a rebalance too. */
  #memberId: string | undefined;
  /** Between a rebalance seen by the fetch loop and the next completed join. */
  #joining = false;
  #running = 0;
  #idle: Array<() => void> = [];

  constructor(
    brokers: string[],
    credentials: KafkaCredentials,
    clientId: string,
    producer: ProducerSettings,
  ) {
    const config: KafkaConfig = {
      clientId,
      brokers,
      ssl: credentials.tls,
      logLevel: logLevel.WARN,
      logCreator: () => (entry) =>
        log(LEVELS[entry.level] ?? 'INFO', `kafkajs: ${entry.log.message}`, {
          namespace: entry.namespace,
        }),
    };
    const sasl = credentials.sasl;
    if (sasl?.mechanism === 'oauthbearer') {
      config.sasl = {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: await sasl.token() }),
      };
    } else if (sasl) config.sasl = sasl as SASLOptions;
    this.#config = config;
    this.#kafka = new Kafka(config);
    this.#base = platformaticBase(brokers, credentials, clientId);
    this.#producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Keyed records carry their partition (Java murmur2, murmur2.ts); this one places keyless ones.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    this.#compression =
      producer.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.#timeout = producer.requestTimeoutMs;
  }

  async partitionCount(topic: string): Promise<number> {
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics[0]!.partitions.length;
    } finally {
      await admin.disconnect();
    }
  }

  async consume(s: ConsumerSettings, handlers: ConsumeHandlers): Promise<void> {
    const consumer = new Kafka({ ...this.#config, socketFactory: this.#gate.factory }).consumer({
      groupId: s.groupId,
      sessionTimeout: s.sessionTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      rebalanceTimeout: s.rebalanceTimeoutMs,
      maxBytesPerPartition: s.maxBytesPerPartition,
      maxBytes: s.maxBytes,
      maxWaitTimeInMs: s.maxWaitMs,
      allowAutoTopicCreation: false,
    });
    this.#consumer = consumer;
    this.#topics = s.topics;
    this.#groupId = s.groupId;
    consumer.on(consumer.events.REBALANCING, () => {
      this.#joining = true;
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.#memberId = payload.memberId;
      this.#joining = false;
      const assigned: TopicPartition[] = Object.entries(payload.memberAssignment).flatMap(
        ([topic, ps]) => ps.map((partition) => ({ topic, partition })),
      );
      handlers.onAssignment(assigned);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // A retriable error restarts the consumer by itself; any other leaves it stopped for good.
      if (payload.restart) log('WARN', `kafkajs consumer restarts after: ${payload.error.message}`);
      else handlers.onCrash(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: s.topics, fromBeginning: s.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: s.concurrency,
      eachBatch: async ({ batch, heartbeat, isStale, resolveOffset, commitOffsetsIfNecessary }) => {
        this.#groupCommit = commitOffsetsIfNecessary;
        if (isStale() || batch.messages.length === 0) return;
        this.#running++;
        try {
          await handlers.onBatch(
            {
              topic: batch.topic,
              partition: batch.partition,
              records: batch.messages.map(toRecord),
              // Past a trailing transaction marker: a commit short of it leaves lag that never drains.
              endOffset: BigInt(batch.lastOffset()) + 1n,
            },
            { heartbeat: () => heartbeat().catch(() => {}) },
          );
        } finally {
          if (--this.#running === 0) for (const done of this.#idle.splice(0)) done();
        }
        // Advances kafkajs's fetch position; the commit itself was made by the handler.
        resolveOffset(batch.lastOffset());
      },
    });
  }

  #ensureProducer(): Promise<void> {
    this.#producerReady ??= this.#producer.connect();
    return this.#producerReady;
  }

  async commit(offsets: Array<TopicPartition & { offset: bigint }>): Promise<void> {
    try {
      const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
      for (const o of offsets) {
        const list = byTopic.get(o.topic) ?? [];
        list.push({ partition: o.partition, offset: o.offset.toString() });
        byTopic.set(o.topic, list);
      }
      const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
      await this.#groupCommit!({ topics });
    } catch (err) {
      const type = (err as { type?: string }).type;
      if (type && REJECTED.has(type))
        throw new CommitRejectedError(`${type}: ${(err as Error).message}`);
      throw err;
    }
  }

  async produce(records: OutRecord[]): Promise<void> {
    await this.#ensureProducer();
    const byTopic = new Map<string, OutRecord[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic);
      if (list) list.push(r);
      else byTopic.set(r.topic, [r]);
    }
    await this.#producer.sendBatch({
      acks: -1,
      timeout: this.#timeout,
      compression: this.#compression,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((r) => ({
          partition: r.partition,
          key: r.key,
          value: r.value,
          headers: kafkajsHeaders(r.headers),
        })),
      })),
    });
  }

  /**
   * Pause every partition, wait for running batches (they produce and commit while the member
   * is still fully in the group), then stop and leave. kafkajs's stop waits for its pending
   * JoinGroup, which a rebalance holds back until every member rejoined or a dead one's session
   * expired (30 s); with nothing left to drain, the member leaves on its own connection instead.
   */
  async stopConsuming(): Promise<void> {
    const consumer = this.#consumer;
    if (!consumer) return;
    try {
      consumer.pause(this.#topics.map((topic) => ({ topic })));
    } catch {
      // Not running (crashed, or between a crash and its restart): no batch to drain.
    }
    // Batches already fetched may start just after the previous one ends: wait until none has for a moment.
    do {
      if (this.#running > 0) await new Promise<void>((r) => this.#idle.push(r));
      await sleep(50);
    } while (this.#running > 0);
    const stopped = consumer.stop();
    stopped.catch(() => {});
    if (!this.#joining && (await withinTime(stopped, OWN_STOP_MS))) return;
    // A batch kafkajs started after the drain still produces and commits before it stops.
    if (this.#running > 0) return stopped;
    await this.#leaveNow();
  }

  async #leaveNow(): Promise<void> {
    this.#gate.close();
    const memberId = this.#memberId;
    log('INFO', 'leaving the group without waiting for the pending rebalance: nothing to drain', {
      event: 'group_leave',
      memberId,
    });
    if (memberId) await leaveGroup(this.#base, this.#groupId, memberId);
  }

  async disconnect(): Promise<void> {
    // A consumer cut off by the gate would wait on its stop(): its sockets are closed already.
    const consumer = this.#gate.closed ? undefined : this.#consumer;
    await Promise.allSettled([consumer?.disconnect(), this.#producer.disconnect()]);
  }
}

/**
 * The worker's view of a Kafka client. Adapters (kafkajs, @platformatic/kafka) implement it;
 * everything else in the worker depends only on this file.
 */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** One record header; a null value is legal in Kafka. */
export type Header = readonly [name: string, value: Buffer | null];
/** Every header of a record in order, duplicate names included. */
export type Headers = readonly Header[];

export interface InRecord {
  offset: bigint;
  key: Buffer | null;
  /** null = tombstone. */
  value: Buffer | null;
  headers: Headers;
  /** Set by the adapter when the client's record could not be converted: a bad record, not a crash. */
  unreadable?: string | undefined;
}

export interface InBatch extends TopicPartition {
  records: InRecord[];
  /**
   * The offset after the last one fetched for this batch, past what the client filtered out
   * (transaction markers, aborted transactions' records); absent when the client does not say.
   */
  endOffset?: bigint;
}

export interface OutRecord {
  topic: string;
  /** Absent: the client chooses (only for records without a key-derived partition). */
  partition?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}

export interface BatchContext {
  /** Keeps group membership alive during a long batch (rate limiting); never throws. */
  heartbeat(): Promise<void>;
}

export interface ConsumeHandlers {
  /**
   * One partition's records, in offset order. The adapter never runs two batches of one
   * partition at once, and awaits every running batch before the partitions are released in a
   * rebalance or on stop: a batch that resolved has been produced and committed.
   */
  onBatch(batch: InBatch, ctx: BatchContext): Promise<void>;
  /** The group's assignment for this member after each join (whole assignment, not a diff). */
  onAssignment(assigned: TopicPartition[]): void;
  /** The client's consumer stopped for good (it will not fetch again by itself). */
  onCrash(error: Error): void;
}

export interface ConsumerSettings {
  groupId: string;
  topics: string[];
  /** Partitions processed concurrently (each still in order). */
  concurrency: number;
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxBytesPerPartition: number;
  maxBytes: number;
  maxWaitMs: number;
  /** Consumer group protocol; kafkajs speaks `classic` only (config.ts refuses `consumer` for it). */
  groupProtocol: 'classic' | 'consumer' | 'auto';
}

export interface ProducerSettings {
  compression: 'none' | 'gzip';
  requestTimeoutMs: number;
}

/** Kafka refused a commit because this member no longer owns the partition's generation. */
export class CommitRejectedError extends Error {
  override name = 'CommitRejectedError';
}

export interface KafkaPort {
  /** Whether produce can write a header with a null value (the kafkajs 2.2.4 producer cannot). */
  readonly writesNullHeaders: boolean;
  /** Partition count of a topic; throws if the topic does not exist. */
  partitionCount(topic: string): Promise<number>;
  /** Joins the group and starts delivering batches; resolves once consumption started. */
  consume(settings: ConsumerSettings, handlers: ConsumeHandlers): Promise<void>;
  /** Commits `offset` (= next offset to read) per partition, synchronously with the broker. */
  commit(offsets: Array<TopicPartition & { offset: bigint }>): Promise<void>;
  /** Sends records with acks=all through the idempotent producer; resolves when all are acknowledged. */
  produce(records: OutRecord[]): Promise<void>;
  /** Stops fetching, awaits running batches, leaves the group. */
  stopConsuming(): Promise<void>;
  /** Closes every connection. */
  disconnect(): Promise<void>;
}

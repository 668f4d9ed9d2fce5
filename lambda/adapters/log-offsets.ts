/**
 * Every partition's log end (the last stable offset: ListOffsets latest, READ_COMMITTED) and
 * log start (ListOffsets earliest), in time linear in the partition count: one fresh Metadata
 * request names each partition's leader, then each leader gets one request for the ends and
 * one for the starts. kafkajs' admin `fetchTopicOffsets` sends the same requests but groups the
 * partitions by a linear search per partition, which at 10,000 partitions takes seconds.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import {
  type Cluster,
  type LazyCluster,
  type PartitionMetadata,
  sharedCluster,
} from './kafka-cluster.ts';
import {
  decodeListOffsets,
  encodeListOffsets,
  LIST_OFFSETS,
  LIST_OFFSETS_VERSION,
} from './list-offsets.ts';

/** ListOffsets timestamps for the end and the start of the log. */
const LATEST = -1;
const EARLIEST = -2;
/** The end a read_committed consumer can read to: see PartitionOffsets.end in core/types.ts. */
const READ_COMMITTED = 1;

/**
 * A leader that moved, or a partition its leader does not know yet (just added), between the
 * Metadata and the ListOffsets answers: kafkajs' own stale-metadata errors, and a leader's
 * broker missing from the cached broker list. Read again from fresh metadata, briefly.
 */
const STALE = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'KafkaJSBrokerNotFound',
]);
const ATTEMPTS = 3;
const RETRY_MS = 200;

export interface PartitionLog {
  topic: string;
  partition: number;
  start: number;
  end: number;
}

/** Offsets by topic, then partition. */
type Offsets = Map<string, Map<number, number>>;

/** The value at `key`, first set to `create()` when there is none. */
export function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

interface TopicMetadata {
  topic: string;
  partitions: PartitionMetadata[];
}

/** Partition ids by topic. */
type Partitions = Map<string, number[]>;

/** Per leader broker, the partitions it leads. */
function byLeader(metadata: TopicMetadata[]): Map<number, Partitions> {
  const leaders = new Map<number, Partitions>();
  for (const { topic, partitions } of metadata) {
    for (const { partitionId, leader } of partitions) {
      entry(
        entry(leaders, leader, () => new Map()),
        topic,
        () => [] as number[],
      ).push(partitionId);
    }
  }
  return leaders;
}

async function listOffsets(
  cluster: Cluster,
  leaders: Map<number, Partitions>,
  timestamp: number,
): Promise<Offsets> {
  const answers = await Promise.all(
    [...leaders].map(async ([nodeId, topics]) => {
      const broker = await cluster.findBroker({ nodeId });
      const body = encodeListOffsets(READ_COMMITTED, timestamp, topics);
      return (await broker.connectionPool.send({
        request: {
          apiKey: LIST_OFFSETS,
          apiVersion: LIST_OFFSETS_VERSION,
          apiName: 'ListOffsets',
          // kafkajs takes anything shaped like its Encoder.
          encode: async () => ({ buf: body, buffer: body }),
        },
        response: {
          decode: async (payload: Buffer) => payload,
          parse: async (payload: Buffer) => decodeListOffsets(payload),
        },
      })) as Offsets;
    }),
  );
  const offsets: Offsets = new Map();
  for (const answer of answers) {
    for (const [topic, byPartition] of answer) {
      const all = entry(offsets, topic, () => new Map<number, number>());
      for (const [partition, offset] of byPartition) all.set(partition, offset);
    }
  }
  return offsets;
}

function offsetOf(offsets: Offsets, topic: string, partition: number, which: string): number {
  const offset = offsets.get(topic)?.get(partition);
  if (offset === undefined) {
    throw new Error(`ListOffsets (${which}) did not answer for ${topic}/${partition}`);
  }
  return offset;
}

function errorType(error: unknown): string | undefined {
  const { type, name } = (error ?? {}) as { type?: unknown; name?: unknown };
  return typeof type === 'string' ? type : typeof name === 'string' ? name : undefined;
}

/** Reads log offsets over the cluster lagpilot's own requests share. */
export class LogOffsetReader {
  private readonly cluster: LazyCluster;

  constructor(kafka: Kafka) {
    this.cluster = sharedCluster(kafka);
  }

  /** Every partition of `topics`, by topic in the order given. */
  async read(topics: readonly string[]): Promise<PartitionLog[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.readOnce(await this.cluster.get(), topics);
      } catch (error) {
        if (attempt >= ATTEMPTS || !STALE.has(errorType(error) ?? '')) throw error;
        await sleep(RETRY_MS * attempt);
      }
    }
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }

  private async readOnce(cluster: Cluster, topics: readonly string[]): Promise<PartitionLog[]> {
    // One Metadata request: kafkajs' `cluster.metadata()` sends two when its cache is stale,
    // and the admin's cache is stale at every call (its metadataMaxAge is 0).
    await cluster.addMultipleTargetTopics([...topics]);
    await cluster.refreshMetadata();
    const metadata = topics.map((topic) => ({
      topic,
      partitions: cluster.findTopicPartitionMetadata(topic),
    }));
    const leaders = byLeader(metadata);
    const [ends, starts] = await Promise.all([
      listOffsets(cluster, leaders, LATEST),
      listOffsets(cluster, leaders, EARLIEST),
    ]);
    return metadata.flatMap(({ topic, partitions }) =>
      partitions.map(({ partitionId: partition }) => ({
        topic,
        partition,
        start: offsetOf(starts, topic, partition, 'earliest'),
        end: offsetOf(ends, topic, partition, 'latest'),
      })),
    );
  }
}

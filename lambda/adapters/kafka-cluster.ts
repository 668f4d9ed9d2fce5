/**
 * kafkajs' cluster: its connections to the brokers, with the TLS and SASL (MSK IAM included)
 * the Kafka object was configured with. lagpilot needs what the public admin API lacks: the
 * requests of groups kafkajs 2.2.4 (its last release) predates (ConsumerGroupDescribe,
 * ShareGroupDescribe, ListGroups v5, DescribeShareGroupOffsets), and ListOffsets for thousands of
 * partitions in time linear in their count (the admin's `fetchTopicOffsets` searches the
 * partition list once per partition). They are sent over a broker's connection pool, as bytes
 * lagpilot encodes and decodes itself (kafka-wire.ts). The cluster comes from the private factory
 * the Kafka object holds; each member is typed only as far as lagpilot uses it.
 */

import type { Kafka } from 'kafkajs';

export interface ClusterBroker {
  versions?: Record<number, { minVersion: number; maxVersion: number }> | null;
  connectionPool: {
    send(request: { request: unknown; response: unknown }): Promise<unknown>;
  };
}

/** A partition in the cluster's metadata. */
export interface PartitionMetadata {
  partitionId: number;
  leader: number;
}

export interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(args: { groupId: string }): Promise<ClusterBroker>;
  findBroker(args: { nodeId: number }): Promise<ClusterBroker>;
  /** Adds topics to the ones the metadata covers (a Metadata request when that set grows). */
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  /** One Metadata request for the covered topics; also refreshes the broker list. */
  refreshMetadata(): Promise<void>;
  /** From the last Metadata answer. */
  findTopicPartitionMetadata(topic: string): PartitionMetadata[];
}

const FACTORY = 'private:Kafka:createCluster';
const METHODS = [
  'connect',
  'disconnect',
  'findGroupCoordinator',
  'findBroker',
  'addMultipleTargetTopics',
  'refreshMetadata',
  'findTopicPartitionMetadata',
];

/** A new, unconnected cluster of `kafka`; `purpose` names what needs it in the error. */
export function clusterOf(kafka: Kafka, purpose: string): Cluster {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === FACTORY);
  const create = key && (kafka as unknown as Record<symbol, unknown>)[key];
  const cluster =
    typeof create === 'function'
      ? (create({ allowAutoTopicCreation: false }) as Record<string, unknown>)
      : undefined;
  const missing = cluster ? METHODS.filter((m) => typeof cluster[m] !== 'function') : [FACTORY];
  if (missing.length > 0) {
    throw new Error(
      `kafkajs lacks ${missing.join(', ')} where 2.2.4 has it: ${purpose} needs kafkajs 2.2.x (pin it in package.json)`,
    );
  }
  return cluster as unknown as Cluster;
}

const SHARED = new WeakMap<Kafka, LazyCluster>();

/**
 * The one lazily connected cluster of `kafka` that lagpilot's own requests share: one set of broker connections, and one SASL handshake each on MSK IAM,
 * instead of one set per reader.
 */
export function sharedCluster(kafka: Kafka): LazyCluster {
  let cluster = SHARED.get(kafka);
  if (!cluster) {
    cluster = new LazyCluster(
      kafka,
      "lagpilot's own requests (ListOffsets, ListGroups, group and share-offset describes)",
    );
    SHARED.set(kafka, cluster);
  }
  return cluster;
}

/** One cluster, created and connected on first use; a failed connect is tried again next time. */
export class LazyCluster {
  private cluster: Cluster | undefined;
  private connected: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly purpose: string,
  ) {}

  async get(): Promise<Cluster> {
    this.cluster ??= clusterOf(this.kafka, this.purpose);
    const cluster = this.cluster;
    this.connected ??= cluster.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    return cluster;
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    this.connected = undefined;
    await cluster?.disconnect();
  }
}

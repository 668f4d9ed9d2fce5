/**
 * The group's lag from Kafka (kafkajs): per partition the committed offset (admin OffsetFetch),
 * the log end and log start and the partition count (a fresh Metadata read every step, then
 * ListOffsets latest / earliest per leader: log-offsets.ts), and the group's state and member
 * count (admin DescribeGroups; for a group of the consumer rebalance protocol, which
 * DescribeGroups answers as Dead with no members, ConsumerGroupDescribe).
 *
 * Lag per partition, never negative, is what the group's consumers would read from where they
 * stand to the end (see PartitionOffsets in types.ts for which end):
 *   - committed within [log start, end] → end − committed;
 *   - never committed, or committed out of range — below the log start (retention deleted it)
 *     or past the end (the topic was recreated or truncated) — the consumer resets by the
 *     group's auto.offset.reset (LAGPILOT_OFFSET_RESET): `earliest` reads the whole retained
 *     log (end − start), `latest` jumps to the end and reads nothing (0).
 */

import type { Admin, GroupDescription, Kafka } from 'kafkajs';
import {
  AutoscalerError,
  BrokerUnreachableError,
  GroupNotFoundError,
  type GroupState,
  type GroupStateName,
  KafkaError,
  type LagSnapshot,
  type LagSource,
  type OffsetReset,
  type PartitionOffsets,
  partitionLag,
  TopicNotFoundError,
} from '../core/index.ts';
import type { ConsumerGroupDescriber } from './consumer-group-describe.ts';
import { LogOffsetReader } from './log-offsets.ts';

export interface LagSourceOptions {
  groupId: string;
  topics: readonly string[];
  offsetReset: OffsetReset;
  /** For error messages. */
  brokers: readonly string[];
  /**
   * Describes groups of the consumer rebalance protocol (KIP-848).
   * @default - none: such a group reads as Dead with no members
   */
  consumerGroups?: Pick<ConsumerGroupDescriber, 'describe' | 'close'>;
}

const GROUP_STATES: readonly GroupStateName[] = [
  'Stable',
  'PreparingRebalance',
  'CompletingRebalance',
  'Empty',
  'Dead',
];

function groupStateOf(description: GroupDescription | undefined): GroupState {
  const state = GROUP_STATES.find((s) => s === description?.state) ?? 'Unknown';
  return { state, members: description?.members.length ?? 0 };
}

/** kafkajs' errors that mean no broker could be reached, by class name. */
const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
]);
/** Node's socket error codes for the same. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/**
 * kafkajs errors carry a protocol error `type`, sometimes on a wrapped cause; connection
 * failures are known by their class name or socket error code (`CONNECTION`).
 */
function kafkaErrorType(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const { type, code } = e as { type?: unknown; code?: unknown };
    if (typeof type === 'string') return type;
    if (CONNECTION_ERRORS.has(e.name) || (typeof code === 'string' && CONNECTION_CODES.has(code)))
      return 'CONNECTION';
    const original = (e as { originalError?: unknown }).originalError;
    if (original instanceof Error) return kafkaErrorType(original);
  }
  return undefined;
}

export class KafkaLagSource implements LagSource {
  private readonly admin: Admin;
  private readonly logs: LogOffsetReader;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly options: LagSourceOptions,
  ) {
    this.admin = kafka.admin();
    this.logs = new LogOffsetReader(kafka);
  }

  async observe(): Promise<LagSnapshot> {
    try {
      this.connected ??= this.admin.connect();
      await this.connected;
      return await this.read();
    } catch (error) {
      throw await this.classify(error);
    }
  }

  /** Closes the connections (the Lambda keeps them open across warm invocations). */
  async close(): Promise<void> {
    this.connected = undefined;
    await Promise.all([
      this.admin.disconnect(),
      this.logs.close(),
      this.options.consumerGroups?.close(),
    ]);
  }

  private async read(): Promise<LagSnapshot> {
    const { groupId, topics, offsetReset } = this.options;
    const [logs, committed, groups] = await Promise.all([
      this.logs.read(topics),
      this.admin.fetchOffsets({ groupId, topics: [...topics] }),
      this.admin.describeGroups([groupId]),
    ]);
    // By topic, then partition: no key string per partition.
    const committedOf = new Map<string, Map<number, number>>();
    let anyCommitted = false;
    for (const t of committed) {
      const byPartition = new Map<number, number>();
      for (const p of t.partitions) {
        const offset = Number(p.offset);
        if (offset >= 0) byPartition.set(p.partition, offset);
      }
      committedOf.set(t.topic, byPartition);
      anyCommitted ||= byPartition.size > 0;
    }
    let group = groupStateOf(groups.groups.find((g) => g.groupId === groupId));
    if (group.state === 'Dead' && group.members === 0 && this.options.consumerGroups) {
      group = (await this.options.consumerGroups.describe(groupId)) ?? group;
    }
    if (group.state === 'Dead' && !anyCommitted) throw new GroupNotFoundError(groupId);

    const partitions: PartitionOffsets[] = logs.map(({ topic, partition, start, end }) => {
      const c = committedOf.get(topic)?.get(partition) ?? null;
      return {
        topic,
        partition,
        committed: c,
        end,
        start,
        lag: partitionLag(c, end, start, offsetReset),
      };
    });
    partitions.sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    );
    // Every partition of the fresh Metadata answer has its offsets: the count never lags
    // behind the cluster's partitions.
    return { topics: [...topics], partitions, partitionCount: partitions.length, group };
  }

  private async classify(error: unknown): Promise<AutoscalerError> {
    if (error instanceof AutoscalerError) return error;
    const type = kafkaErrorType(error);
    if (type === 'CONNECTION') {
      this.connected = undefined;
      return new BrokerUnreachableError(this.options.brokers, error);
    }
    if (type === 'UNKNOWN_TOPIC_OR_PARTITION') {
      const existing = await this.admin.listTopics().catch(() => undefined);
      const missing = existing ? this.options.topics.filter((t) => !existing.includes(t)) : [];
      return new TopicNotFoundError(missing.length > 0 ? missing : this.options.topics);
    }
    if (type === 'GROUP_ID_NOT_FOUND') return new GroupNotFoundError(this.options.groupId);
    return new KafkaError(error);
  }
}

/**
 * The group's lag from the Kafka admin API (kafkajs): per partition the committed offset
 * (OffsetFetch), the log end and log start (ListOffsets latest / earliest), the partition count
 * (Metadata, re-read every step: kafkajs' admin client never caches it) and the group's state
 * and member count (DescribeGroups; for a group of the consumer rebalance protocol, which
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

import type { Admin, GroupDescription } from 'kafkajs';
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
  private connected: Promise<void> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly options: LagSourceOptions,
  ) {}

  async observe(): Promise<LagSnapshot> {
    try {
      this.connected ??= this.admin.connect();
      await this.connected;
      return await this.read();
    } catch (error) {
      throw await this.classify(error);
    }
  }

  /** Closes the admin connection (the Lambda keeps it open across warm invocations). */
  async close(): Promise<void> {
    this.connected = undefined;
    await Promise.all([this.admin.disconnect(), this.options.consumerGroups?.close()]);
  }

  private async read(): Promise<LagSnapshot> {
    const { groupId, topics, offsetReset } = this.options;
    const metadata = await this.admin.fetchTopicMetadata({ topics: [...topics] });
    const [logs, committed, groups] = await Promise.all([
      Promise.all(
        topics.map(async (topic) => ({
          topic,
          offsets: await this.admin.fetchTopicOffsets(topic),
        })),
      ),
      this.admin.fetchOffsets({ groupId, topics: [...topics] }),
      this.admin.describeGroups([groupId]),
    ]);
    const committedOf = new Map<string, number>();
    for (const t of committed) {
      for (const p of t.partitions) {
        const offset = Number(p.offset);
        if (offset >= 0) committedOf.set(`${t.topic}/${p.partition}`, offset);
      }
    }
    let group = groupStateOf(groups.groups.find((g) => g.groupId === groupId));
    if (group.state === 'Dead' && group.members === 0 && this.options.consumerGroups) {
      group = (await this.options.consumerGroups.describe(groupId)) ?? group;
    }
    if (group.state === 'Dead' && committedOf.size === 0) throw new GroupNotFoundError(groupId);

    const partitions: PartitionOffsets[] = [];
    for (const { topic, offsets } of logs) {
      for (const o of offsets) {
        const end = Number(o.high);
        const start = Number(o.low);
        const c = committedOf.get(`${topic}/${o.partition}`) ?? null;
        partitions.push({
          topic,
          partition: o.partition,
          committed: c,
          end,
          start,
          lag: partitionLag(c, end, start, offsetReset),
        });
      }
    }
    partitions.sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    );
    // The explicit Metadata request is fresh every step (fetchTopicOffsets may answer from
    // kafkajs' cached metadata, up to metadataMaxAge old); if partitions were added between
    // the two requests, count the larger view: the cap should never lag behind the cluster.
    const inMetadata = metadata.topics.reduce((sum, t) => sum + t.partitions.length, 0);
    const partitionCount = Math.max(inMetadata, partitions.length);
    return { topics: [...topics], partitions, partitionCount, group };
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

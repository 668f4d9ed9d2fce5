/**
 * The group's lag from Kafka (kafkajs): per partition the committed offset (admin OffsetFetch),
 * the log end and log start and the partition count (a fresh Metadata read every step, then
 * ListOffsets latest / earliest per leader: log-offsets.ts), and the group's state and member
 * count (admin DescribeGroups; for a group of the consumer rebalance protocol, which
 * DescribeGroups answers as Dead with no members, ConsumerGroupDescribe).
 *
 * The group's type comes from its coordinator (ListGroups v5, group-type.ts), never from
 * configuration. A share group (KIP-932) commits no offsets: its members come from
 * ShareGroupDescribe and each partition's start offset (as `committed`) and lag from
 * DescribeShareGroupOffsets (share-offsets.ts); the broker's own lag (v1, KIP-1226) is taken as
 * is, and a partition no member has fetched yet follows the reset policy below.
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
  type GroupType,
  KafkaError,
  type LagSnapshot,
  type LagSource,
  type OffsetReset,
  type PartitionOffsets,
  partitionLag,
  TopicNotFoundError,
} from '../core/index.ts';
import {
  type ConsumerGroupDescriber,
  GroupDescriber,
  SHARE_GROUP_DESCRIBE,
} from './consumer-group-describe.ts';
import { GroupTypeReader } from './group-type.ts';
import { accessDenied, kafkaErrorType } from './kafka-errors.ts';
import { entry, LogOffsetReader, type PartitionLog } from './log-offsets.ts';
import { ShareOffsetReader } from './share-offsets.ts';

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
  /**
   * A group that does not exist has not started yet: its lag is what a first member would
   * consume (by `offsetReset`), not an error. For a service that scales to zero, whose group
   * Kafka deletes once its offsets expire; elsewhere an absent group is a misnamed one.
   * @default false
   */
  absentGroupStarts?: boolean;
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

/** A request's answer or its error, to be unwrapped only when it is needed. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settled = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
function unwrap<T>(s: Settled<T>): T {
  if (!s.ok) throw s.error;
  return s.value;
}

/** Committed offsets by topic, then partition (no key string per partition), and whether any. */
interface Committed {
  byTopic: Map<string, Map<number, number>>;
  any: boolean;
}

function committedOf(fetched: Awaited<ReturnType<Admin['fetchOffsets']>>): Committed {
  const byTopic = new Map<string, Map<number, number>>();
  let any = false;
  for (const t of fetched) {
    const byPartition = new Map<number, number>();
    for (const p of t.partitions) {
      const offset = Number(p.offset);
      if (offset >= 0) byPartition.set(p.partition, offset);
    }
    byTopic.set(t.topic, byPartition);
    any ||= byPartition.size > 0;
  }
  return { byTopic, any };
}

export class KafkaLagSource implements LagSource {
  private readonly admin: Admin;
  private readonly logs: LogOffsetReader;
  private readonly types: GroupTypeReader;
  private readonly shareGroups: GroupDescriber;
  private readonly shareOffsets: ShareOffsetReader;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly options: LagSourceOptions,
  ) {
    this.admin = kafka.admin();
    this.logs = new LogOffsetReader(kafka);
    this.types = new GroupTypeReader(kafka);
    this.shareGroups = new GroupDescriber(kafka, SHARE_GROUP_DESCRIBE);
    this.shareOffsets = new ShareOffsetReader(kafka);
  }

  async observe(): Promise<LagSnapshot> {
    try {
      // A failed connect (refused credentials too, which kafkajs does not retry) is tried again
      // next step: a rejected promise kept here would fail every step of this environment.
      this.connected ??= this.admin.connect().catch((error: unknown) => {
        this.connected = undefined;
        throw error;
      });
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
    const { groupId, topics } = this.options;
    // The classic reads go out with the type's: a classic group, the usual one, waits for no
    // extra round trip; a share group ignores them (OffsetFetch does not know it).
    const [logs, type, committed, groups] = await Promise.all([
      this.logs.read(topics),
      this.types.typeOf(groupId),
      settled(this.admin.fetchOffsets({ groupId, topics: [...topics] })),
      settled(this.admin.describeGroups([groupId])),
    ]);
    if (type === 'share') return this.readShare(logs);
    const group = await this.classicGroup(type, unwrap(groups).groups);
    return this.snapshot(logs, committedOf(unwrap(committed)), group);
  }

  /** The group's state: DescribeGroups, or for a consumer-protocol group ConsumerGroupDescribe. */
  private async classicGroup(
    type: GroupType | undefined,
    described: GroupDescription[],
  ): Promise<GroupState> {
    const { groupId, consumerGroups } = this.options;
    const group = groupStateOf(described.find((g) => g.groupId === groupId));
    if (group.state === 'Dead' && group.members === 0 && consumerGroups) {
      const consumer = await consumerGroups.describe(groupId);
      if (consumer) return { ...consumer, type: 'consumer' };
    }
    return { ...group, type: type ?? 'classic' };
  }

  /** A share group: its members (ShareGroupDescribe) and per partition its start and lag. */
  private async readShare(logs: PartitionLog[]): Promise<LagSnapshot> {
    const { groupId } = this.options;
    const partitions = new Map<string, number[]>();
    for (const { topic, partition } of logs) entry(partitions, topic, () => []).push(partition);
    const [offsets, described] = await Promise.all([
      this.shareOffsets.read(groupId, partitions),
      this.shareGroups.describe(groupId),
    ]);
    if (!described) throw new GroupNotFoundError(groupId);
    const starts = new Map<string, Map<number, number>>();
    const lags = new Map<string, Map<number, number>>();
    for (const [topic, byPartition] of offsets) {
      for (const [partition, { start, lag }] of byPartition) {
        if (start !== null) entry(starts, topic, () => new Map()).set(partition, start);
        if (lag !== null) entry(lags, topic, () => new Map()).set(partition, lag);
      }
    }
    return this.snapshot(
      logs,
      { byTopic: starts, any: true },
      { ...described, type: 'share' },
      lags,
    );
  }

  /**
   * Per partition its offsets and lag: `lags` where the broker counted it (a share group's,
   * KIP-1226), else from the committed (or share start) offset by partitionLag.
   */
  private snapshot(
    logs: PartitionLog[],
    committed: Committed,
    group: GroupState,
    lags?: Map<string, Map<number, number>>,
  ): LagSnapshot {
    const { groupId, topics, offsetReset } = this.options;
    if (group.state === 'Dead' && !committed.any && !this.options.absentGroupStarts) {
      throw new GroupNotFoundError(groupId);
    }
    const partitions: PartitionOffsets[] = logs.map(({ topic, partition, start, end }) => {
      const c = committed.byTopic.get(topic)?.get(partition) ?? null;
      const counted = lags?.get(topic)?.get(partition);
      return {
        topic,
        partition,
        committed: c,
        end,
        start,
        lag: counted ?? partitionLag(c, end, start, offsetReset),
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
    const denied = accessDenied(type, this.options.brokers, error);
    return denied ?? new KafkaError(error);
  }
}

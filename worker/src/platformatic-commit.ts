import { type Consumer, kGetApi, kGetConnection, type offsetCommitV8 } from '@platformatic/kafka';
import { CommitRejectedError, type TopicPartition } from './kafka-port.ts';
import { tpKey } from './platformatic-positions.ts';
import { sleep } from './sleep.ts';

type OffsetCommitRequestTopic = offsetCommitV8.OffsetCommitRequestTopic;
type OffsetCommitResponse = offsetCommitV8.OffsetCommitResponse;
type Callback<T> = (error: Error | null, value?: T) => void;
type CommitApi = (
  connection: unknown,
  groupId: string,
  generation: number,
  memberId: string | null,
  groupInstanceId: string | null,
  topics: OffsetCommitRequestTopic[],
  callback: Callback<OffsetCommitResponse>,
) => void;

/** The client's internals this needs (exported by the package, absent from Consumer's type). */
interface Internals {
  [kGetApi](name: string, callback: Callback<CommitApi>): void;
  [kGetConnection](broker: unknown, callback: Callback<unknown>): void;
}

function call<T>(start: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => start((e, v) => (e ? reject(e) : resolve(v as T))));
}

/** Offsets of one commit request, one entry per topic. */
function commitTopics(
  offsets: Array<TopicPartition & { offset: bigint }>,
): OffsetCommitRequestTopic[] {
  const topics = new Map<string, OffsetCommitRequestTopic>();
  for (const { topic, partition, offset } of offsets) {
    let t = topics.get(topic);
    if (!t) {
      t = { name: topic, partitions: [] };
      topics.set(topic, t);
    }
    t.partitions.push({
      partitionIndex: partition,
      committedOffset: offset,
      committedLeaderEpoch: -1,
    });
  }
  return [...topics.values()];
}

/**
 * Commits `offsets` under `generation` (the group generation their records were read in), once.
 * Consumer.commit cannot be used for this: when the broker refuses a commit because the group is
 * rebalancing, it rejoins and sends the same offsets again under the new generation, which the
 * broker accepts even when the partition now belongs to another member. Such a late commit can
 * move the new owner's committed offset back after that owner has read to the end: the group
 * then stays short of the end offsets with nothing left to read. Here a refused commit throws
 * CommitRejectedError and the next owner replays from the last accepted commit.
 */
export async function commitAsOf(
  consumer: Consumer,
  generation: number,
  offsets: Array<TopicPartition & { offset: bigint }>,
): Promise<void> {
  const internals = consumer as unknown as Internals;
  const coordinator = consumer.coordinatorId;
  if (coordinator === null) throw new CommitRejectedError('no group coordinator: not a member');
  const metadata = await consumer.metadata({ topics: [...new Set(offsets.map((o) => o.topic))] });
  const connection = await call<unknown>((cb) =>
    internals[kGetConnection](metadata.brokers.get(coordinator), cb),
  );
  const api = await call<CommitApi>((cb) => internals[kGetApi]('OffsetCommit', cb));
  try {
    await call<OffsetCommitResponse>((cb) =>
      api(
        connection,
        consumer.groupId,
        generation,
        consumer.memberId,
        null,
        commitTopics(offsets),
        cb,
      ),
    );
  } catch (err) {
    const e = err as { findBy?: (k: string, v: unknown) => unknown };
    if (e.findBy?.('needsRejoin', true)) throw new CommitRejectedError((err as Error).message);
    throw err;
  }
}

/** Commits sent again after an assignment change moved the member epoch on. */
const STALE_EPOCH_RETRIES = 20;

/**
 * Consumer group protocol (KIP-848): commits only while `owns` says this member still owns each
 * partition the batch was read in (the caller holds a revocation's acknowledgement until its
 * batches committed, and ends ownership at once on a fence), under the current member epoch. The
 * epoch moves on with every assignment change, even one that leaves these partitions here: a
 * commit refused as stale is sent again with the new epoch.
 */
export async function commitOwned(
  consumer: Consumer,
  memberEpoch: () => number | undefined,
  offsets: Array<TopicPartition & { offset: bigint }>,
  owns: (key: string) => boolean,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const lost = offsets.filter((o) => !owns(tpKey(o.topic, o.partition)));
    if (lost.length > 0) {
      const names = lost.map((o) => `${o.topic}[${o.partition}]`).join(', ');
      throw new CommitRejectedError(`${names} no longer owned by this member`);
    }
    const epoch = memberEpoch();
    if (epoch === undefined) throw new CommitRejectedError('not a member of the group');
    try {
      await commitAsOf(consumer, epoch, offsets);
      return;
    } catch (err) {
      const e = err as { findBy?: (k: string, v: unknown) => unknown };
      if (!e.findBy?.('apiId', 'STALE_MEMBER_EPOCH')) throw err;
      if (attempt >= STALE_EPOCH_RETRIES) throw new CommitRejectedError((err as Error).message);
      // The new epoch arrives with the heartbeat response that changed the assignment.
      await sleep(250);
    }
  }
}

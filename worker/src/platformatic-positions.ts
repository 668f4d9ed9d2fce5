import { type Consumer, ListOffsetTimestamps } from '@platformatic/kafka';
import type { TopicPartition } from './kafka-port.ts';

export type Assignments = Array<{ topic: string; partitions: number[] }>;

/** A partition's key in this port's maps (`byTopic` reads it back). */
export const tpKey = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Where each partition's reading starts: its committed offset, or the reset position (earliest
 * or latest) when it has none, keyed `topic:partition`. Read from the broker rather than from
 * the client's stream: the stream keeps the fetch position of a partition it read before (in an
 * earlier generation, or in a fetch still in flight at a join) and would skip the records before it.
 */
export async function startOffsets(
  consumer: Consumer,
  assignments: Assignments,
  fromBeginning: boolean,
): Promise<Map<string, bigint>> {
  const committed = await consumer.listCommittedOffsets({ topics: assignments });
  const missing = assignments.some((a) =>
    a.partitions.some((p) => (committed.get(a.topic)?.[p] ?? -1n) < 0n),
  );
  const reset = missing
    ? await consumer.listOffsets({
        topics: assignments.map((a) => a.topic),
        timestamp: fromBeginning ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
      })
    : undefined;
  const starts = new Map<string, bigint>();
  for (const a of assignments) {
    for (const p of a.partitions) {
      const c = committed.get(a.topic)?.[p] ?? -1n;
      const offset = c >= 0n ? c : reset?.get(a.topic)?.[p];
      if (offset !== undefined) starts.set(tpKey(a.topic, p), offset);
    }
  }
  return starts;
}

export function toPartitions(assignments: Assignments): TopicPartition[] {
  return assignments.flatMap((a) =>
    a.partitions.map((partition) => ({ topic: a.topic, partition })),
  );
}

/** `topic:partition` keys back to the client's assignment shape. */
export function byTopic(keys: string[]): Assignments {
  const topics = new Map<string, number[]>();
  for (const k of keys) {
    const cut = k.lastIndexOf(':');
    const topic = k.slice(0, cut);
    topics.set(topic, [...(topics.get(topic) ?? []), Number(k.slice(cut + 1))]);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

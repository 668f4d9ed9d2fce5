import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { ListOffsetsRequest } from '../../autoscaler/adapters/kafka-cluster.ts';
import { LogOffsetReader } from '../../autoscaler/adapters/log-offsets.ts';

/** Partition p of topic `t` has its end at 1000 + p and its start at p; leaders given per partition. */
function fakeKafka(leaders: Record<string, number[]>, failFirst?: string) {
  const sent: { nodeId: number; request: ListOffsetsRequest }[] = [];
  let refreshes = 0;
  let failures = failFirst ? 1 : 0;
  const cluster = {
    connect: async () => {},
    disconnect: async () => {},
    findGroupCoordinator: async () => {
      throw new Error('not used');
    },
    addMultipleTargetTopics: async () => {},
    refreshMetadata: async () => {
      refreshes++;
    },
    findTopicPartitionMetadata: (topic: string) =>
      (leaders[topic] ?? []).map((leader, partitionId) => ({ partitionId, leader })),
    findBroker: async ({ nodeId }: { nodeId: number }) => ({
      listOffsets: async (request: ListOffsetsRequest) => {
        sent.push({ nodeId, request });
        if (failures > 0) {
          failures--;
          throw Object.assign(new Error('stale'), { type: failFirst });
        }
        return {
          responses: request.topics.map(({ topic, partitions }) => ({
            topic,
            partitions: partitions.map(({ partition, timestamp }) => ({
              partition,
              offset: String(timestamp === -1 ? 1000 + partition : partition),
            })),
          })),
        };
      },
    }),
  };
  const kafka = { [Symbol('private:Kafka:createCluster')]: () => cluster } as unknown as Kafka;
  return { kafka, sent, refreshes: () => refreshes };
}

describe('LogOffsetReader', () => {
  it('asks each leader once for the ends (read_committed) and once for the starts of the partitions it leads', async () => {
    const { kafka, sent } = fakeKafka({ a: [1, 2, 1], b: [2] });
    const logs = await new LogOffsetReader(kafka).read(['a', 'b']);
    expect(logs).toEqual([
      { topic: 'a', partition: 0, start: 0, end: 1000 },
      { topic: 'a', partition: 1, start: 1, end: 1001 },
      { topic: 'a', partition: 2, start: 2, end: 1002 },
      { topic: 'b', partition: 0, start: 0, end: 1000 },
    ]);
    const asked = sent.map(({ nodeId, request }) => ({
      nodeId,
      isolationLevel: request.isolationLevel,
      topics: request.topics.map((t) => [t.topic, t.partitions.map((p) => p.partition)]),
      timestamps: [...new Set(request.topics.flatMap((t) => t.partitions.map((p) => p.timestamp)))],
    }));
    expect(asked).toHaveLength(4);
    for (const timestamp of [-1, -2]) {
      expect(asked).toContainEqual({
        nodeId: 1,
        isolationLevel: 1,
        topics: [['a', [0, 2]]],
        timestamps: [timestamp],
      });
      expect(asked).toContainEqual({
        nodeId: 2,
        isolationLevel: 1,
        topics: [
          ['a', [1]],
          ['b', [0]],
        ],
        timestamps: [timestamp],
      });
    }
  });

  it('reads again from fresh metadata when a leader moved in between', async () => {
    const { kafka, refreshes } = fakeKafka({ a: [1] }, 'NOT_LEADER_FOR_PARTITION');
    const logs = await new LogOffsetReader(kafka).read(['a']);
    expect(logs).toEqual([{ topic: 'a', partition: 0, start: 0, end: 1000 }]);
    expect(refreshes()).toBe(2);
  });

  it('fails at once on an error that fresh metadata does not cure', async () => {
    const { kafka, refreshes } = fakeKafka({ a: [1] }, 'TOPIC_AUTHORIZATION_FAILED');
    await expect(new LogOffsetReader(kafka).read(['a'])).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    expect(refreshes()).toBe(1);
  });

  it('a kafkajs without the private cluster factory is a clear error naming the version it needs', async () => {
    await expect(new LogOffsetReader({} as Kafka).read(['a'])).rejects.toThrow(
      /kafkajs lacks private:Kafka:createCluster where 2\.2\.4 has it: reading log offsets needs kafkajs 2\.2\.x/,
    );
  });
});

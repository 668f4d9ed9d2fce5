import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConsumerGroupDescriber } from '../../lambda/adapters/consumer-group-describe.ts';
import {
  decodeListOffsets,
  encodeListOffsets,
  LIST_OFFSETS,
  ListOffsetsError,
} from '../../lambda/adapters/list-offsets.ts';
import { LogOffsetReader } from '../../lambda/adapters/log-offsets.ts';

interface AskedTopic {
  topic: string;
  partitions: number[];
  timestamps: number[];
}

/** A ListOffsets v2 request body as a broker reads it. */
function readRequest(buf: Buffer): {
  replica: number;
  isolationLevel: number;
  topics: AskedTopic[];
} {
  const replica = buf.readInt32BE(0);
  const isolationLevel = buf.readInt8(4);
  const topics: AskedTopic[] = [];
  let at = 9;
  for (let t = buf.readInt32BE(5); t > 0; t--) {
    const length = buf.readInt16BE(at);
    const topic = buf.toString('utf8', at + 2, at + 2 + length);
    at += 2 + length;
    const asked: AskedTopic = { topic, partitions: [], timestamps: [] };
    for (let p = buf.readInt32BE(at), i = 0; i < p; i++) {
      asked.partitions.push(buf.readInt32BE(at + 4 + i * 12));
      asked.timestamps.push(Number(buf.readBigInt64BE(at + 8 + i * 12)));
    }
    at += 4 + asked.partitions.length * 12;
    topics.push(asked);
  }
  expect(at).toBe(buf.length);
  return { replica, isolationLevel, topics };
}

/** A ListOffsets v2 response: per partition its error code and offset. */
function response(topics: { topic: string; partitions: [number, number, number][] }[]): Buffer {
  const parts: Buffer[] = [Buffer.alloc(8)];
  parts[0]!.writeInt32BE(topics.length, 4);
  for (const { topic, partitions } of topics) {
    const head = Buffer.alloc(2 + Buffer.byteLength(topic) + 4);
    head.writeInt16BE(Buffer.byteLength(topic), 0);
    head.write(topic, 2);
    head.writeInt32BE(partitions.length, head.length - 4);
    parts.push(head);
    for (const [partition, code, offset] of partitions) {
      const p = Buffer.alloc(22);
      p.writeInt32BE(partition, 0);
      p.writeInt16BE(code, 4);
      p.writeBigInt64BE(-1n, 6);
      p.writeBigInt64BE(BigInt(offset), 14);
      parts.push(p);
    }
  }
  return Buffer.concat(parts);
}

interface Sent {
  request: { apiKey: number; apiVersion: number; encode(): Promise<{ buffer: Buffer }> };
  response: { parse(payload: Buffer): Promise<unknown> };
}

/** Partition p has its end at 1000 + p and its start at p; leaders given per partition. */
function fakeKafka(leaders: Record<string, number[]>, failFirstWith?: number) {
  const sent: { nodeId: number; apiKey: number; body: ReturnType<typeof readRequest> }[] = [];
  let refreshes = 0;
  let failures = failFirstWith ? 1 : 0;
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
      connectionPool: {
        send: async ({ request, response: parser }: Sent) => {
          const body = readRequest((await request.encode()).buffer);
          sent.push({ nodeId, apiKey: request.apiKey, body });
          const code = failures-- > 0 ? failFirstWith! : 0;
          return parser.parse(
            response(
              body.topics.map(({ topic, partitions, timestamps }) => ({
                topic,
                partitions: partitions.map((p, i) => [
                  p,
                  code,
                  timestamps[i] === -1 ? 1000 + p : p,
                ]),
              })),
            ),
          );
        },
      },
    }),
  };
  let created = 0;
  let connects = 0;
  const connect = cluster.connect;
  cluster.connect = async () => {
    connects++;
    await connect();
  };
  const create = () => {
    created++;
    return cluster;
  };
  const kafka = { [Symbol('private:Kafka:createCluster')]: create } as unknown as Kafka;
  return {
    kafka,
    sent,
    refreshes: () => refreshes,
    clusters: () => ({ created, connects }),
  };
}

describe('ListOffsets v2 codec', () => {
  it('writes replica -1, the isolation level and every partition with the timestamp', () => {
    const body = encodeListOffsets(
      1,
      -2,
      new Map([
        ['orders', [0, 7]],
        ['é', [3]],
      ]),
    );
    expect(readRequest(body)).toEqual({
      replica: -1,
      isolationLevel: 1,
      topics: [
        { topic: 'orders', partitions: [0, 7], timestamps: [-2, -2] },
        { topic: 'é', partitions: [3], timestamps: [-2] },
      ],
    });
  });

  it('reads offsets by topic and partition, past 2^32', () => {
    const offsets = decodeListOffsets(
      response([
        {
          topic: 'a',
          partitions: [
            [0, 0, 5],
            [1, 0, 2 ** 40],
          ],
        },
        { topic: 'b', partitions: [[0, 0, 0]] },
      ]),
    );
    expect(offsets).toEqual(
      new Map([
        [
          'a',
          new Map([
            [0, 5],
            [1, 2 ** 40],
          ]),
        ],
        ['b', new Map([[0, 0]])],
      ]),
    );
  });

  it("a partition's error is thrown with kafkajs' type name when fresh metadata cures it", () => {
    const failed = (code: number) => {
      try {
        decodeListOffsets(
          response([
            {
              topic: 'a',
              partitions: [
                [0, 0, 1],
                [4, code, -1],
              ],
            },
          ]),
        );
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(failed(6)).toMatchObject({
      topic: 'a',
      partition: 4,
      code: 6,
      type: 'NOT_LEADER_FOR_PARTITION',
      kind: 'transient',
      retriable: true,
    });
    const denied = failed(29);
    expect(denied).toBeInstanceOf(ListOffsetsError);
    expect(denied).toMatchObject({ code: 29, type: undefined, kind: 'config', retriable: false });
    expect((denied as Error).message).toBe(
      'ListOffsets for a/4 failed with Kafka error code 29: not authorized to describe topic a; allow DESCRIBE on it (kafka-cluster:DescribeTopic with MSK IAM)',
    );
    expect(failed(7)).toMatchObject({
      kind: 'fatal',
      message: 'ListOffsets for a/4 failed with Kafka error code 7',
    });
  });
});

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
    expect(sent.every((s) => s.apiKey === LIST_OFFSETS && s.body.replica === -1)).toBe(true);
    const asked = sent.map(({ nodeId, body }) => ({
      nodeId,
      isolationLevel: body.isolationLevel,
      topics: body.topics.map((t) => [t.topic, t.partitions]),
      timestamps: [...new Set(body.topics.flatMap((t) => t.timestamps))],
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
    const { kafka, refreshes } = fakeKafka({ a: [1] }, 6);
    const logs = await new LogOffsetReader(kafka).read(['a']);
    expect(logs).toEqual([{ topic: 'a', partition: 0, start: 0, end: 1000 }]);
    expect(refreshes()).toBe(2);
  });

  it('shares one cluster, connected once, with ConsumerGroupDescribe on the same Kafka', async () => {
    const { kafka, clusters } = fakeKafka({ a: [1] });
    const logs = new LogOffsetReader(kafka);
    const groups = new ConsumerGroupDescriber(kafka);
    await logs.read(['a']);
    await expect(groups.describe('g')).rejects.toThrow('not used');
    await logs.read(['a']);
    expect(clusters()).toEqual({ created: 1, connects: 1 });
  });

  it('fails at once on an error that fresh metadata does not cure', async () => {
    const { kafka, refreshes } = fakeKafka({ a: [1] }, 29);
    await expect(new LogOffsetReader(kafka).read(['a'])).rejects.toMatchObject({ code: 29 });
    expect(refreshes()).toBe(1);
  });

  it('a kafkajs without the private cluster factory is a clear error naming the version it needs', async () => {
    await expect(new LogOffsetReader({} as Kafka).read(['a'])).rejects.toThrow(
      /kafkajs lacks private:Kafka:createCluster where 2\.2\.4 has it: lagpilot.s own requests \(ListOffsets, ListGroups, group and share-offset describes\) needs kafkajs 2\.2\.x/,
    );
  });
});

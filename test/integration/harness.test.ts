import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaLagSource } from '../../lambda/adapters/lag-source.ts';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';

// Proves the harness: a real broker, keyed produce, a consumer group that commits, and the
// group's per-partition lag read back through the autoscaler's own lag source.
describe(`harness on Kafka ${inject('kafkaVersion')}`, () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  const topic = uniqueName('harness');
  const groupId = uniqueName('harness-group');
  const PARTITIONS = 12;
  const MESSAGES = 1200;
  const producedPerPartition = new Map<number, number>();

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS }],
      waitForLeaders: true,
    });
    // Idempotent: a send retried on a loaded broker must not write the batch twice.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages = Array.from({ length: MESSAGES }, (_, i) => ({
      key: `user-${i % 97}`,
      value: JSON.stringify({ seq: i }),
    }));
    const acks = await producer.send({ topic, messages, acks: -1 });
    await producer.disconnect();
    // kafkajs reports each partition's base offset: the offsets produced are counted from the log ends.
    expect(acks.length).toBeGreaterThan(0);
    const ends = await admin.fetchTopicOffsets(topic);
    for (const p of ends) producedPerPartition.set(p.partition, Number(p.high));
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  it('reads per-partition lag that matches what was produced and committed', async () => {
    const total = [...producedPerPartition.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(MESSAGES);
    expect(producedPerPartition.size).toBe(PARTITIONS);

    // Consume everything, then commit half of each partition except partition 11 (never committed).
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Map<number, number>();
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition }) => {
        seen.set(partition, (seen.get(partition) ?? 0) + 1);
      },
    });
    await eventually(async () =>
      [...seen.values()].reduce((a, b) => a + b, 0) >= MESSAGES ? true : undefined,
    );
    const committed = new Map<number, number>();
    for (const [partition, produced] of producedPerPartition) {
      if (partition === 11) continue;
      committed.set(partition, Math.floor(produced / 2));
    }
    await consumer.commitOffsets(
      [...committed].map(([partition, offset]) => ({ topic, partition, offset: String(offset) })),
    );
    await consumer.disconnect();

    const lag = new KafkaLagSource(kafka, {
      groupId,
      topics: [topic],
      offsetReset: 'earliest',
      brokers: [inject('kafkaBrokers')],
    });
    try {
      const snapshot = await lag.observe();
      expect(snapshot.partitionCount).toBe(PARTITIONS);
      expect(snapshot.group).toEqual({ state: 'Empty', members: 0, type: 'classic' });
      for (const [partition, produced] of producedPerPartition) {
        const read = snapshot.partitions.find((p) => p.partition === partition);
        expect(read, `partition ${partition}`).toEqual({
          topic,
          partition,
          committed: committed.get(partition) ?? null,
          end: produced,
          start: 0,
          lag: produced - (committed.get(partition) ?? 0),
        });
      }
    } finally {
      await lag.close();
    }
  });
});

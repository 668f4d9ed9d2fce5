import { Consumer } from '@platformatic/kafka';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CommitRejectedError } from '../../worker/src/kafka-port.ts';
import { commitAsOf } from '../../worker/src/platformatic-commit.ts';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { createTopics } from '../helpers/worker-data.ts';

async function committed(group: string, topic: string): Promise<string | undefined> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return t!.partitions.find((p) => p.partition === 0)?.offset;
  } finally {
    await admin.disconnect();
  }
}

describe(`fenced commit (@platformatic/kafka, Kafka ${inject('kafkaVersion')})`, () => {
  const members: Consumer[] = [];
  afterAll(async () => {
    // Closing a member with force closes its stream first.
    for (const m of members) await new Promise((r) => m.close(true, () => r(undefined)));
  });

  async function member(group: string, topic: string) {
    const consumer = new Consumer({
      clientId: 'fenced-commit-test',
      bootstrapBrokers: [inject('kafkaBrokers')],
      groupId: group,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      rebalanceTimeout: 10_000,
    });
    const stream = await consumer.consume({ topics: [topic], autocommit: false });
    stream.on('data', () => {});
    members.push(consumer);
    return consumer;
  }

  it('refuses offsets read in a generation the group has left, and commits those of the current one', async () => {
    const topic = uniqueName('fence-in');
    const group = uniqueName('fence-g');
    await createTopics(testKafka(), { [topic]: 2 });
    const a = await member(group, topic);
    const first = a.generationId;
    // A second member makes the group rebalance: the first rejoins under a new generation.
    await member(group, topic);
    await eventually(async () => (a.generationId > first ? true : undefined), 30_000);

    const stale = commitAsOf(a, first, [{ topic, partition: 0, offset: 5n }]);
    await expect(stale).rejects.toBeInstanceOf(CommitRejectedError);
    expect(await committed(group, topic)).toBe('-1');

    await commitAsOf(a, a.generationId, [{ topic, partition: 0, offset: 7n }]);
    expect(await committed(group, topic)).toBe('7');
  });
});

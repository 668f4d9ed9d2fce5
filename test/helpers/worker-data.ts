import type { Kafka } from 'kafkajs';

export interface Event {
  user: string;
  seq: number;
  type: 'click' | 'view';
  amount: number;
  pad: string;
}

/** The i-th event of a stream of `users` interleaved users, each with its own sequence 0, 1, 2, … */
function event(i: number, users: number): Event {
  const u = i % users;
  return {
    user: `user-${u}`,
    seq: Math.floor(i / users),
    type: i % 3 === 0 ? 'view' : 'click',
    amount: (i * 7) % 100,
    pad: 'x'.repeat(120),
  };
}

/** Produces events [from, to) keyed by user (so one user's events share an input partition). */
export async function produceEvents(
  kafka: Kafka,
  topic: string,
  from: number,
  to: number,
  users: number,
): Promise<void> {
  // Idempotent: a send retried on a slow broker must not write the batch twice, or the test
  // would count the producer's duplicates against the worker.
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (let i = from; i < to; i += 5000) {
      const messages = [];
      for (let j = i; j < Math.min(to, i + 5000); j++) {
        const e = event(j, users);
        messages.push({ key: e.user, value: JSON.stringify(e) });
      }
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

export async function createTopics(kafka: Kafka, topics: Record<string, number>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: Object.entries(topics).map(([topic, numPartitions]) => ({ topic, numPartitions })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Whether the group's committed offsets reached the end of every partition of the topic. */
export async function committedEverything(
  kafka: Kafka,
  group: string,
  topic: string,
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.every(
      (e) => committed!.partitions.find((p) => p.partition === e.partition)?.offset === e.high,
    );
  } finally {
    await admin.disconnect();
  }
}

import { afterAll, describe, expect, inject, it } from 'vitest';
import { ConfigError } from '../../kit/params/config-error.ts';
import { sleep } from '../../kit/process.ts';
import type { ConsumerSettings, InBatch } from '../../worker/src/kafka-port.ts';
import { PlatformaticPort } from '../../worker/src/platformatic-adapter.ts';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { createTopics } from '../helpers/worker-data.ts';

interface Seen {
  member: string;
  partition: number;
  first: bigint;
  at: number;
}

/** A member whose first batch of each partition waits for `gate` before it commits. */
function member(
  name: string,
  gate: Promise<void>,
  seen: Seen[],
  commits: Map<number, { at: number; end: bigint }>,
) {
  const port = new PlatformaticPort([inject('kafkaBrokers')], { tls: false }, `handover-${name}`, {
    compression: 'none',
    requestTimeoutMs: 30_000,
  });
  const held = new Set<number>();
  const onBatch = async (batch: InBatch) => {
    seen.push({
      member: name,
      partition: batch.partition,
      first: batch.records[0]!.offset,
      at: Date.now(),
    });
    if (!held.has(batch.partition)) {
      held.add(batch.partition);
      await gate;
    }
    const end = batch.records.at(-1)!.offset + 1n;
    await port.commit([{ topic: batch.topic, partition: batch.partition, offset: end }]);
    if (name === 'A') commits.set(batch.partition, { at: Date.now(), end });
  };
  return { port, onBatch };
}

const settings = (group: string, topic: string): ConsumerSettings => ({
  groupId: group,
  topics: [topic],
  concurrency: 2,
  fromBeginning: true,
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 5_000,
  rebalanceTimeoutMs: 60_000,
  maxBytesPerPartition: 1_048_576,
  maxBytes: 4_194_304,
  maxWaitMs: 200,
  groupProtocol: 'consumer',
});

const kafka4 = inject('kafkaVersion').startsWith('4.');

describe.skipIf(!kafka4)(
  `consumer group protocol hand-over (@platformatic/kafka, Kafka ${inject('kafkaVersion')})`,
  () => {
    const ports: PlatformaticPort[] = [];
    afterAll(async () => {
      await Promise.allSettled(ports.map((p) => p.disconnect()));
    });

    it('gives a revoked partition to its new owner only after the old owner committed its running batch, from that commit', async () => {
      const kafka = testKafka();
      const topic = uniqueName('handover-in');
      const group = uniqueName('handover-g');
      await createTopics(kafka, { [topic]: 2 });
      const producer = kafka.producer();
      await producer.connect();
      for (const partition of [0, 1]) {
        const messages = Array.from({ length: 50 }, (_, i) => ({ value: `${partition}-${i}` }));
        await producer.send({ topic, messages: messages.map((m) => ({ ...m, partition })) });
      }
      await producer.disconnect();

      const seen: Seen[] = [];
      const commits = new Map<number, { at: number; end: bigint }>();
      let open = () => {};
      const gate = new Promise<void>((r) => {
        open = r;
      });
      const handlers = (m: ReturnType<typeof member>) => ({
        onBatch: m.onBatch,
        onAssignment: () => {},
        onCrash: (err: Error) => {
          throw err;
        },
      });
      const a = member('A', gate, seen, commits);
      ports.push(a.port);
      await a.port.consume(settings(group, topic), handlers(a));
      // A runs (and holds) the first batch of both partitions.
      await eventually(
        async () => (new Set(seen.map((s) => s.partition)).size === 2 ? true : undefined),
        30_000,
      );

      const open_ = Date.now();
      const b = member('B', Promise.resolve(), seen, commits);
      ports.push(b.port);
      await b.port.consume(settings(group, topic), handlers(b));
      // Two heartbeat intervals: the broker has asked A to give one partition up by now.
      await sleep(12_000);
      expect(
        seen.filter((s) => s.member === 'B'),
        'B read before A released',
      ).toEqual([]);

      open();
      await eventually(async () => (seen.some((s) => s.member === 'B') ? true : undefined), 30_000);
      const firstOfB = seen.find((s) => s.member === 'B')!;
      // B starts where A's last commit of the partition (its held batch) ended, after that commit.
      const last = commits.get(firstOfB.partition)!;
      expect(firstOfB.first).toBe(last.end);
      expect(firstOfB.first).toBeGreaterThan(0n);
      expect(firstOfB.at).toBeGreaterThan(last.at);
      expect(firstOfB.at - open_).toBeGreaterThan(12_000);
    });
  },
);

describe.skipIf(kafka4)(
  `consumer group protocol on a broker without it (Kafka ${inject('kafkaVersion')})`,
  () => {
    it('refuses "consumer" at start with a configuration error naming the field, and "auto" joins with the classic protocol', async () => {
      const kafka = testKafka();
      const topic = uniqueName('protocol-in');
      const group = uniqueName('protocol-g');
      await createTopics(kafka, { [topic]: 1 });
      const port = () =>
        new PlatformaticPort([inject('kafkaBrokers')], { tls: false }, 'protocol-test', {
          compression: 'none',
          requestTimeoutMs: 30_000,
        });
      const handlers = { onBatch: async () => {}, onAssignment: () => {}, onCrash: () => {} };
      const refused = port();
      try {
        const start = refused.consume(settings(group, topic), handlers);
        await expect(start).rejects.toBeInstanceOf(ConfigError);
        await expect(start).rejects.toThrow(/group_protocol="consumer": the brokers do not offer/);
      } finally {
        await refused.disconnect();
      }
      const auto = port();
      try {
        await auto.consume({ ...settings(group, topic), groupProtocol: 'auto' }, handlers);
        const admin = kafka.admin();
        await admin.connect();
        try {
          // A classic group: DescribeGroups knows it (a consumer-protocol group answers Dead).
          await eventually(async () => {
            const [g] = (await admin.describeGroups([group])).groups;
            return g?.state === 'Stable' && g.members.length === 1 ? true : undefined;
          }, 30_000);
        } finally {
          await admin.disconnect();
        }
      } finally {
        await auto.stopConsuming();
        await auto.disconnect();
      }
    });
  },
);

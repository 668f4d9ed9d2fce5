import { Consumer, type MessagesStream } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Kafka, logLevel } from '../../kit/kafkajs.ts';
import { sleep } from '../../kit/process.ts';
import { ConsumerGroupDescriber } from '../../lambda/adapters/consumer-group-describe.ts';
import { KafkaLagSource } from '../../lambda/adapters/lag-source.ts';
import { MemoryStateStore } from '../../lambda/adapters/state-store.ts';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { controlStep } from '../../lambda/core/control-step.ts';
import {
  BrokerUnreachableError,
  GroupNotFoundError,
  TopicNotFoundError,
} from '../../lambda/core/errors.ts';
import type { StepReport } from '../../lambda/core/ports.ts';
import { metricsOf } from '../../lambda/handler/report.ts';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';

// The lag source against the real broker: lag checked against the offsets actually produced
// and committed, never-committed partitions, partitions added between steps, and the errors.
describe(`Kafka lag source on Kafka ${inject('kafkaVersion')}`, () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  const brokers = [inject('kafkaBrokers')];

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  /** Produces `counts[p]` messages to partition p. */
  async function produce(topic: string, counts: number[], value?: string) {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: counts.flatMap((n, partition) =>
        Array.from({ length: n }, (_, i) => ({ partition, value: value ?? `m${i}` })),
      ),
    });
    await producer.disconnect();
  }

  async function setup(counts: number[], commits: (number | undefined)[]) {
    const topic = uniqueName('lag');
    const groupId = uniqueName('lag-group');
    await admin.createTopics({
      topics: [{ topic, numPartitions: counts.length }],
      waitForLeaders: true,
    });
    await produce(topic, counts);
    const partitions = commits.flatMap((offset, partition) =>
      offset === undefined ? [] : [{ partition, offset: String(offset) }],
    );
    if (partitions.length > 0) await admin.setOffsets({ groupId, topic, partitions });
    return { topic, groupId };
  }

  const source = (
    groupId: string,
    topics: string[],
    offsetReset: 'earliest' | 'latest' = 'earliest',
    absentGroupStarts = false,
  ) => {
    const client = testKafka('lagpilot-lag');
    return new KafkaLagSource(client, {
      groupId,
      topics,
      offsetReset,
      brokers,
      consumerGroups: new ConsumerGroupDescriber(client),
      absentGroupStarts,
    });
  };

  it('reads per-partition lag matching what was produced and committed', async () => {
    const counts = [30, 20, 10, 5];
    const commits = [10, 20, 0, undefined]; // partition 3 never committed
    const { topic, groupId } = await setup(counts, commits);
    const earliest = source(groupId, [topic]);
    const snapshot = await earliest.observe();
    expect(snapshot.partitionCount).toBe(4);
    expect(snapshot.group).toEqual({ state: 'Empty', members: 0, type: 'classic' });
    expect(snapshot.partitions).toEqual([
      { topic, partition: 0, committed: 10, end: 30, start: 0, lag: 20 },
      { topic, partition: 1, committed: 20, end: 20, start: 0, lag: 0 },
      { topic, partition: 2, committed: 0, end: 10, start: 0, lag: 10 },
      { topic, partition: 3, committed: null, end: 5, start: 0, lag: 5 },
    ]);
    // With auto.offset.reset=latest a never-committed partition starts at the end: no lag.
    const latest = await source(groupId, [topic], 'latest').observe();
    expect(latest.partitions[3]!.lag).toBe(0);
    await earliest.close();
  });

  it('sees a live group with its members, and sums several topics', async () => {
    const a = await setup([5, 5], [undefined, undefined]);
    const b = uniqueName('lag-b');
    await admin.createTopics({ topics: [{ topic: b, numPartitions: 3 }], waitForLeaders: true });
    await produce(b, [1, 2, 3]);
    const consumer = kafka.consumer({ groupId: a.groupId });
    await consumer.connect();
    await consumer.subscribe({ topics: [a.topic, b], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async () => {} });
    try {
      const lag = source(a.groupId, [a.topic, b]);
      let snapshot = await lag.observe();
      for (let i = 0; i < 100 && snapshot.group.state !== 'Stable'; i++) {
        await sleep(200);
        snapshot = await lag.observe();
      }
      expect(snapshot.group).toEqual({ state: 'Stable', members: 1, type: 'classic' });
      expect(snapshot.partitionCount).toBe(5);
      expect(snapshot.partitions.reduce((s, p) => s + p.lag, 0)).toBe(16);
      await lag.close();
    } finally {
      await consumer.disconnect();
    }
  });

  it.skipIf(!inject('kafkaVersion').startsWith('4.'))(
    'sees a group of the consumer rebalance protocol (KIP-848) with its state and members',
    async () => {
      const { topic, groupId } = await setup([10, 10, 10, 10], [undefined]);
      const consumers: Consumer[] = [];
      const join = async () => {
        const consumer = new Consumer({
          clientId: 'lagpilot-kip848',
          bootstrapBrokers: brokers,
          groupId,
          groupProtocol: 'consumer',
        });
        consumers.push(consumer);
        const stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> = await consumer.consume({
          topics: [topic],
          autocommit: false,
          mode: 'earliest',
        });
        stream.on('data', () => {});
      };
      const lag = source(groupId, [topic]);
      const group = (state: string, members: number) => async () => {
        const snapshot = await lag.observe();
        return snapshot.group.state === state && snapshot.group.members === members
          ? snapshot
          : undefined;
      };
      try {
        await join();
        await join();
        const stable = await eventually(group('Stable', 2));
        expect(stable.partitionCount).toBe(4);
        expect(stable.partitions.reduce((sum, p) => sum + p.lag, 0)).toBe(40);
        // kafkajs' DescribeGroups alone does not see it: the fallback is what reads it.
        const classicOnly = new KafkaLagSource(testKafka('lagpilot-lag'), {
          groupId,
          topics: [topic],
          offsetReset: 'earliest',
          brokers,
        });
        await expect(classicOnly.observe()).rejects.toBeInstanceOf(GroupNotFoundError);
        await classicOnly.close();
        await consumers.shift()!.close(true);
        await eventually(group('Stable', 1));
      } finally {
        await Promise.all(consumers.map((c) => c.close(true)));
        await lag.close();
      }
    },
  );

  it('re-reads the partition count every step: partitions added between two steps count', async () => {
    const { topic, groupId } = await setup([4, 4], [4, 4]);
    const lag = source(groupId, [topic]);
    expect((await lag.observe()).partitionCount).toBe(2);
    await admin.createPartitions({ topicPartitions: [{ topic, count: 5 }] });
    await produce(topic, [0, 0, 7, 0, 1]);
    // The broker's metadata cache takes the new partitions asynchronously; a source that cached
    // the count would never get there.
    const after = await eventually(async () => {
      const snapshot = await lag.observe();
      return snapshot.partitionCount === 5 ? snapshot : undefined;
    }, 10_000);
    // The new partitions were never committed: their lag is everything produced to them.
    const offsets = await admin.fetchTopicOffsets(topic);
    const end = (p: number) => Number(offsets.find((o) => o.partition === p)?.high);
    expect(end(2)).toBeGreaterThanOrEqual(7);
    expect(after.partitions.map((p) => p.lag)).toEqual([0, 0, end(2), 0, end(4)]);
    await lag.close();
  });

  /**
   * What a kafkajs consumer (read_committed) of a new group committed at `commit` really reads
   * from a one-partition topic: the records delivered before a sentinel produced once it joined.
   */
  async function reads(topic: string, commit: number, fromBeginning: boolean): Promise<number> {
    const groupId = uniqueName('reads');
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [{ partition: 0, offset: String(commit) }],
    });
    const consumer = kafka.consumer({ groupId });
    const joined = new Promise((r) => consumer.on(consumer.events.GROUP_JOIN, r));
    let read = 0;
    let sentinel = false;
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value?.toString() === 'sentinel') sentinel = true;
        else read++;
      },
    });
    try {
      await joined;
      // Again until one arrives: a consumer resetting to the end may land after the first.
      await eventually(
        async () => {
          if (sentinel) return true;
          await produce(topic, [1], 'sentinel');
        },
        30_000,
        500,
      );
      return read;
    } finally {
      await consumer.disconnect();
    }
  }

  /** Partition 0 in one observation, the source closed after. */
  async function partition0(groupId: string, topic: string, reset: 'earliest' | 'latest') {
    const lag = source(groupId, [topic], reset);
    try {
      return (await lag.observe()).partitions[0]!;
    } finally {
      await lag.close();
    }
  }

  it('an out-of-range committed offset counts what the consumer resets to: the log (earliest) or nothing (latest)', async () => {
    // Below the log start: retention (here DeleteRecords) removed offsets 0..19 of 30.
    const below = await setup([30], [5]);
    await admin.deleteTopicRecords({
      topic: below.topic,
      partitions: [{ partition: 0, offset: '20' }],
    });
    expect(await partition0(below.groupId, below.topic, 'earliest')).toMatchObject({
      committed: 5,
      start: 20,
      end: 30,
      lag: 10,
    });
    expect((await partition0(below.groupId, below.topic, 'latest')).lag).toBe(0);
    // Past the end (the topic was recreated or truncated under the group).
    const past = await setup([30], [50]);
    expect((await partition0(past.groupId, past.topic, 'earliest')).lag).toBe(30);
    expect((await partition0(past.groupId, past.topic, 'latest')).lag).toBe(0);
    // What a consumer with the same committed offsets actually reads.
    expect(
      await Promise.all([
        reads(below.topic, 5, true),
        reads(below.topic, 5, false),
        reads(past.topic, 50, true),
        reads(past.topic, 50, false),
      ]),
    ).toEqual([10, 0, 30, 0]);
  });

  it('counts to the last stable offset: an open transaction does not count until it commits; an aborted one counts its offsets, not records', async () => {
    const { topic, groupId } = await setup([5], [0]);
    const producer = kafka.producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const open = await producer.transaction();
      await open.send({
        topic,
        messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `t${i}` })),
      });
      const lag = source(groupId, [topic]);
      // Open: a read_committed consumer can read only the 5 records before the transaction.
      expect((await lag.observe()).partitions[0]).toMatchObject({ end: 5, lag: 5 });
      await open.commit();
      // Committed: its 10 records and the commit marker (written just after EndTxn returns).
      const stableAt = async (end: number) => {
        const p = (await lag.observe()).partitions[0]!;
        return p.end === end ? p : undefined;
      };
      expect(await eventually(() => stableAt(16))).toMatchObject({ lag: 16 });
      const aborted = await producer.transaction();
      await aborted.send({
        topic,
        messages: [1, 2, 3].map((i) => ({ partition: 0, value: `a${i}` })),
      });
      await aborted.abort();
      // Aborted: 3 records and the abort marker are offsets the consumer passes without delivering.
      expect(await eventually(() => stableAt(20))).toMatchObject({ lag: 20 });
      await lag.close();
      expect(await reads(topic, 0, true)).toBe(15);
    } finally {
      await producer.disconnect();
    }
  });

  it('a group that does not exist is a clear typed error', async () => {
    const { topic } = await setup([1], [undefined]);
    const missing = uniqueName('no-such-group');
    const error = await source(missing, [topic])
      .observe()
      .catch((e) => e);
    expect(error).toBeInstanceOf(GroupNotFoundError);
    expect(error.message).toContain(`consumer group ${missing} does not exist`);
  });

  it('scaled to zero, a group that does not exist (yet, or any more) reads as not started', async () => {
    const { topic } = await setup([7, 3], [undefined, undefined]);
    const absent = uniqueName('not-started');
    const earliest = await source(absent, [topic], 'earliest', true).observe();
    expect(earliest.group.state).toBe('Dead');
    // What a first member would consume: the whole log, or nothing with latest.
    expect(earliest.partitions.map((p) => p.lag)).toEqual([7, 3]);
    const latest = await source(absent, [topic], 'latest', true).observe();
    expect(latest.partitions.map((p) => p.lag)).toEqual([0, 0]);
  });

  it('a topic that does not exist is a clear typed error naming it', async () => {
    const { topic, groupId } = await setup([1], [1]);
    const missing = uniqueName('no-such-topic');
    const error = await source(groupId, [topic, missing])
      .observe()
      .catch((e) => e);
    expect(error).toBeInstanceOf(TopicNotFoundError);
    expect(error.message).toBe(
      `topic ${missing} does not exist on the cluster: check LAGPILOT_TOPICS`,
    );
  });

  it('an unreachable broker is a typed error, and in a step a hold with an Errors metric', async () => {
    const dead = new Kafka({
      clientId: 'lagpilot-dead',
      brokers: ['127.0.0.1:1'],
      connectionTimeout: 500,
      retry: { retries: 1, initialRetryTime: 100 },
      logLevel: logLevel.NOTHING,
    });
    const lag = new KafkaLagSource(dead, {
      groupId: 'g',
      topics: ['t'],
      offsetReset: 'earliest',
      brokers: ['127.0.0.1:1'],
    });
    await expect(lag.observe()).rejects.toBeInstanceOf(BrokerUnreachableError);
    const reports: StepReport[] = [];
    const report = await controlStep({
      rules: parseScalingRules({}),
      lag,
      metrics: { resources: async (now) => [{ at: now, cpu: 10, memory: 10 }] },
      target: {
        describe: async () => ({ desired: 3, running: 3, pending: 0, deploying: false }),
        setDesired: async () => {
          throw new Error('must not act');
        },
      },
      store: new MemoryStateStore(),
      reporter: { report: (r) => reports.push(r) },
      dryRun: false,
      now: Date.now,
    });
    expect(report.decision.action).toBe('hold');
    expect(report.errors[0]).toMatchObject({ source: 'kafka' });
    expect(report.errors[0]!.error).toMatch(/^Kafka brokers 127\.0\.0\.1:1 unreachable/);
    expect(metricsOf(report)).toContainEqual({ name: 'Errors', unit: 'Count', value: 1 });
    expect(reports).toHaveLength(1);
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exitOf } from '../../kit/process.ts';
import { ConsumerGroupDescriber } from '../../lambda/adapters/consumer-group-describe.ts';
import { KafkaLagSource } from '../../lambda/adapters/lag-source.ts';
import { MemoryStateStore } from '../../lambda/adapters/state-store.ts';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { controlStep } from '../../lambda/core/control-step.ts';
import { GroupNotFoundError } from '../../lambda/core/errors.ts';
import type { LagSnapshot } from '../../lambda/core/types.ts';
import { consumerProtocolMember, eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { KafkaJava } from '../helpers/kafka-java.ts';

const version = inject('kafkaVersion');
/** Share groups are GA (on by default, DescribeShareGroupOffsets v1 with lag) from Kafka 4.2. */
const shareGroups = /^4\.([2-9]|\d{2,})\./.test(version);

// A share group (KIP-932) on the real broker: its lag as Kafka's own tool reports it, a fleet of
// Kafka's Java share consumers past the partition count, and the step's cap for each group type.
describe.skipIf(!shareGroups)(`share groups on Kafka ${version}`, () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  const brokers = inject('kafkaBrokers');
  let java: KafkaJava;
  const sources: KafkaLagSource[] = [];

  beforeAll(async () => {
    await admin.connect();
    java = await KafkaJava.on(brokers, version);
  });
  afterAll(async () => {
    await java.stop();
    await Promise.all(sources.map((s) => s.close()));
    await admin.disconnect();
  });

  const source = (groupId: string, topic: string) => {
    const client = testKafka('lagpilot-share');
    const lag = new KafkaLagSource(client, {
      groupId,
      topics: [topic],
      offsetReset: 'earliest',
      brokers: [brokers],
      consumerGroups: new ConsumerGroupDescriber(client),
    });
    sources.push(lag);
    return lag;
  };

  /** A 3-partition topic with `perPartition` records in each. */
  async function backlog(perPartition: number): Promise<string> {
    const topic = uniqueName('share');
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    for (let batch = 0; batch < perPartition; batch += 1_000) {
      const n = Math.min(1_000, perPartition - batch);
      await producer.send({
        topic,
        acks: -1,
        messages: [0, 1, 2].flatMap((partition) =>
          Array.from({ length: n }, (_, i) => ({ partition, value: `r${batch + i}` })),
        ),
      });
    }
    await producer.disconnect();
    return topic;
  }

  /** One step on the snapshot with the service at `desired` tasks and LAGPILOT_MAX_TASKS=6. */
  async function stepAt(lag: KafkaLagSource, desired: number) {
    return controlStep({
      rules: parseScalingRules({ LAGPILOT_MAX_TASKS: '6' }),
      lag,
      metrics: { resources: async (now) => [{ at: now, cpu: 50, memory: 50 }] },
      target: {
        describe: async () => ({ desired, running: desired, pending: 0, deploying: false }),
        setDesired: async () => {},
      },
      store: new MemoryStateStore(),
      reporter: { report: () => {} },
      dryRun: true,
      now: Date.now,
    });
  }

  it('reads what kafka-share-groups.sh --describe --offsets reports at the same moment', async () => {
    const topic = await backlog(2_000);
    const groupId = uniqueName('share-group');
    await java.readFromEarliest(groupId);
    // Members that each take some records and leave: every partition initialized, none moving.
    const takers = [0, 1, 2].map(() => java.shareConsumer(groupId, topic, 700));
    await Promise.all(takers.map((c) => exitOf(c, 60_000)));
    const lag = source(groupId, topic);
    const snapshot = await eventually(async () => {
      const s = await lag.observe();
      return s.group.state === 'Empty' ? s : undefined;
    });
    const tool = await java.describeOffsets(groupId);
    const again = await lag.observe();
    expect(again).toEqual(snapshot); // nothing moved while the tool ran
    expect(snapshot.group).toEqual({ state: 'Empty', members: 0, type: 'share' });
    expect(tool).toHaveLength(3);
    expect(tool.some((row) => row.start !== null)).toBe(true);
    // Where the tool prints `-` no member fetched yet: no start, and the whole log is lag
    // (share.auto.offset.reset=earliest, as LAGPILOT_OFFSET_RESET here).
    for (const row of tool) {
      const p = snapshot.partitions[row.partition]!;
      expect({ topic: p.topic, start: p.committed, lag: p.lag }).toEqual({
        topic: row.topic,
        start: row.start,
        lag: row.start === null ? p.end - p.start : row.lag,
      });
    }
    // 2,100 records taken of 6,000: the rest is lag.
    const total = snapshot.partitions.reduce((sum, p) => sum + p.lag, 0);
    expect(total).toBe(6_000 - 3 * 700);
  });

  it('a fleet of Java share consumers grows past the 3 partitions and drains; the step caps at max', async () => {
    const topic = await backlog(20_000);
    const groupId = uniqueName('share-fleet');
    await java.readFromEarliest(groupId);
    const lag = source(groupId, topic);
    java.shareConsumer(groupId, topic);
    // The group exists once the first member joined.
    const one = await eventually(async () => {
      const s = await lag.observe().catch((e) => (e instanceof GroupNotFoundError ? null : e));
      if (s instanceof Error) throw s;
      return s?.group.members === 1 ? s : undefined;
    }, 60_000);
    expect(one.group.type).toBe('share');
    // The step at 5 tasks on 3 partitions: a share group keeps them (cap 6, max).
    const report = await stepAt(lag, 5);
    expect(report.decision).toMatchObject({ cap: 6, capBy: 'max' });
    expect(report.decision.action).not.toBe('down');
    for (let i = 0; i < 4; i++) java.shareConsumer(groupId, topic);
    const five = await eventually(async () => {
      const s = await lag.observe();
      return s.group.members === 5 && s.group.state === 'Stable' ? s : undefined;
    }, 60_000);
    expect(five.partitionCount).toBe(3);
    const drained: LagSnapshot = await eventually(async () => {
      const s = await lag.observe();
      return s.partitions.every((p) => p.lag === 0) ? s : undefined;
    }, 90_000);
    expect(drained.group.members).toBe(5);
    expect(drained.partitions.map((p) => p.end)).toEqual([20_000, 20_000, 20_000]);
    await java.stop();
  });

  it('classic and consumer groups on 3 partitions still cap at the partition count', async () => {
    const topic = await backlog(1_000);
    const classicId = uniqueName('classic');
    await admin.setOffsets({
      groupId: classicId,
      topic,
      partitions: [{ partition: 0, offset: '0' }],
    });
    const classic = await stepAt(source(classicId, topic), 5);
    expect(classic.decision).toMatchObject({ action: 'down', to: 3, cap: 3, capBy: 'partitions' });

    const consumerId = uniqueName('consumer');
    const consumer = await consumerProtocolMember(consumerId, topic);
    try {
      const lag = source(consumerId, topic);
      await eventually(async () => ((await lag.observe()).group.members === 1 ? true : undefined));
      const step = await stepAt(lag, 5);
      expect(step.observed.lag?.group.type).toBe('consumer');
      expect(step.decision).toMatchObject({ action: 'down', to: 3, cap: 3, capBy: 'partitions' });
    } finally {
      await consumer.close(true);
    }
  });
});

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lagCommand } from '../../bin/lag/index.ts';
import type { LagView } from '../../bin/lag/view.ts';
import { exitOf } from '../../kit/process.ts';
import { consumerProtocolMember, eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { KafkaJava } from '../helpers/kafka-java.ts';

const version = inject('kafkaVersion');
const brokers = inject('kafkaBrokers');
const kip848 = version.startsWith('4.');
const shareGroups = /^4\.([2-9]|\d{2,})\./.test(version);

/** `lagpilot lag` in process, as the command line runs it; the output and the view (--json). */
async function lag(args: string[]): Promise<{ text: string; view: LagView }> {
  const run = async (extra: string[]) => {
    let out = '';
    const code = await lagCommand([...args, '--sample', '1s', ...extra], {
      out: (t) => {
        out += t;
      },
      env: {},
      now: Date.now,
    });
    expect(code).toBe(0);
    return out;
  };
  const [text, json] = await Promise.all([run([]), run(['--json'])]);
  return { text, view: JSON.parse(json) as LagView };
}

describe(`lagpilot lag on Kafka ${version}`, () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  async function topicWith(perPartition: number[]): Promise<string> {
    const topic = uniqueName('lagcmd');
    await admin.createTopics({
      topics: [{ topic, numPartitions: perPartition.length }],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: perPartition.flatMap((n, partition) =>
        Array.from({ length: n }, (_, i) => ({ partition, value: `v${i}` })),
      ),
    });
    await producer.disconnect();
    return topic;
  }

  it('shows a classic group: committed offsets, lag, its type and state, the partition cap', async () => {
    const topic = await topicWith([30, 20, 10]);
    const group = uniqueName('classic');
    await admin.setOffsets({
      groupId: group,
      topic,
      partitions: [
        { partition: 0, offset: '10' },
        { partition: 1, offset: '20' },
      ],
    });
    const { text, view } = await lag(['--brokers', brokers, '--group', group, '--topics', topic]);
    expect(view.group).toEqual({ state: 'Empty', members: 0, type: 'classic' });
    expect(view).toMatchObject({ cap: 3, capBy: 'partitions', totalLag: 30 });
    expect(view.partitions.map((p) => [p.end, p.committed, p.lag])).toEqual([
      [30, 10, 20],
      [20, 20, 0],
      [10, null, 10],
    ]);
    expect(view.topics).toEqual([{ topic, partitions: 3, end: 60, lag: 30 }]);
    expect(text).toContain(`group ${group}: classic, Empty, 0 members`);
    expect(text).toContain(
      'cap 3 tasks (the partition count: a classic group gives each partition to one member)',
    );
    expect(text).toMatch(new RegExp(`${topic}\\s+2\\s+10\\s+-\\s+10`));
  });

  it.skipIf(!kip848)('shows a consumer-protocol group (KIP-848) with its members', async () => {
    const topic = await topicWith([5, 5, 5, 5]);
    const group = uniqueName('consumer');
    const consumer = await consumerProtocolMember(group, topic);
    try {
      const view = await eventually(async () => {
        const { view } = await lag(['--brokers', brokers, '--group', group, '--topics', topic]);
        return view.group.state === 'Stable' ? view : undefined;
      });
      expect(view.group).toEqual({ state: 'Stable', members: 1, type: 'consumer' });
      expect(view).toMatchObject({ cap: 4, capBy: 'partitions', totalLag: 20 });
    } finally {
      await consumer.close(true);
    }
  });

  it.skipIf(!shareGroups)(
    "shows a share group: start offsets, the broker's lag, the max cap",
    async () => {
      const topic = await topicWith([1_000, 1_000, 1_000]);
      const group = uniqueName('share');
      const java = await KafkaJava.on(brokers, version);
      await java.readFromEarliest(group);
      await exitOf(java.shareConsumer(group, topic, 500), 60_000);
      const tool = await java.describeOffsets(group);
      const { text, view } = await lag([
        ...['--brokers', brokers, '--group', group, '--topics', topic],
        ...['--max-tasks', '8'],
      ]);
      expect(view.group).toEqual({ state: 'Empty', members: 0, type: 'share' });
      expect(view).toMatchObject({ cap: 8, capBy: 'max', totalLag: 2_500 });
      for (const row of tool.filter((r) => r.start !== null)) {
        expect(view.partitions[row.partition]).toMatchObject({
          committed: row.start,
          lag: row.lag,
        });
      }
      expect(text).toContain(
        "cap 8 tasks (LAGPILOT_MAX_TASKS: a share group's members share partitions)",
      );
      expect(text).toMatch(/TOPIC\s+PARTITION\s+END\s+START\s+LAG/);
    },
  );

  it('names the fix: a wrong broker, group or option', async () => {
    const topic = await topicWith([1]);
    const fails = (args: string[]) =>
      lagCommand([...args, '--sample', '1s'], { out: () => {}, env: {}, now: Date.now }).catch(
        (e: Error) => e,
      );
    const dead = await fails(['--brokers', '127.0.0.1:1', '--group', 'g', '--topics', topic]);
    expect((dead as Error).message).toMatch(
      /^Kafka brokers 127\.0\.0\.1:1 unreachable .*: check --brokers \(LAGPILOT_BROKERS\)/,
    );
    const missing = uniqueName('nobody');
    const group = await fails(['--brokers', brokers, '--group', missing, '--topics', topic]);
    expect((group as Error).message).toContain(
      `consumer group ${missing} does not exist (no members, no committed offsets): check --group (LAGPILOT_GROUP_ID)`,
    );
    const auth = await fails([
      ...['--brokers', brokers, '--group', 'g', '--topics', topic, '--auth', 'scram-sha-512'],
    ]);
    expect((auth as Error).message).toContain('--secret-arn (LAGPILOT_KAFKA_SECRET_ARN)');
    expect((auth as Error).message).toContain('usage: lagpilot lag');
  });

  it('the command line prints the table and no runtime warning on stderr', async () => {
    const topic = await topicWith([3]);
    const group = uniqueName('cli');
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '1' }] });
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bin/lagpilot.ts',
        'lag',
        '--brokers',
        brokers,
        '--group',
        group,
        '--topics',
        topic,
        '--sample',
        '1s',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    await exitOf(child, 60_000);
    expect(child.exitCode).toBe(0);
    expect(stdout).toContain(`group ${group}: classic, Empty, 0 members`);
    expect(stderr).toBe('');
  });
});

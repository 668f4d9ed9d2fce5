import { afterAll, describe, expect, inject, it } from 'vitest';
import { partitionForKey } from '../../worker/src/murmur2.ts';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { createTopics, type Event, produceEvents } from '../helpers/worker-data.ts';
import { endOffset, readAll, WorkerProcess } from '../helpers/worker-process.ts';

const N = 100_000;
const USERS = 500;
const OUT_PARTITIONS = 6;
const passes = (e: Event) => e.type === 'click' || e.amount > 50;

describe.each(['kafkajs+platformatic', 'kafkajs', 'platformatic'])(
  `worker mirrors through filter/transform/key (%s client, Kafka ${inject('kafkaVersion')})`,
  (client) => {
    const kafka = testKafka();
    const input = uniqueName('mirror-in');
    const output = uniqueName('mirror-out');
    const dlq = uniqueName('mirror-dlq');
    const group = uniqueName('mirror-group');
    const workers: WorkerProcess[] = [];

    afterAll(() => {
      for (const w of workers) w.kill('SIGKILL');
    });

    it(`mirrors ${N} keyed messages: each passing message once, re-keyed, per-key order kept`, async () => {
      await createTopics(kafka, { [input]: 12, [output]: OUT_PARTITIONS, [dlq]: 1 });
      await produceEvents(kafka, input, 0, N, USERS);
      const expected = new Map<string, number[]>();
      for (let i = 0; i < N; i++) {
        const e = {
          user: `user-${i % USERS}`,
          seq: Math.floor(i / USERS),
          type: i % 3 === 0 ? 'view' : 'click',
          amount: (i * 7) % 100,
        } as Event;
        if (passes(e)) expected.set(e.user, [...(expected.get(e.user) ?? []), e.seq]);
      }
      const expectedCount = [...expected.values()].reduce((a, s) => a + s.length, 0);

      const worker = await WorkerProcess.start({
        MIRROR_APPID: group,
        MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
        MIRROR_INPUT: input,
        MIRROR_OUTPUT: output,
        MIRROR_DLQ_TOPIC: dlq,
        MIRROR_THREADS: '4',
        MIRROR_FILTER: '/type == "click" || /amount > 50',
        MIRROR_TRANSFORM: JSON.stringify({
          drop: ['/pad'],
          rename: { '/user': '/userId' },
          set: { '/mirrored': true },
        }),
        MIRROR_PARTITION: '/userId',
        MIRROR_CLIENT: client,
      });
      workers.push(worker);
      await worker.ready();
      await eventually(
        async () => ((await endOffset(kafka, output)) >= expectedCount ? true : undefined),
        90_000,
        500,
      );

      // Everything consumed was committed: a clean stop leaves no lag.
      worker.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      const admin = kafka.admin();
      await admin.connect();
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [input] });
      const ends = await admin.fetchTopicOffsets(input);
      await admin.disconnect();
      // The input holds each event once: any duplicate below is the worker's.
      expect(ends.reduce((sum, e) => sum + Number(e.high), 0)).toBe(N);
      for (const p of committed!.partitions) {
        expect(p.offset, `partition ${p.partition}`).toBe(
          ends.find((e) => e.partition === p.partition)!.high,
        );
      }

      const records = await readAll(kafka, output);
      expect(records.length).toBe(expectedCount);
      const seen = new Map<string, number[]>();
      for (const r of records) {
        const doc = JSON.parse(r.value!.toString()) as Record<string, unknown>;
        expect(r.key).toBe(doc.userId);
        expect(r.partition).toBe(partitionForKey(Buffer.from(r.key!), OUT_PARTITIONS));
        expect(doc.mirrored).toBe(true);
        expect(doc).not.toHaveProperty('pad');
        expect(doc).not.toHaveProperty('user');
        seen.set(r.key!, [...(seen.get(r.key!) ?? []), doc.seq as number]);
      }
      // Per key: exactly the expected sequence, in order (every passing message once, none reordered).
      expect(seen.size).toBe(expected.size);
      for (const [user, seqs] of expected) expect(seen.get(user), user).toEqual(seqs);
      expect(await endOffset(kafka, dlq)).toBe(0);

      const stats = worker.events('stats').at(-1)!;
      expect(stats.processed).toBe(N);
      expect(stats.completed).toBe(expectedCount);
      expect(stats.filtered).toBe(N - expectedCount);
      expect(stats.message).toMatch(
        /^Stats: processed=100000 \([\d.]+\/s\), filtered=\d+ \([\d.]+\/s\), completed=\d+ \([\d.]+\/s\), errors=0 \([\d.]+\/s\)$/,
      );
    });
  },
);

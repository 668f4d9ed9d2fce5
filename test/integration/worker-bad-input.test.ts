import { afterAll, describe, expect, inject, it } from 'vitest';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { createTopics } from '../helpers/worker-data.ts';
import { endOffset, readAll, WorkerProcess } from '../helpers/worker-process.ts';

const CLIENTS = ['kafkajs+platformatic', 'kafkajs', 'platformatic'] as const;

describe.each(CLIENTS)(
  `worker bad inputs (%s client, Kafka ${inject('kafkaVersion')})`,
  (client) => {
    const kafka = testKafka();
    const workers: WorkerProcess[] = [];
    const base = () => ({
      MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
      MIRROR_PARTITION: '/user',
      MIRROR_CLIENT: client,
    });
    afterAll(() => {
      for (const w of workers) w.kill('SIGKILL');
    });

    it('dead-letters non-JSON, missing key, tombstone and a 1 MB record without blocking the partition; or skips them', async () => {
      const [input, output, skipOutput, dlq] = ['bad-in', 'bad-out', 'bad-skip-out', 'bad-dlq'].map(
        uniqueName,
      ) as [string, string, string, string];
      await createTopics(kafka, { [input]: 2, [output]: 3, [skipOutput]: 3, [dlq]: 1 });
      const good = (i: number) => ({
        key: 'same-key',
        value: JSON.stringify({ user: `u${i % 3}`, seq: i }),
      });
      const huge = JSON.stringify({ user: 'u1', pad: 'x'.repeat(1_040_000) });
      const producer = kafka.producer();
      await producer.connect();
      // Every record on one key, so on one partition: the good ones after the bad ones must still arrive.
      await producer.send({
        topic: input,
        acks: -1,
        messages: [
          good(0),
          { key: 'same-key', value: 'not json {' },
          good(1),
          { key: 'same-key', value: JSON.stringify({ seq: 99, other: true }) },
          good(2),
          { key: 'same-key', value: null },
          good(3),
          { key: 'same-key', value: huge },
          good(4),
        ],
      });
      await producer.disconnect();

      const worker = await WorkerProcess.start({
        ...base(),
        MIRROR_APPID: uniqueName('bad-g'),
        MIRROR_INPUT: input,
        MIRROR_OUTPUT: output,
        MIRROR_DLQ_TOPIC: dlq,
      });
      workers.push(worker);
      await worker.ready();
      expect((await worker.http('/healthz')).status).toBe(200);
      await eventually(
        async () =>
          (await endOffset(kafka, dlq)) >= 4 && (await endOffset(kafka, output)) >= 5
            ? true
            : undefined,
        60_000,
      );

      const out = await readAll(kafka, output);
      expect(out.map((r) => JSON.parse(r.value!.toString()).seq).sort()).toEqual([0, 1, 2, 3, 4]);
      const dead = await readAll(kafka, dlq);
      const byReason = new Map(dead.map((r) => [r.headers['lagpilot.error.reason'], r]));
      expect([...byReason.keys()].sort()).toEqual([
        'missing-key',
        'not-json',
        'oversized',
        'tombstone',
      ]);
      expect(byReason.get('not-json')!.value!.toString()).toBe('not json {');
      expect(byReason.get('missing-key')!.headers['lagpilot.error.detail']).toContain('/user');
      expect(byReason.get('oversized')!.value).toBeNull();
      expect(byReason.get('oversized')!.headers['lagpilot.error.detail']).toMatch(
        /> max_message_bytes 1000000/,
      );
      for (const r of dead) {
        expect(r.headers['lagpilot.source.topic']).toBe(input);
        expect(r.key).toBe('same-key');
      }
      // The source offsets point back at the records: 1, 3, 5, 7 on the single partition used.
      expect(dead.map((r) => Number(r.headers['lagpilot.source.offset'])).sort()).toEqual([
        1, 3, 5, 7,
      ]);
      const metrics = (await worker.http('/metrics')).body;
      expect(metrics).toMatch(/^lagpilot_worker_messages_dlq_total 4$/m);
      expect(metrics).toMatch(/^lagpilot_worker_messages_produced_total 5$/m);
      expect(metrics).toMatch(/^lagpilot_worker_assigned_partitions 2$/m);
      // The process metrics beside the worker's own, on the same scrape.
      expect(metrics).toMatch(/^process_resident_memory_bytes [1-9]\d*$/m);
      expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
      worker.kill('SIGTERM');
      expect(await worker.exited).toBe(0);

      const skipper = await WorkerProcess.start({
        ...base(),
        MIRROR_APPID: uniqueName('skip-g'),
        MIRROR_INPUT: input,
        MIRROR_OUTPUT: skipOutput,
        MIRROR_ON_ERROR: 'skip',
      });
      workers.push(skipper);
      await skipper.ready();
      await eventually(
        async () =>
          (await skipper.http('/metrics')).body.match(/^lagpilot_worker_messages_skipped_total 4$/m)
            ? true
            : undefined,
        60_000,
      );
      expect(await endOffset(kafka, skipOutput)).toBe(5);
      expect(await endOffset(kafka, dlq)).toBe(4);
      skipper.kill('SIGTERM');
      expect(await skipper.exited).toBe(0);
    });
  },
);

describe('worker refuses a bad start', () => {
  it('exits 2 on a bad config, naming every bad field and its fix', async () => {
    const worker = await WorkerProcess.start({
      MIRROR_APPID: 'g',
      MIRROR_INPUT: 'in',
      MIRROR_OUTPUT: 'out',
      MIRROR_THREADS: 'lots',
      MIRROR_ON_ERROR: 'ignore',
      MIRROR_FILTER: '/type == click',
    });
    expect(await worker.exited).toBe(2);
    expect(worker.stderr).toContain('threads (from MIRROR_THREADS): "lots" is not a number');
    expect(worker.stderr).toMatch(/bootstrap: required: the brokers/);
    expect(worker.stderr).toMatch(/on_error: .*expected one of "dlq"\|"skip"/);
    expect(worker.stderr).toMatch(
      /filter: filter syntax: expected a string, number, true, false or null after '==' but found 'click' at position 10/,
    );
    expect(worker.events('config_error')).toHaveLength(1);
  });

  it('exits 2 on a bad KAFKA_SASL_* setting, naming the variable and never the password', async () => {
    const valid = {
      MIRROR_APPID: 'g',
      MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
      MIRROR_INPUT: 'in',
      MIRROR_OUTPUT: 'out',
      MIRROR_ON_ERROR: 'skip',
    };
    const unknown = await WorkerProcess.start({ ...valid, KAFKA_SASL_MECHANISM: 'kerberos' });
    const noUser = await WorkerProcess.start({
      ...valid,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_PASSWORD: 'hunter2',
    });
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr).toContain('KAFKA_SASL_MECHANISM="kerberos": must be one of plain');
    expect(await noUser.exited).toBe(2);
    expect(noUser.stderr).toContain('KAFKA_SASL_USERNAME: is required while');
    expect(noUser.stderr + JSON.stringify(noUser.logs)).not.toContain('hunter2');
  });

  it('exits 1 when an output topic is missing, saying to create it', async () => {
    const kafka = testKafka();
    const input = uniqueName('missing-in');
    await createTopics(kafka, { [input]: 1 });
    const worker = await WorkerProcess.start({
      MIRROR_APPID: uniqueName('missing-g'),
      MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
      MIRROR_INPUT: input,
      MIRROR_OUTPUT: uniqueName('no-such-topic'),
      MIRROR_ON_ERROR: 'skip',
    });
    expect(await worker.exited).toBe(1);
    expect(worker.events('start_failed')[0]?.message).toMatch(
      /topic "no-such-topic-\w+" is not readable .* create it first/,
    );
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundleWorker, RUNTIME_NODE_OPTIONS } from '../../worker/build.ts';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { createTopics } from '../helpers/worker-data.ts';
import { endOffset, readAll, WorkerProcess } from '../helpers/worker-process.ts';

const RECORDS = 160;
/** Close to the worker's max_message_bytes (1,000,000) once transformed and re-keyed. */
const PAD = 900_000;

/** VmHWM: the process's peak resident memory so far. */
const peakRssMb = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe.each(['kafkajs+platformatic', 'kafkajs', 'platformatic'])(
  `worker under the container's heap cap mirrors records near max_message_bytes (%s client, Kafka ${inject('kafkaVersion')})`,
  (client) => {
    const kafka = testKafka();
    const workers: WorkerProcess[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'lagpilot-bundle-'));
    // The container's artifact, not the sources through tsx: the bound is the container's.
    let bundle: string;
    beforeAll(async () => {
      bundle = await bundleWorker(dir);
    });
    afterAll(() => {
      for (const w of workers) w.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it(`filters, transforms and re-keys ${RECORDS} records of ~900 KB each, every one produced, RSS under 256 MB`, async () => {
      const [input, output] = [uniqueName('large-in'), uniqueName('large-out')];
      await createTopics(kafka, { [input]: 12, [output]: 3 });
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      // One record per request: a batch of several would exceed the broker's message.max.bytes.
      for (let i = 0; i < RECORDS; i++) {
        const doc = { user: `user-${i % 5}`, seq: i, type: 'click', pad: 'x'.repeat(PAD) };
        await producer.send({
          topic: input,
          acks: -1,
          messages: [{ key: doc.user, value: JSON.stringify(doc) }],
        });
      }
      await producer.disconnect();

      const worker = await WorkerProcess.start(
        {
          NODE_OPTIONS: RUNTIME_NODE_OPTIONS,
          MIRROR_APPID: uniqueName('large-group'),
          MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
          MIRROR_INPUT: input,
          MIRROR_OUTPUT: output,
          MIRROR_ON_ERROR: 'skip',
          MIRROR_THREADS: '12',
          MIRROR_FILTER: '/type == "click"',
          MIRROR_TRANSFORM: JSON.stringify({
            rename: { '/user': '/userId' },
            set: { '/big': true },
          }),
          MIRROR_PARTITION: '/userId',
          MIRROR_CLIENT: client,
        },
        [],
        bundle,
      );
      workers.push(worker);
      await worker.ready();
      await eventually(
        async () => ((await endOffset(kafka, output)) >= RECORDS ? true : undefined),
        90_000,
        500,
      );
      const peak = peakRssMb(worker.pid);
      worker.kill('SIGTERM');
      expect(await worker.exited).toBe(0);

      const out = await readAll(kafka, output);
      expect(out.map((r) => JSON.parse(r.value!.toString()).seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: RECORDS }, (_, i) => i),
      );
      for (const r of out) {
        const doc = JSON.parse(r.value!.toString());
        expect(doc.big).toBe(true);
        expect(doc.pad.length).toBe(PAD);
        expect(r.key).toBe(doc.userId);
      }
      expect(peak).toBeLessThanOrEqual(256);
    });
  },
);

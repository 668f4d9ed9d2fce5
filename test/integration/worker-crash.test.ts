import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { createTopics } from '../helpers/worker-data.ts';
import { produceRaw, WorkerProcess, workersOfBlock } from '../helpers/worker-process.ts';

const CRASH = fileURLToPath(new URL('../helpers/worker-crash.ts', import.meta.url));

describe.each(['kafkajs+platformatic', 'kafkajs', 'platformatic'])(
  `worker whose consumer dies (%s client, Kafka ${inject('kafkaVersion')})`,
  (client) => {
    const kafka = testKafka();
    const workers = workersOfBlock();

    async function crashedWorker(): Promise<WorkerProcess> {
      const [input, output] = ['crash-in', 'crash-out'].map(uniqueName) as [string, string];
      await createTopics(kafka, { [input]: 1, [output]: 1 });
      const worker = await WorkerProcess.start(
        {
          MIRROR_APPID: uniqueName('crash-g'),
          MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
          MIRROR_INPUT: input,
          MIRROR_OUTPUT: output,
          MIRROR_ON_ERROR: 'skip',
          MIRROR_CLIENT: client,
          // A port of the system's choosing, found from the worker's log line.
          MIRROR_HTTP_PORT: '0',
        },
        [CRASH],
      );
      workers.push(worker);
      await worker.ready();
      expect(worker.boundPort).toBeGreaterThan(0);
      await produceRaw(inject('kafkaBrokers'), input, [
        {
          key: Buffer.from('k'),
          value: Buffer.from('{}'),
          headers: [['lagpilot.test.crash', null]],
        },
      ]);
      return worker;
    }

    it('fails /readyz at once and exits 1 after a short grace', async () => {
      const worker = await crashedWorker();
      const exit = { code: undefined as number | null | undefined };
      void worker.exited.then((code) => {
        exit.code = code;
      });
      await eventually(
        async () => ((await worker.http('/readyz')).status === 503 ? true : undefined),
        30_000,
        50,
      );
      // Not ready while still up: the failed readiness is seen before the process goes.
      expect(exit.code).toBeUndefined();
      expect(worker.events('consumer_crashed')).toHaveLength(1);
      expect(worker.events('consumer_crashed')[0]!.message).toContain('injected consumer failure');
      expect(await worker.exited).toBe(1);
    });

    it('stops cleanly on SIGTERM after the crash', async () => {
      const worker = await crashedWorker();
      await eventually(async () =>
        worker.events('consumer_crashed').length > 0 ? true : undefined,
      );
      worker.signal('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(worker.events('stopped')[0]).toMatchObject({ drained: true, closed: true });
      expect(JSON.stringify(worker.logs)).not.toContain('was not initialized');
    });
  },
);

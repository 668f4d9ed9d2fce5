import { describe, expect, inject, it } from 'vitest';
import { sleep } from '../../kit/process.ts';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { createTopics } from '../helpers/worker-data.ts';
import { endOffset, produceRaw, WorkerProcess, workersOfBlock } from '../helpers/worker-process.ts';

const CLIENTS = ['kafkajs+platformatic', 'kafkajs', 'platformatic'] as const;

// A worker starts, mirrors, idles and stops without a runtime warning on stderr: kafkajs 2.2.4
// printed `TimeoutNegativeWarning: -17… is a negative number` on Node 24 from its request
// queue's throttle timer, once per process (kit/kafkajs.ts fixes it at the root).
describe(`a clean start on Kafka ${inject('kafkaVersion')}`, () => {
  const kafka = testKafka();
  const workers = workersOfBlock();

  it.each(CLIENTS)(
    'a %s worker prints nothing on stderr through start, mirror, idle and stop',
    async (client) => {
      const [input, output] = [uniqueName('clean-in'), uniqueName('clean-out')];
      await createTopics(kafka, { [input]: 2, [output]: 2 });
      const records = Array.from({ length: 20 }, (_, i) => ({
        key: Buffer.from(`k${i}`),
        value: Buffer.from(JSON.stringify({ id: `k${i}`, n: i })),
        headers: [],
      }));
      await produceRaw(inject('kafkaBrokers'), input, records);
      const worker = await WorkerProcess.start({
        MIRROR_APPID: uniqueName('clean'),
        MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
        MIRROR_INPUT: input,
        MIRROR_OUTPUT: output,
        MIRROR_PARTITION: '/id',
        MIRROR_ON_ERROR: 'skip',
        MIRROR_CLIENT: client,
      });
      workers.push(worker);
      await worker.ready();
      await eventually(async () => ((await endOffset(kafka, output)) >= 20 ? true : undefined));
      // Idle with answered requests behind it: where the throttle timer was armed.
      await sleep(2_000);
      worker.signal('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(worker.stderr).toBe('');
    },
  );
});

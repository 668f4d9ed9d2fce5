import { describe, expect, inject, it } from 'vitest';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { committedEverything, createTopics } from '../helpers/worker-data.ts';
import { endOffset, WorkerProcess, workersOfBlock } from '../helpers/worker-process.ts';

const TRANSACTIONS = 5;
const PER_TRANSACTION = 20;

/**
 * An input written by a transactional producer (Kafka Streams, exactly-once pipelines) ends each
 * transaction with a commit marker the consumer never sees as a record. A group committed only
 * up to its last record keeps one message of lag per partition for good: the autoscaler reads it
 * as a stalled partition, and the lag never drains to 0.
 */
describe.each(['kafkajs+platformatic', 'kafkajs'])(
  `worker on a transactional input (%s client, Kafka ${inject('kafkaVersion')})`,
  (client) => {
    const kafka = testKafka();
    const workers = workersOfBlock();

    it('commits past the transaction markers: the group ends with no lag', async () => {
      const [input, output, group] = [uniqueName('tx-in'), uniqueName('tx-out'), uniqueName('tx')];
      await createTopics(kafka, { [input]: 3, [output]: 3 });
      const producer = kafka.producer({
        transactionalId: uniqueName('tx-producer'),
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      for (let t = 0; t < TRANSACTIONS; t++) {
        const tx = await producer.transaction();
        await tx.send({
          topic: input,
          messages: Array.from({ length: PER_TRANSACTION }, (_, i) => ({
            key: `k${i % 7}`,
            value: JSON.stringify({ t, i }),
          })),
        });
        await tx.commit();
      }
      await producer.disconnect();

      const worker = await WorkerProcess.start({
        MIRROR_APPID: group,
        MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
        MIRROR_INPUT: input,
        MIRROR_OUTPUT: output,
        MIRROR_ON_ERROR: 'skip',
        MIRROR_CLIENT: client,
      });
      workers.push(worker);
      await worker.ready();
      const records = TRANSACTIONS * PER_TRANSACTION;
      await eventually(async () =>
        (await endOffset(kafka, output)) >= records ? true : undefined,
      );
      // The input's end is past the records by one marker per transaction and partition written.
      expect(await endOffset(kafka, input)).toBeGreaterThan(records);
      await eventually(async () =>
        (await committedEverything(kafka, group, input)) ? true : undefined,
      );
      worker.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(await endOffset(kafka, output)).toBe(records);
    });
  },
);

/**
 * One consumer-group member for the rebalance benchmark (bench/suites/rebalance.ts), in its own
 * process: `tsx bench/rebalance-member.ts <classic|consumer|worker> <brokers> <topic> <group>`.
 * `classic`: kafkajs (the worker's default client, classic eager protocol, its default timeouts);
 * `consumer`: @platformatic/kafka with groupProtocol 'consumer' (KIP-848); `worker`: the worker's
 * own Kafka port on the consumer protocol (worker/src/platformatic-adapter.ts: each batch
 * committed before the next, a revocation acknowledged only once its batches committed). Prints one JSON line
 * per 50 ms with the partitions it consumed records from; SIGTERM leaves the group and exits.
 */
import { Consumer, type MessagesStream } from '@platformatic/kafka';
import { Kafka, logLevel } from '../kit/kafkajs.ts';
import { PlatformaticPort } from '../worker/src/platformatic-adapter.ts';

const [protocol, brokers, topic, groupId] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const seen = new Set<number>();
const flush = setInterval(() => {
  if (seen.size === 0) return;
  process.stdout.write(`${JSON.stringify({ t: Date.now(), p: [...seen] })}\n`);
  seen.clear();
}, 50);

async function classic(): Promise<() => Promise<void>> {
  const kafka = new Kafka({
    clientId: 'bench-member',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (batch.messages.length > 0) seen.add(batch.partition);
    },
  });
  return () => consumer.disconnect();
}

async function kip848(): Promise<() => Promise<void>> {
  const consumer = new Consumer({
    clientId: 'bench-member',
    bootstrapBrokers: [brokers],
    groupId,
    groupProtocol: 'consumer',
    maxWaitTime: 100,
  });
  const stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> = await consumer.consume({
    topics: [topic],
    mode: 'committed',
    fallbackMode: 'latest',
    autocommit: 500,
  });
  stream.on('data', (m) => seen.add(m.partition));
  // force: close the open stream too (it still leaves the group).
  return () =>
    new Promise<void>((resolve, reject) =>
      consumer.close(true, (error) => (error ? reject(error) : resolve())),
    );
}

async function worker(): Promise<() => Promise<void>> {
  const port = new PlatformaticPort([brokers], { tls: false }, 'bench-member', {
    compression: 'none',
    requestTimeoutMs: 30_000,
  });
  await port.consume(
    {
      groupId,
      topics: [topic],
      concurrency: 4,
      fromBeginning: false,
      sessionTimeoutMs: 45_000,
      heartbeatIntervalMs: 5_000,
      rebalanceTimeoutMs: 60_000,
      maxBytesPerPartition: 1_048_576,
      maxBytes: 4_194_304,
      maxWaitMs: 100,
      groupProtocol: 'consumer',
    },
    {
      onBatch: async (batch) => {
        seen.add(batch.partition);
        const offset = batch.records.at(-1)!.offset + 1n;
        await port.commit([{ topic: batch.topic, partition: batch.partition, offset }]);
      },
      onAssignment: () => {},
      onCrash: (error) => {
        process.stderr.write(`${error.message}\n`);
        process.exit(1);
      },
    },
  );
  return async () => {
    await port.stopConsuming();
    await port.disconnect();
  };
}

const members = { classic, consumer: kip848, worker };
const stop = await members[protocol as keyof typeof members]();
process.stdout.write(`${JSON.stringify({ t: Date.now(), ready: true })}\n`);
process.once('SIGTERM', async () => {
  clearInterval(flush);
  await stop();
  process.exit(0);
});

/**
 * One consumer-group member for the rebalance benchmark (bench/suites/rebalance.ts), in its own
 * process: `tsx bench/rebalance-member.ts <classic|consumer> <brokers> <topic> <group>`.
 * `classic`: kafkajs (the worker's default client, classic eager protocol, its default timeouts);
 * `consumer`: @platformatic/kafka with groupProtocol 'consumer' (KIP-848). Prints one JSON line
 * per 50 ms with the partitions it consumed records from; SIGTERM leaves the group and exits.
 */
import { Consumer, type MessagesStream } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';

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

const stop = await (protocol === 'consumer' ? kip848() : classic());
process.stdout.write(`${JSON.stringify({ t: Date.now(), ready: true })}\n`);
process.once('SIGTERM', async () => {
  clearInterval(flush);
  await stop();
  process.exit(0);
});

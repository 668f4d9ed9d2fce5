/**
 * Preloaded into a worker process by the crash test (`WorkerProcess.start(env, [this file])`):
 * the Kafka client's consumer fails for good on a record carrying the header
 * `lagpilot.test.crash`, as kafkajs did on a header it could not convert. kafkajs: eachBatch
 * throws a TypeError (unrecoverable for kafkajs: the consumer crashes and stays stopped);
 * @platformatic/kafka: the message stream is destroyed with an error.
 */
import { Consumer } from '@platformatic/kafka';
import { type EachBatchPayload, Kafka } from '../../kit/kafkajs.ts';

const CRASH_HEADER = 'lagpilot.test.crash';

const kafkajsConsumer = Kafka.prototype.consumer;
Kafka.prototype.consumer = function (this: Kafka, ...args: Parameters<Kafka['consumer']>) {
  const consumer = kafkajsConsumer.apply(this, args);
  const run = consumer.run;
  consumer.run = (config) =>
    run({
      ...config,
      eachBatch: async (payload: EachBatchPayload) => {
        if (payload.batch.messages.some((m) => m.headers?.[CRASH_HEADER] !== undefined))
          throw new TypeError('injected consumer failure');
        return config?.eachBatch?.(payload);
      },
    });
  return consumer;
};

const consume = Consumer.prototype.consume;
Consumer.prototype.consume = async function (this: Consumer, ...args: unknown[]) {
  const stream = await (consume as (...a: unknown[]) => ReturnType<typeof consume>).apply(
    this,
    args,
  );
  stream.prependListener('data', (m) => {
    if ([...m.headers.keys()].some((k) => String(k) === CRASH_HEADER))
      stream.destroy(new Error('injected consumer failure'));
  });
  return stream;
} as typeof consume;

import { randomUUID } from 'node:crypto';
import { Consumer, type MessagesStream } from '@platformatic/kafka';
import { inject } from 'vitest';
import { Kafka, logLevel } from '../../kit/kafkajs.ts';
import { pollUntil } from '../../kit/process.ts';

/** A kafkajs client on the integration tier's broker, quiet unless a test fails. */
export function testKafka(clientId = 'lagpilot-test'): Kafka {
  return new Kafka({ clientId, brokers: [inject('kafkaBrokers')], logLevel: logLevel.NOTHING });
}

/** A name no other test uses, so that test files can share one broker. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** pollUntil with the integration tier's patience: 30 s unless a test says otherwise. */
export const eventually = <T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> => pollUntil(check, { timeoutMs, everyMs });

/** A member of a consumer-protocol group (KIP-848) reading `topic` from the start, records dropped. */
export async function consumerProtocolMember(groupId: string, topic: string): Promise<Consumer> {
  const consumer = new Consumer({
    clientId: 'lagpilot-test-kip848',
    bootstrapBrokers: [inject('kafkaBrokers')],
    groupId,
    groupProtocol: 'consumer',
  });
  const stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: 'earliest',
  });
  stream.on('data', () => {});
  return consumer;
}
